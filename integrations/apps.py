from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import (
    event_listener_register,
    periodic_register,
    team_settings_panel_register,
    transport_register,
)


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Chat channels and webhooks"

    def ready(self) -> None:
        from . import services, views

        # The outbox's rows of transport "http" are signed and posted by this app.
        transport_register("http", send=services.http_send)
        event_listener_register(services.event_deliver)
        # Weeks close at midnight in each team's zone; the dispatcher decides which just did.
        periodic_register(
            "week-summaries", task="integrations.tasks.week_summaries_dispatch", schedule=timedelta(minutes=15)
        )
        team_settings_panel_register("integrations/_team_settings_panel.html", views.team_settings_panel)
