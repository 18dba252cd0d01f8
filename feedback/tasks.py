"""Celery adapters for the feedback app."""

from celery import shared_task

from . import services


@shared_task(name="feedback.tasks.feedback_digest_dispatch")
def feedback_digest_dispatch() -> int:
    return services.digest_dispatch()


@shared_task(name="feedback.tasks.survey_dispatch")
def survey_dispatch() -> dict[str, int]:
    return services.survey_dispatch()
