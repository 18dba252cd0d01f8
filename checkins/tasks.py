"""Celery adapters for check-ins: they call a service and return what it did."""

from celery import shared_task

from . import services


@shared_task(name="checkins.tasks.checkin_reminders_dispatch")
def checkin_reminders_dispatch() -> int:
    return services.checkin_reminders_dispatch()


@shared_task(name="checkins.tasks.replies_dispatch")
def replies_dispatch() -> int:
    return services.replies_dispatch()
