"""Faults: Redis stopped (a redis-server of our own, never the shared one), a worker killed in the
middle of sending, and an SMTP server that keeps refusing."""

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import time as clock
from datetime import timedelta
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
import redis
import time_machine
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accountability import outbox, tasks
from accountability.models import EmailStatus, Invitation, OutboundEmail, Role, Weekday
from checkins import services

from ..factories import MembershipFactory, TeamFactory, UserFactory
from ..smtp import LoopbackSMTP, free_port, use_smtp_server
from ..twofactor import admin_sign_in
from . import utc

REPO = Path(__file__).resolve().parents[2]
DUE = utc(2026, 3, 6, 16, 1)  # a minute past the UTC team's Friday 16:00 check-in


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    """Starting a worker sets the root logger to ERROR for the rest of the process."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


def due_team(members: int, **team):
    team = TeamFactory(time_zone="UTC", checkin_weekday=Weekday.FRIDAY, checkin_time=clock(16), **team)
    for number in range(members):
        MembershipFactory(team=team, role=Role.MEMBER, user__email=f"m{number}@example.org")
    return team


def wait_until(probe, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
    return result


# --- Redis stopped -------------------------------------------------------------------------


class OwnRedis:
    """A throw-away redis-server on a free loopback port, to stop and start at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=10, what="our redis-server")
        client.close()

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(celery_app, settings):
    """The Celery app (and the setting) pointed at our own redis-server for this test."""
    server = OwnRedis()
    server.start()
    original = celery_app.conf.broker_url

    def point_at(url):
        celery_app.conf.broker_url = url
        settings.CELERY_BROKER_URL = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point_at(server.url)
    yield server
    server.stop()
    point_at(original)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_rows_wait_and_a_sweep_delivers_them_once_it_is_back(
    own_redis, celery_app, smtp_server, client, caplog
):
    team = due_team(20)
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="accountability.outbox")

    # The dispatcher: it commits its rows and does not hang on the dead broker.
    started = time.monotonic()
    assert services.checkin_reminders_dispatch(now=DUE) == 20
    assert time.monotonic() - started < 1.5
    # Asking the broker fails at once, not after rounds of reconnecting.
    started = time.monotonic()
    assert outbox.outbox_schedule_sweep() is False
    assert outbox.outbox_schedule(email_id=OutboundEmail.objects.first().pk) is False
    assert time.monotonic() - started < 0.5
    # A web request whose commit asks the broker for a delivery: quick too.
    client.force_login(manager)
    started = time.monotonic()
    response = client.post(reverse("team_invite", args=[team.slug]), {"email": "new@example.org", "role": "member"})
    assert time.monotonic() - started < 1.5
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@example.org").exists()

    assert OutboundEmail.objects.count() == 21
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.QUEUED, 0)}
    assert "waits for" in caplog.text
    assert smtp_server.attempts == 0

    own_redis.start()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=("celery",)):
        assert outbox.outbox_schedule_sweep()  # what beat does every minute
        wait_until(
            lambda: not OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists(),
            timeout=20,
            what="every row sent",
        )
    messages = smtp_server.wait_for(21)
    assert len(messages) == smtp_server.attempts == 21
    assert len({m["To"] for m in messages}) == 21
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


# --- A worker killed in the middle of sending ---------------------------------------------


class HangingFirstDelivery:
    """An SMTP handler: the first message hangs at DATA (its client waits for the reply that
    never comes) and is never accepted; later messages are accepted."""

    def __init__(self):
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.hung = None
        self.accepted = []
        self.sessions = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.sessions += 1
            first = self.sessions == 1
        if first:
            self.hung = envelope
            self.hanging.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)  # not blocking the server's loop: others still get served
            return "451 4.3.0 Abandoned"
        with self.lock:
            self.accepted.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def hanging_smtp():
    handler = HangingFirstDelivery()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


def message_id_of(envelope) -> str:
    return BytesHeaderParser().parsebytes(envelope.original_content)["Message-ID"]


