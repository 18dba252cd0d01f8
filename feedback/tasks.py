"""Celery adapters for the feedback app."""

from celery import shared_task

from . import services


@shared_task(name="feedback.tasks.feedback_release_dispatch")
def feedback_release_dispatch() -> int:
    """The daily release (and its digest), for the teams whose 08:00 has come."""
    return services.feedback_release().digests


# The digest's old beat entry, for tasks queued before the release replaced it.
@shared_task(name="feedback.tasks.feedback_digest_dispatch")
def feedback_digest_dispatch() -> int:
    return services.feedback_release().digests
