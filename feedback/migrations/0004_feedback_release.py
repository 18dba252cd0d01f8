"""The daily release of anonymous feedback: what writers send waits (released_on NULL) until
08:00 team time the next day. Everything already written was visible, so it counts as released
on the day it was written."""

from django.db import migrations, models


def release_what_exists(apps, schema_editor):
    for name in ("FeedbackThread", "FeedbackMessage"):
        apps.get_model("feedback", name).objects.filter(released_on__isnull=True).update(
            released_on=models.F("created_on")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_trust_pulse_template"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedbackthread",
            name="released_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="feedbackthread",
            name="consent_pending",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="feedbackthread",
            name="consent_pending_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="feedbackmessage",
            name="released_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(release_what_exists, migrations.RunPython.noop),
        # Positions are unique among a thread's released messages, and among its pending ones.
        migrations.RemoveConstraint(
            model_name="feedbackmessage",
            name="feedback_message_position_unique",
        ),
        migrations.AddConstraint(
            model_name="feedbackmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("released_on__isnull", False)),
                fields=("thread", "position"),
                name="feedback_message_position_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedbackmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("released_on__isnull", True)),
                fields=("thread", "position"),
                name="feedback_pending_position_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="feedbackthread",
            index=models.Index(
                condition=models.Q(("released_on__isnull", True)),
                fields=["team", "created_on"],
                name="feedback_pending_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="feedbackthread",
            index=models.Index(
                condition=models.Q(("consent_pending__isnull", False)),
                fields=["team", "consent_pending_on"],
                name="feedback_consent_pending_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="feedbackmessage",
            index=models.Index(
                condition=models.Q(("released_on__isnull", True)),
                fields=["thread", "created_on"],
                name="feedback_message_pending_idx",
            ),
        ),
    ]
