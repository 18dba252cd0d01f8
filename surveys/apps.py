from datetime import timedelta

from django.apps import AppConfig

from accountability import hooks
from accountability.registry import email_kind_register, periodic_register


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Pulse surveys"

    def ready(self) -> None:
        from . import services

        # The invitation's link is the permission to answer: never optional, blanked once sent.
        email_kind_register("survey_invitation", private_link=True)
        email_kind_register("survey_reminder", optional="Survey reminders")
        periodic_register("surveys", task="surveys.tasks.survey_dispatch", schedule=timedelta(minutes=5))
        # Someone who joins a team while a survey is open is invited at once (the dispatcher
        # catches up should this fail).
        hooks.on_membership_changed(services.survey_member_joined)
