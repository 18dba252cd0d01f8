"""Celery adapters for the survey app."""

from celery import shared_task

from . import services


@shared_task(name="surveys.tasks.survey_dispatch")
def survey_dispatch() -> dict[str, int]:
    """Open, remind and close the rounds that are due (services.survey_dispatch)."""
    return services.survey_dispatch()