def database_url() -> str:
    """The database the test runs on (pytest-django's test_<name>), as a URL for a subprocess."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`celery -A accountability worker --pool=solo` on the test's database, Redis db and SMTP
    server, with a short outbox lease."""

    def __init__(self, *, smtp_port: int, lease_seconds: int, log: Path):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "TEST_DATABASE_URL": database_url(),
            "TEST_REDIS_URL": django_settings.CELERY_BROKER_URL,
            "TEST_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "120",
            "OUTBOX_LEASE_SECONDS": str(lease_seconds),
        }
        self.log = log
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "accountability", "worker"),
                *("--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle"),
                *("-Q", "celery", "--loglevel=INFO", "-n", f"faults-{uuid.uuid4().hex[:8]}@%h"),
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60):
        wait_until(lambda: b"ready." in self.log.read_bytes(), timeout=timeout, what=f"the worker ({self.log})")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_leaves_a_lease_and_the_next_worker_delivers_once(
    test_redis, hanging_smtp, tmp_path
):
    handler, smtp_port = hanging_smtp
    lease = 10
    due_team(1)
    workers = []
    try:
        # The dispatcher's commit asks for a sweep; the first worker takes it and hangs at DATA.
        assert services.checkin_reminders_dispatch(now=DUE) == 1
        first = WorkerProcess(smtp_port=smtp_port, lease_seconds=lease, log=tmp_path / "first.log")
        workers.append(first)
        assert handler.hanging.wait(timeout=60), (tmp_path / "first.log").read_text()
        row = OutboundEmail.objects.get()
        assert (row.status, row.attempts) == (EmailStatus.SENDING, 1)

        first.kill()

        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.SENDING, 1)
        assert row.claimed_until is not None
        # While the lease runs nobody takes the row: its worker might only be slow.
        assert timezone.now() < row.claimed_until - timedelta(seconds=2)
        assert outbox.outbox_sweep() == 0
        # A new worker; once the lease has run out, the next sweep (beat's) delivers the row.
        second = WorkerProcess(smtp_port=smtp_port, lease_seconds=lease, log=tmp_path / "second.log")
        workers.append(second)
        second.wait_ready()
        wait_until(lambda: timezone.now() > row.claimed_until, timeout=lease + 5, what="the lease to run out")
        tasks.outbox_sweep.delay()
        row = wait_until(
            lambda: OutboundEmail.objects.filter(status=EmailStatus.SENT).first(),
            timeout=30,
            what=f"the row sent ({tmp_path / 'second.log'})",
        )
    finally:
        for worker in workers:
            worker.stop()

    assert row.attempts == 2
    assert row.last_error == ""
    assert [envelope.rcpt_tos for envelope in handler.accepted] == [["m0@example.org"]]
    # Had the first server taken the message after all, the copy would be recognisable as one.
    [delivered] = handler.accepted
    assert message_id_of(delivered) == message_id_of(handler.hung) == outbox.message_id(row)
    assert handler.sessions == 2  # the hung DATA, never completed, and the one delivery


# --- SMTP keeps refusing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_email_is_retried_with_back_off_then_failed_and_listed_in_the_admin(settings, client):
    due_team(1)
    attempts_at = []

    # The row is written and retried on one clock: it is due the moment it is written.
    with time_machine.travel(DUE, tick=False) as traveller:
        services.checkin_reminders_dispatch()
        row = OutboundEmail.objects.get()
        with LoopbackSMTP(reply="451 4.3.0 Try again later") as server:
            use_smtp_server(settings, server)
            now = DUE
            while now < DUE + timedelta(hours=2):
                traveller.move_to(now)
                if outbox.outbox_sweep():
                    attempts_at.append(now)
                now += timedelta(seconds=15)
            assert server.attempts == settings.OUTBOX_MAX_ATTEMPTS == 6
            assert server.envelopes == []

    # Back-off: 60 s after the first failure, then 120, 240, 480, 960; then no more tries.
    gaps = [
        int((later - earlier).total_seconds()) for earlier, later in zip(attempts_at, attempts_at[1:], strict=False)
    ]
    assert gaps == [60, 120, 240, 480, 960]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 6)
    assert row.last_error.startswith("SMTPDataError: (451")

    # An organisation admin finds it in the admin, filtered by status.
    admin_sign_in(client, UserFactory(is_staff=True, is_superuser=False))
    changelist = reverse("admin:accountability_outboundemail_changelist")
    failed = client.get(changelist, {"status__exact": "failed"})
    assert failed.status_code == 200
    assert b"m0@example.org" in failed.content
    assert b"1 outbound email" in failed.content
    sent = client.get(changelist, {"status__exact": "sent"})
    assert b"m0@example.org" not in sent.content
