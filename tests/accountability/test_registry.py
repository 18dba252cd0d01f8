"""The apps register their email kinds and periodic jobs; the core reads them (DESIGN.md)."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest

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


@pytest.mark.worker
def test_a_real_beat_runs_every_job_the_apps_registered(tmp_path):
    """`celery beat` as deployed: it must know every registered job when it builds its
    scheduler (it prints the schedule at DEBUG level before its first tick)."""
    command = [
        sys.executable, "-m", "celery", "-A", "accountability", "beat", "--loglevel=DEBUG",
        "-s", str(tmp_path / "beat-schedule"), "--pidfile", "",
    ]  # fmt: skip
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    beat = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    scheduled: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 60
        for line in beat.stderr:
            found = re.search(r"<ScheduleEntry: (\S+) (\S+)\(\)", line)
            if found:
                scheduled[found[1]] = found[2]
            if "Ticking" in line or time.monotonic() > deadline:
                break
    finally:
        beat.kill()
        beat.wait(timeout=10)
    assert EVERY_JOB <= set(scheduled), scheduled
    assert scheduled["outbox-sweep"] == "accountability.tasks.outbox_sweep"
    assert scheduled["manager-digest"] == "dashboard.tasks.manager_digest_dispatch"
    assert scheduled["surveys"] == "surveys.tasks.survey_dispatch"


def test_every_registered_job_names_a_task_the_worker_knows():
    app.loader.import_default_modules()  # what a worker does first: every app's tasks.py
    schedule = registry.beat_schedule()
    assert EVERY_JOB <= set(schedule)
    assert schedule["outbox-sweep"]["schedule"] == timedelta(minutes=1)
    # A typo would leave a job that never runs.
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


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


@pytest.mark.django_db
def test_a_registered_profile_panel_shows_on_the_profile_page_with_its_context(client, tmp_path, settings):
    from django.urls import reverse

    from tests.factories import UserFactory

    (tmp_path / "_panel.html").write_text("<p>panel for {{ panel.who }}</p>")
    # Assigned, not mutated: the setting_changed signal then drops engines built by earlier tests.
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]},
        *settings.TEMPLATES[1:],
    ]
    user = UserFactory(display_name="Ada")
    client.force_login(user)
    registry.profile_panel_register("_panel.html", lambda *, user: {"who": user.display_name})
    registry.profile_panel_register("_hidden.html", lambda *, user: None)
    try:
        response = client.get(reverse("profile"))
    finally:
        registry._profile_panels.pop("_panel.html")
        registry._profile_panels.pop("_hidden.html")
    assert "<p>panel for Ada</p>" in response.content.decode()
