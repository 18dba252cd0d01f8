"""Past one machine (issue 13, item 8): two Celery beats running at once, by mistake or during a
hand-over between machines, still send each email once.

Two real `celery beat` processes, each with its own schedule file, send the check-in reminders'
dispatcher (its registered task name) every half second to the tests' Redis
(tests.fast_beat.py shortens the interval). A real worker (in a thread of this
process) runs every dispatch either beat sends, on a clock moved to a Friday 16:01 in the team's
zone, and delivers the outbox to a loopback SMTP server. Each member gets one reminder.
"""

import logging
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import time as clock
from pathlib import Path

import pytest
from celery import signals

from accountability.models import EmailStatus, OutboundEmail, Role, Weekday
from accountability.registry import beat_schedule

from ..clock import ENV_OFFSET
from ..factories import MembershipFactory, TeamFactory
from . import utc

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MEMBERS = 6
REMINDER_DUE = utc(2026, 3, 6, 21, 1)  # Friday 16:01 in New York (EST)
REPO = Path(__file__).resolve().parents[2]
SENDING = b"Sending due task checkin-reminders"


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    """Starting a worker sets the root logger to ERROR for the rest of the process."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture
def team(db):
    team = TeamFactory(
        name="Platform",
        slug="platform",
        time_zone="America/New_York",
        checkin_weekday=Weekday.FRIDAY,
        checkin_time=clock(16),
    )
    for number in range(MEMBERS):
        MembershipFactory(team=team, role=Role.MEMBER, user__email=f"member{number}@example.org")
    MembershipFactory(team=team, role=Role.MANAGER, user__email="manager@example.org")
    return team


@pytest.fixture
def two_beats(tmp_path, test_redis):
    """Start two `celery beat` processes; yields a function that says how many dispatches
    each has sent so far. Beat only decides when to send: its own clock stays the real one."""
    env = {k: v for k, v in os.environ.items() if k != ENV_OFFSET}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    logs = [tmp_path / f"beat-{name}.log" for name in "ab"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.fast_beat", "beat", "--loglevel", "INFO"]
            + ["--max-interval", "1", "--schedule", str(tmp_path / f"schedule-{log.stem}"), "--pidfile", ""],
            cwd=REPO,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]

    def sent() -> list[int]:
        return [log.read_bytes().count(SENDING) for log in logs]

    try:
        yield sent
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def test_two_beats_at_once_send_each_reminder_once(celery_worker, smtp_server, team, time_machine, two_beats):
    time_machine.move_to(REMINDER_DUE, tick=True)
    task = beat_schedule()["checkin-reminders"]["task"]
    runs: list[int] = []

    def ran(sender=None, retval=None, **kwargs):
        if sender.name == task:
            runs.append(retval)

    signals.task_postrun.connect(ran, weak=False)
    try:
        # Until each beat has sent the dispatcher a few times and the worker ran them all.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (min(two_beats()) < 4 or len(runs) < sum(two_beats())):
            time.sleep(0.2)
        sent = two_beats()
    finally:
        signals.task_postrun.disconnect(ran)

    assert min(sent) >= 4, sent
    assert len(runs) >= sum(sent)
    # The first run queued the reminders; every other run, from either beat, none.
    assert Counter(runs) == Counter({MEMBERS: 1, 0: len(runs) - 1})
    messages = smtp_server.wait_for(MEMBERS, timeout=20)
    time.sleep(1)  # a second copy would have arrived by now
    assert len(smtp_server.envelopes) == MEMBERS
    assert sorted(m["To"] for m in messages) == sorted(f"member{n}@example.org" for n in range(MEMBERS))
    assert OutboundEmail.objects.count() == MEMBERS
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}
