"""Celery adapter for the weekly updates digest (beat runs it: updates/apps.py registers it)."""

from celery import shared_task

from . import digest


@shared_task(name="updates.tasks.updates_digest_dispatch")
def updates_digest_dispatch() -> int:
    return digest.updates_digest_dispatch()
