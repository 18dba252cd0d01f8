from datetime import timedelta

from celery.schedules import crontab
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from .registry import email_kind_register, periodic_register


class AccountabilityConfig(AppConfig):
    name = "accountability"
    verbose_name = "People, teams and email"
    default = True

    def ready(self) -> None:
        # Invitations and password resets carry a key in their link: never optional, and their
        # bodies are blanked once sent.
        email_kind_register("invitation", private_link=True)
        email_kind_register("password_reset", private_link=True)
        email_kind_register("added_to_team")
        email_kind_register("commitment_overdue", optional="A note when a commitment passes its date")
        # Delivers whatever is still queued: rows whose enqueue was lost (broker down), retries
        # whose back-off has passed, and rows left behind by a worker that died mid-send.
        periodic_register("outbox-sweep", task="accountability.tasks.outbox_sweep", schedule=timedelta(minutes=1))
        periodic_register(
            "commitments-overdue",
            task="accountability.tasks.commitments_overdue_dispatch",
            schedule=timedelta(minutes=15),
        )
        # Moves to the dashboard app with the digest (issue 11).
        email_kind_register("manager_digest", optional="The weekly manager digest")
        periodic_register(
            "manager-digest", task="accountability.tasks.manager_digest_dispatch", schedule=timedelta(minutes=15)
        )
        periodic_register("outbox-purge", task="accountability.tasks.outbox_purge", schedule=crontab(hour=3, minute=17))


class SecureAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: sign-in through the app (throttled), and a second
    factor for everyone who opens it (see accountability.security.SecureAdminSite)."""

    default = False  # named in INSTALLED_APPS; "accountability" is AccountabilityConfig
    default_site = "accountability.security.SecureAdminSite"
