"""Celery adapters for the integrations app (deliveries themselves are the outbox's tasks)."""

from celery import shared_task

from . import dispatch


@shared_task(name="integrations.tasks.week_summaries_dispatch")
def week_summaries_dispatch() -> int:
    return dispatch.week_summaries_dispatch()
