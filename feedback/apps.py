from datetime import timedelta

from django.apps import AppConfig

from accountability import hooks
from accountability.registry import email_kind_register, periodic_register


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Anonymous feedback and surveys"

    def ready(self) -> None:
        from . import services

        email_kind_register("feedback_digest", optional="The daily anonymous-feedback digest")
        email_kind_register("survey_invitation", private_link=True)
        email_kind_register("survey_reminder", optional="Survey reminders")
        periodic_register("surveys", task="feedback.tasks.survey_dispatch", schedule=timedelta(minutes=5))
        # Managers see anonymous feedback once a day, from 08:00 team time, never the moment it
        # arrives: the release shows the day's feedback all at once and queues its digest.
        periodic_register(
            "feedback-release", task="feedback.tasks.feedback_release_dispatch", schedule=timedelta(minutes=15)
        )
        # Someone who joins a team while a survey is open is invited at once (the dispatcher
        # catches up should this fail).
        hooks.on_membership_changed(services.survey_member_joined)
