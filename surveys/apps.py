from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Pulse surveys"

    def ready(self) -> None:
        from accountability import hooks

        from . import services

        # Someone who joins a team while a survey is open is invited at once (the dispatcher
        # catches up should this fail).
        hooks.on_membership_changed(services.survey_member_joined)
