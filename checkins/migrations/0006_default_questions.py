"""Every existing team's check-in becomes its default question set: highlights, blockers and
support I'd like, asked since always (2000-01-03), their answers still in the check-in's own
columns. The keys are those checkins.question_sets.default_key gives (written out here: a
migration must not import the app's code), so a form opened before the migration still fits.
"""

import uuid

from django.db import migrations

EPOCH = "2000-01-03"
KEYS = uuid.UUID("6f1b6a59-8d4e-4f7b-9a55-0c2f3f0d1e8a")
DEFAULTS = [
    ("highlights", "Highlights", "What went well, what you're proud of."),
    ("blockers", "Anything in your way?", ""),
    ("support_requested", "Support I'd like", "Your manager sees this first and answers it."),
]
BATCH = 2000


def forwards(apps, schema_editor):
    Team = apps.get_model("accountability", "Team")
    Question = apps.get_model("checkins", "Question")
    has_questions = set(Question.objects.values_list("team_id", flat=True).distinct())
    rows = []
    for team_id in Team.objects.values_list("pk", flat=True).iterator(chunk_size=BATCH):
        if team_id in has_questions:
            continue
        for position, (special, label, help_text) in enumerate(DEFAULTS):
            key = uuid.uuid5(KEYS, f"{team_id}:{special}")
            rows.append(
                Question(
                    team_id=team_id,
                    key=key,
                    series=key,
                    kind="long_text",
                    label=label,
                    help_text=help_text,
                    special=special,
                    position=position,
                    valid_from=EPOCH,
                )
            )
        if len(rows) >= BATCH:
            Question.objects.bulk_create(rows)
            rows = []
    Question.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("checkins", "0005_questions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
