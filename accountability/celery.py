import os

from celery import Celery

from .registry import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")

app = Celery("accountability")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _registered_jobs(sender, **kwargs) -> None:
    """Beat runs the periodic jobs the apps registered (accountability/registry.py). A worker
    or beat loads Django, and so runs every AppConfig.ready(), before it finalizes the app, and
    beat builds its scheduler from this schedule only after that."""
    sender.conf.beat_schedule = {**sender.conf.beat_schedule, **beat_schedule()}
