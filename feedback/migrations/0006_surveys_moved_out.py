"""Pulse surveys moved to their own app, `surveys`, keeping their tables: the models leave
this app's state only, and surveys' first migration takes them over, tables and rows as they
are (surveys/migrations/0001_initial.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_survey_template_versions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='surveyinvitation',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='surveyinvitation',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='surveyquestion',
                    name='template',
                ),
                migrations.RemoveField(
                    model_name='surveyresponse',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='surveyround',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='surveyround',
                    name='previous',
                ),
                migrations.RemoveField(
                    model_name='surveyround',
                    name='team',
                ),
                migrations.RemoveField(
                    model_name='surveyround',
                    name='template',
                ),
                migrations.RemoveField(
                    model_name='surveytemplate',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='surveytemplate',
                    name='previous',
                ),
                migrations.DeleteModel(
                    name='SurveyAnswer',
                ),
                migrations.DeleteModel(
                    name='SurveyInvitation',
                ),
                migrations.DeleteModel(
                    name='SurveyQuestion',
                ),
                migrations.DeleteModel(
                    name='SurveyResponse',
                ),
                migrations.DeleteModel(
                    name='SurveyRound',
                ),
                migrations.DeleteModel(
                    name='SurveyTemplate',
                ),
            ],
        ),
    ]
