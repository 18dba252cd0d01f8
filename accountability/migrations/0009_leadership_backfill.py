"""Today's managers as arrivals, at the time they joined: the history starts from what is known."""

from django.db import migrations


def backfill(apps, schema_editor):
    Membership = apps.get_model("accountability", "Membership")
    LeadershipEvent = apps.get_model("accountability", "LeadershipEvent")
    managers = Membership.objects.filter(role="manager").select_related("user").order_by("pk")
    batch = []
    for membership in managers.iterator(chunk_size=2000):
        user = membership.user
        batch.append(
            LeadershipEvent(
                team_id=membership.team_id,
                user_id=membership.user_id,
                person_name=user.display_name or user.email.split("@")[0],
                from_role="",
                to_role="manager",
                manager_change=True,
                at=membership.joined_at,
            )
        )
        if len(batch) >= 2000:
            LeadershipEvent.objects.bulk_create(batch)
            batch = []
    LeadershipEvent.objects.bulk_create(batch)


def forget(apps, schema_editor):
    apps.get_model("accountability", "LeadershipEvent").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0008_leadershipevent"),
    ]

    operations = [migrations.RunPython(backfill, forget)]
