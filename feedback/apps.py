from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import email_kind_register, periodic_register


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Anonymous feedback"

    def ready(self) -> None:
        from accountability.registry import personal_data_register

        from . import personal_data

        personal_data_register("feedback", export=personal_data.export, holds_nothing=personal_data.HOLDS_NOTHING)
        email_kind_register("feedback_digest", optional="The daily anonymous-feedback digest")
        # Managers see anonymous feedback once a day, from 08:00 team time, never the moment it
        # arrives: the release shows the day's feedback all at once and queues its digest.
        periodic_register(
            "feedback-release", task="feedback.tasks.feedback_release_dispatch", schedule=timedelta(minutes=15)
        )
