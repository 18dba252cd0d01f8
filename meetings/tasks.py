"""Celery adapter for the meetings' scheduled work (beat runs it: meetings/apps.py registers it)."""

from celery import shared_task

from . import services


@shared_task(name="meetings.tasks.meetings_dispatch")
def meetings_dispatch() -> int:
    return services.meetings_dispatch()
