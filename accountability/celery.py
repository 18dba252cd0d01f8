import os

from celery import Celery
from celery.signals import beat_init

from .registry import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")

app = Celery("accountability")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _registered_jobs(sender, **kwargs) -> None:
    """Beat runs the periodic jobs the apps registered (accountability/registry.py). Beat loads
    Django, and so every AppConfig.ready(), before this signal; the scheduler it then builds
    reads the schedule from here."""
    sender.app.conf.beat_schedule = {**sender.app.conf.beat_schedule, **beat_schedule()}
