"""The apps register their email kinds and periodic jobs; the core reads them (DESIGN.md)."""

from datetime import timedelta

import pytest
from celery.beat import Service
from celery.signals import beat_init

from accountability import registry
from accountability.celery import app

EVERY_JOB = {
    "outbox-sweep",
    "outbox-purge",
    "commitments-overdue",
    "checkin-reminders",
    "replies",
    "manager-digest",
    "surveys",
    "feedback-release",
}


def test_beat_runs_every_job_the_apps_registered(tmp_path):
    app.loader.import_default_modules()  # what a worker does first: every app's tasks.py
    service = Service(app=app, schedule_filename=str(tmp_path / "beat-schedule"))
    beat_init.send(sender=service)
    scheduled = service.get_scheduler().schedule
    assert EVERY_JOB <= set(scheduled)
    assert scheduled["outbox-sweep"].task == "accountability.tasks.outbox_sweep"
    assert scheduled["outbox-sweep"].schedule.run_every == timedelta(minutes=1)
    # Each names a task the worker knows: a typo would leave a job that never runs.
    for entry in scheduled.values():
        assert entry.task in app.tasks, entry.task


def test_every_optional_kind_has_a_label_and_the_key_kinds_are_never_optional():
    optional = registry.optional_kinds()
    assert {"checkin_reminder", "commitment_overdue", "manager_digest", "survey_reminder"} <= set(optional)
    assert all(label for label in optional.values())
    for kind in ("invitation", "password_reset", "survey_invitation"):
        assert registry.is_private_link_kind(kind)
        assert kind not in optional


def test_a_kind_registered_twice_differently_is_refused():
    registry.email_kind_register("checkin_reminder", optional="Check-in reminders")  # the same: fine
    with pytest.raises(ValueError):
        registry.email_kind_register("checkin_reminder", optional="Something else")
