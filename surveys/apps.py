from datetime import timedelta

from django.apps import AppConfig

from accountability import hooks
from accountability.registry import email_kind_register, periodic_register


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Pulse surveys"

    def ready(self) -> None:
        from accountability.registry import personal_data_register

        from . import services

        # Who was invited is the survey's business, not the person's words; answers carry no link.
        personal_data_register(
            "surveys",
            holds_nothing=(
                "survey answers you gave: they are stored with random ids and no link to you or to the "
                "invitation, so nobody, you included, can find which were yours."
            ),
        )

        # The invitation's link is the permission to answer: never optional, blanked once sent.
        email_kind_register("survey_invitation", private_link=True)
        email_kind_register("survey_reminder", optional="Survey reminders")
        periodic_register("surveys", task="surveys.tasks.survey_dispatch", schedule=timedelta(minutes=5))
        # Someone who joins a team while a survey is open is invited at once (the dispatcher
        # catches up should this fail).
        hooks.on_membership_changed(services.survey_member_joined)
