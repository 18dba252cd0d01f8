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
    Django, and so every AppConfig.ready(), before this signal. Celery 5.7 builds the
    scheduler before sending it, so the jobs go to the scheduler too, not only to the setting it
    has already read (without this a real `celery beat` ran none of them)."""
    beat_schedule_install(sender, beat_schedule())


def beat_schedule_install(service, jobs: dict[str, dict]) -> None:
    """Add (or update) these entries in a beat service's setting and live scheduler, keeping
    what each entry last ran at."""
    app = service.app
    app.conf.beat_schedule = {**app.conf.beat_schedule, **jobs}
    scheduler = service.scheduler
    for name, job in jobs.items():
        entry = scheduler.Entry(**dict(job, name=name, app=app))
        if scheduler.schedule.get(name):
            scheduler.schedule[name].update(entry)
        else:
            scheduler.schedule[name] = entry
