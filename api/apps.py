from django.apps import AppConfig

from accountability.registry import personal_data_register, profile_panel_register


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API and calendar feeds"

    def ready(self) -> None:
        from . import personal_data, selectors

        personal_data_register("api", export=personal_data.export, erase=personal_data.erase)

        # Access tokens and the calendar feed's address, on the person's profile page.
        profile_panel_register("api/_profile_panel.html", selectors.profile_panel)
