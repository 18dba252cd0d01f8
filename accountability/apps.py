from datetime import timedelta

from celery.schedules import crontab
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from .registry import email_kind_register, periodic_register, personal_data_register, profile_panel_register


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
        periodic_register("outbox-purge", task="accountability.tasks.outbox_purge", schedule=crontab(hour=3, minute=17))
        # People's data (README, "Your data"): the export's emailed link is a key to it.
        email_kind_register("data_export_ready", private_link=True)
        periodic_register(
            "retention-purge", task="accountability.tasks.retention_purge", schedule=crontab(hour=3, minute=41)
        )
        from django.contrib.auth.signals import user_logged_in

        from . import selectors_data, services

        personal_data_register("account", export=services.core_export, erase=services.core_erase)
        profile_panel_register("accountability/_data_export_panel.html", selectors_data.data_export_panel)
        user_logged_in.connect(services.audit_admin_signed_in, dispatch_uid="audit-admin-signed-in")


class SecureAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: sign-in through the app (throttled), and a second
    factor for everyone who opens it (see accountability.security.SecureAdminSite)."""

    default = False  # named in INSTALLED_APPS; "accountability" is AccountabilityConfig
    default_site = "accountability.security.SecureAdminSite"
