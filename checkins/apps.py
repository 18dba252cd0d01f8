from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import email_kind_register, periodic_register, suggestion_source_register


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins"

    def ready(self) -> None:
        from accountability.registry import personal_data_register

        from . import personal_data
        from .suggestions import checkin_suggestions

        personal_data_register(
            "checkins", export=personal_data.export, erase=personal_data.erase, purge=personal_data.purge
        )

        # A one-to-one's agenda offers the member's recent asks, blockers and slips.
        suggestion_source_register(checkin_suggestions)
        email_kind_register("checkin_reminder", optional="Check-in reminders")
        email_kind_register("checkin_nudge", optional="A nudge before the week closes")
        email_kind_register("replies", optional="Replies from your managers")
        email_kind_register("replies_from_members", optional="Answers from your team's members")
        # "Dispatch what is due": each asks the database what has reached its moment and writes
        # outbox rows with dedupe keys, so running one twice or late sends nothing twice.
        periodic_register(
            "checkin-reminders", task="checkins.tasks.checkin_reminders_dispatch", schedule=timedelta(minutes=5)
        )
        # Reply emails, once each 15-minute batch window is over (checkins.services.replies_dispatch).
        periodic_register("replies", task="checkins.tasks.replies_dispatch", schedule=timedelta(minutes=1))
