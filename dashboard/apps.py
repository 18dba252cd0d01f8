from datetime import timedelta

from django.apps import AppConfig

from accountability.registry import email_kind_register, periodic_register


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        email_kind_register("manager_digest", optional="The weekly manager digest")
        # Monday 08:00 in each manager's zone; the dispatcher decides who is due each tick.
        periodic_register(
            "manager-digest", task="dashboard.tasks.manager_digest_dispatch", schedule=timedelta(minutes=15)
        )
