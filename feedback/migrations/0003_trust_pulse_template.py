"""The built-in "Team trust pulse": ten statements in our own words covering the five trust
strategies and psychological safety, three of them reverse-scored, and an optional comment."""

from django.db import migrations

NAME = "Team trust pulse"

STATEMENTS = [
    # text, strategy, reverse-scored
    ("I can raise a concern in this team and know it will be heard.", "open_communication", False),
    ("Some things are better left unsaid in this team.", "open_communication", True),
    ("I know what my teammates are working on and why.", "transparency", False),
    ("When we commit to something, we follow through or say early that plans changed.", "accountability", False),
    ("When something slips here, people look for someone to blame.", "accountability", True),
    ("I choose how I do my work and which commitments I take on.", "empowerment", False),
    ("Check-ins and requests get a response here, week after week.", "consistency", False),
    ("If I make a mistake here, I can admit it without it being held against me.", "psychological_safety", False),
    ("It is hard to ask people in this team for help.", "psychological_safety", True),
    ("It is safe to raise a problem or take a sensible risk in this team.", "psychological_safety", False),
]
COMMENT = "Anything you'd like to add? (optional)"


def create(apps, schema_editor):
    Template = apps.get_model("feedback", "SurveyTemplate")
    Question = apps.get_model("feedback", "SurveyQuestion")
    if Template.objects.filter(name=NAME, built_in=True).exists():
        return
    template = Template.objects.create(
        name=NAME,
        built_in=True,
        description="Ten short statements about trust and psychological safety. Answers are anonymous.",
    )
    for position, (text, strategy, reverse) in enumerate(STATEMENTS, start=1):
        Question.objects.create(
            template=template, position=position, text=text, kind="agreement", strategy=strategy, reverse_scored=reverse
        )
    Question.objects.create(template=template, position=len(STATEMENTS) + 1, text=COMMENT, kind="text", required=False)


def remove(apps, schema_editor):
    apps.get_model("feedback", "SurveyTemplate").objects.filter(name=NAME, built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_surveys")]

    operations = [migrations.RunPython(create, remove)]
