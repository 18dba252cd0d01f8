from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import email_kind_register, periodic_register


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "One-to-ones and team meetings"

    def ready(self) -> None:
        from accountability.registry import personal_data_register

        from . import personal_data

        personal_data_register(
            "meetings", export=personal_data.export, erase=personal_data.erase, purge=personal_data.purge
        )
        email_kind_register("meeting_agenda", optional="Meeting agendas, the day before")
        email_kind_register("meeting_talking_points", optional="A reminder to add talking points")
        email_kind_register("meeting_action_items", optional="Action items after a meeting")
        # Ends series whose people left, makes missed slots, and writes the emails that are due.
        periodic_register("meetings", task="meetings.tasks.meetings_dispatch", schedule=timedelta(minutes=5))
