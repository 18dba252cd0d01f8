"""The survey models, taken over from the feedback app with their tables (`db_table`): on a
database of any release this creates nothing and moves no row, since the tables exist already
(feedback 0002 to 0005 made them); only Django's idea of which app owns them changes
(feedback 0006 let them go)."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('feedback', '0006_surveys_moved_out'),
        ('accountability', '0005_outbox_sealed_bodies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SurveyRound',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('opens_at', models.DateTimeField()),
                        ('closes_at', models.DateTimeField()),
                        ('repeat_every_weeks', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('invited', models.BooleanField(default=False)),
                        ('closed', models.BooleanField(default=False)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('previous', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='next', to='surveys.surveyround')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='survey_rounds', to='accountability.team')),
                    ],
                    options={
                        'db_table': 'feedback_surveyround',
                        'ordering': ['-opens_at'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyResponse',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='surveys.surveyround')),
                    ],
                    options={
                        'db_table': 'feedback_surveyresponse',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('description', models.TextField(blank=True, max_length=2000)),
                        ('built_in', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('version', models.PositiveSmallIntegerField(default=1)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('previous', models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='next_version', to='surveys.surveytemplate')),
                    ],
                    options={
                        'db_table': 'feedback_surveytemplate',
                        'ordering': ['-built_in', 'name'],
                    },
                ),
                migrations.AddField(
                    model_name='surveyround',
                    name='template',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rounds', to='surveys.surveytemplate'),
                ),
                migrations.CreateModel(
                    name='SurveyQuestion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('text', models.CharField(max_length=300)),
                        ('kind', models.CharField(choices=[('agreement', 'Agreement, 1 (strongly disagree) to 5 (strongly agree)'), ('scale_10', 'Scale from 0 to 10'), ('choice', 'Single choice'), ('text', 'Free text')], default='agreement', max_length=20)),
                        ('choices', models.JSONField(blank=True, default=list)),
                        ('strategy', models.CharField(blank=True, choices=[('open_communication', 'Open communication'), ('transparency', 'Transparency'), ('accountability', 'Accountability'), ('empowerment', 'Empowerment'), ('consistency', 'Consistency'), ('psychological_safety', 'Psychological safety')], max_length=30)),
                        ('reverse_scored', models.BooleanField(default=False)),
                        ('required', models.BooleanField(default=True)),
                        ('template', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='surveys.surveytemplate')),
                    ],
                    options={
                        'db_table': 'feedback_surveyquestion',
                        'ordering': ['template', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyAnswer',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('value', models.SmallIntegerField(blank=True, null=True)),
                        ('text', models.TextField(blank=True, max_length=2000)),
                        ('question', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='answers', to='surveys.surveyquestion')),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='surveys.surveyresponse')),
                    ],
                    options={
                        'db_table': 'feedback_surveyanswer',
                        'ordering': ['id'],
                        'constraints': [models.UniqueConstraint(fields=('response', 'question'), name='survey_answer_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyInvitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('answered', models.BooleanField(default=False)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='surveys.surveyround')),
                    ],
                    options={
                        'db_table': 'feedback_surveyinvitation',
                        'constraints': [models.UniqueConstraint(fields=('round', 'user'), name='survey_invitation_unique')],
                    },
                ),
                migrations.AddIndex(
                    model_name='surveyround',
                    index=models.Index(fields=['closed', 'opens_at'], name='survey_round_due_idx'),
                ),
                migrations.AddConstraint(
                    model_name='surveyround',
                    constraint=models.CheckConstraint(condition=models.Q(('closes_at__gt', models.F('opens_at'))), name='survey_round_order'),
                ),
                migrations.AddConstraint(
                    model_name='surveyquestion',
                    constraint=models.UniqueConstraint(fields=('template', 'position'), name='survey_question_position_unique'),
                ),
            ],
        ),
    ]
