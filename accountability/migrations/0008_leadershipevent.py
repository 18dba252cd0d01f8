import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0007_team_name_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadershipEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("person_name", models.CharField(blank=True, max_length=200)),
                (
                    "from_role",
                    models.CharField(
                        blank=True, choices=[("member", "Member"), ("manager", "Manager")], max_length=10
                    ),
                ),
                (
                    "to_role",
                    models.CharField(
                        blank=True, choices=[("member", "Member"), ("manager", "Manager")], max_length=10
                    ),
                ),
                ("manager_change", models.BooleanField(default=False, editable=False)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="leadership_events",
                        to="accountability.team",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "indexes": [
                    models.Index(fields=["team", "manager_change", "at"], name="leadership_team_change_at_idx")
                ],
            },
        ),
    ]
