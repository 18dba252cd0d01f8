from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import email_kind_register, periodic_register, week_panel_register


class UpdatesConfig(AppConfig):
    name = "updates"
    verbose_name = "Team updates, values and recognition"

    def ready(self) -> None:
        from accountability.registry import personal_data_register

        from . import personal_data, selectors

        personal_data_register("updates", export=personal_data.export)

        email_kind_register("recognition_received", optional="Thanks from colleagues")
        email_kind_register("updates_digest", optional="The weekly list of team updates you have not read")
        email_kind_register("update_question", optional="Questions about updates you posted")
        # Monday 08:00 in each member's zone (else the team's); the dispatcher decides who is due.
        periodic_register(
            "updates-digest", task="updates.tasks.updates_digest_dispatch", schedule=timedelta(minutes=15)
        )
        week_panel_register("updates/_week_panel.html", selectors.week_panel)
