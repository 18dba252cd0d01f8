"""A demo organisation to click through: `python manage.py seed_demo`.

Idempotent: every row is looked up by a natural key first, so a second run adds nothing.
"""

import importlib
import os
from datetime import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accountability import services
from accountability.models import Membership, Role, Team, User

DEFAULT_DEMO_PASSWORD = "demo-checkins-2026"  # noqa: S105 - documented demo credential

TEAMS = [
    # slug, name, time zone, check-in weekday (Mon=0), local time
    ("platform", "Platform", "Europe/London", 4, time(15, 0)),
    ("customer-success", "Customer Success", "America/New_York", 3, time(11, 0)),
]

# email, display name, {team slug: role}
PEOPLE = [
    ("admin@demo.example", "Ada Admin", {}),
    ("maya.manager@demo.example", "Maya Okafor", {"platform": Role.MANAGER}),
    ("sam.manager@demo.example", "Sam Rivera", {"customer-success": Role.MANAGER}),
    ("lee@demo.example", "Lee Chen", {"platform": Role.MEMBER, "customer-success": Role.MEMBER}),
    ("priya@demo.example", "Priya Nair", {"platform": Role.MEMBER}),
    ("tom@demo.example", "Tom Becker", {"platform": Role.MEMBER}),
    ("ines@demo.example", "Inês Costa", {"platform": Role.MEMBER}),
    ("ravi@demo.example", "Ravi Patel", {"platform": Role.MEMBER}),
    ("kwame@demo.example", "Kwame Mensah", {"customer-success": Role.MEMBER}),
    ("sofia@demo.example", "Sofia Rossi", {"customer-success": Role.MEMBER}),
    ("noah@demo.example", "Noah Smith", {"customer-success": Role.MEMBER}),
]


class Command(BaseCommand):
    help = "Create a demo organisation (two teams, managers, members). Safe to run again."

    def _seed_apps(self, teams: list[Team]) -> int:
        """Each app may add demo history in its own `demo.py` (a `seed_history(teams=, now=)`
        function). Found by name, so an app added later brings its demo without a change here."""
        added = 0
        for config in apps.get_app_configs():
            if config.name == "accountability":
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            added += module.seed_history(teams=teams, now=timezone.now())
        return added

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        created = 0
        kept_accounts = 0
        teams = {}
        for slug, name, tz, weekday, at in TEAMS:
            team, made = Team.objects.get_or_create(
                slug=slug, defaults={"name": name, "time_zone": tz, "checkin_weekday": weekday, "checkin_time": at}
            )
            teams[slug] = team
            created += made
        for email, display_name, roles in PEOPLE:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                is_admin = email.startswith("admin@")
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    display_name=display_name,
                    is_staff=is_admin,
                    is_superuser=is_admin,
                )
                created += 1
            else:
                kept_accounts += 1
            for slug, role in roles.items():
                if not Membership.objects.filter(user=user, team=teams[slug]).exists():
                    services.membership_add(team=teams[slug], user=user, role=role)
                    created += 1
        created += self._seed_apps(list(teams.values()))

        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new rows)."))
        self.stdout.write("Sign in at /accounts/login/ with any of these, all with the same password:")
        for email, display_name, roles in PEOPLE:
            what = ", ".join(f"{role} of {teams[slug].name}" for slug, role in roles.items()) or "organisation admin"
            self.stdout.write(f"  {email:<28} {display_name} ({what})")
        self.stdout.write(f"Password: {password}")
        if kept_accounts:
            # A second run never resets passwords: say so rather than print one that may not work.
            self.stdout.write(
                f"({kept_accounts} of these accounts existed already and keep the password they were created with.)"
            )
