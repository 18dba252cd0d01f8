"""Celery adapter for the weekly manager digest (beat runs it: dashboard/apps.py registers it)."""

from celery import shared_task

from . import digest


@shared_task(name="dashboard.tasks.manager_digest_dispatch")
def manager_digest_dispatch() -> int:
    return digest.manager_digest_dispatch()
