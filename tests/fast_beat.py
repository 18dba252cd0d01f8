"""The Celery app a `celery beat` process of tests/scheduling/test_two_beats.py runs (here, not
in tests/scheduling/, whose package imports models before Django is set up): ours, with the
check-in reminders' beat entry (its registered task) due every half second."""

from datetime import timedelta

from accountability.celery import app
from accountability.registry import beat_schedule

__all__ = ["app"]


@app.on_after_finalize.connect
def _reminders_every_half_second(sender, **kwargs) -> None:
    # Connected after accountability.celery's own handler, so this interval is the one used.
    entry = beat_schedule()["checkin-reminders"]
    sender.conf.beat_schedule = {
        **sender.conf.beat_schedule,
        "checkin-reminders": {**entry, "schedule": timedelta(seconds=0.5)},
    }
