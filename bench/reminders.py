"""Benchmark: 10,000 check-in reminders through the real path, against Django's send_mass_mail.

    .venv/bin/python bench/reminders.py

1. Its own PostgreSQL database (Django's test-database creation, kept between runs) holding one
   team of 10,000 members who are due for a reminder; its own Redis database as the broker.
2. A loopback SMTP sink (aiosmtpd) that counts what it receives, by recipient and Message-ID.
3. The real path, timed: `checkin_reminders_dispatch` writes the outbox rows and asks for a
   sweep; real Celery workers (subprocesses) sweep them to the sink, until it has them all.
4. The baseline, timed: Django's `send_mass_mail` of the same 10,000 messages over one connection.
5. Two dispatchers at once (two threads, each on its own database connection) on a fresh week:
   every reminder must arrive once.

The last line is `reminders emails=N seconds=S baseline_seconds=B ratio=R duplicates=D`.

Environment: BENCH_DATABASE_URL (the test database is test_<its name>), BENCH_REDIS_URL,
BENCH_MEMBERS, BENCH_WORKERS, BENCH_CONCURRENCY, BENCH_PROFILE=1 (profile the dispatcher).
"""

import contextlib
import cProfile
import io
import logging
import multiprocessing
import os
import pstats
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from email.parser import BytesHeaderParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/reminders_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
OUT = REPO / "bench" / "out"
# Friday 2026-03-06 16:01 UTC: a minute past the bench team's check-in time; the race runs a
# week later, on a fresh week.
FIRST_WEEK = datetime(2026, 3, 6, 16, 1, tzinfo=UTC)
RACE_WEEK = FIRST_WEEK + timedelta(days=7)
BEAT_SWEEP_SECONDS = 60  # what beat's "outbox-sweep" does, while we wait
DEADLINE_SECONDS = 240  # per delivery phase


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SMTP_PORT = free_port()
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"
SITE_URL = "http://bench.example.org"
ENV = {
    "DJANGO_SETTINGS_MODULE": "accountability.settings",
    "DEBUG": "false",
    "SECRET_KEY": SECRET_KEY,
    "SITE_URL": SITE_URL,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
    # Production settings refuse a per-process cache: the Redis database beside the broker's.
    "CACHE_URL": REDIS_URL.rsplit("/", 1)[0] + "/3",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.mail import get_connection, send_mass_mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accountability.models import EmailStatus, Membership, OutboundEmail, Role, Team, User, Weekday  # noqa: E402
from checkins.services import checkin_reminders_dispatch  # noqa: E402

# --- The SMTP sink (its own process, so it takes no CPU time from the dispatcher's) ----------


class Sink:
    """Accepts everything; remembers each message's phase, recipient and Message-ID."""

    def __init__(self):
        self.phase = "setup"
        self.received: dict[str, list[tuple[str, str]]] = {}
        self.lock = threading.Lock()
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        headers = self._parser.parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.setdefault(self.phase, []).append((rcpt, headers.get("Message-ID", "")))
        return "250 OK"

    def start_phase(self, phase: str) -> None:
        with self.lock:
            self.phase = phase
            self.received[phase] = []

    def count(self, phase: str) -> int:
        with self.lock:
            return len(self.received.get(phase, []))

    def duplicates(self, phase: str) -> int:
        """Copies beyond the first, by recipient or by Message-ID (each member gets one)."""
        with self.lock:
            messages = list(self.received.get(phase, []))
        by_recipient = Counter(rcpt for rcpt, _ in messages)
        by_id = Counter(message_id for _, message_id in messages if message_id)
        return max(sum(n - 1 for n in by_recipient.values()), sum(n - 1 for n in by_id.values()))


def _sink_serve(port: int, pipe) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    pipe.send("ready")
    while True:
        command, argument = pipe.recv()
        if command == "stop":
            controller.stop()
            pipe.send(None)
            return
        pipe.send(getattr(sink, command)(argument))


class SinkProcess:
    """The sink in a child process, asked over a pipe."""

    def __init__(self, port: int):
        context = multiprocessing.get_context("fork")  # before any database connection is open
        self._pipe, child = context.Pipe()
        self.process = context.Process(target=_sink_serve, args=(port, child), daemon=True)
        self.process.start()
        if self._pipe.recv() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def _ask(self, command: str, argument=None):
        self._pipe.send((command, argument))
        return self._pipe.recv()

    def start_phase(self, phase: str) -> None:
        self._ask("start_phase", phase)

    def count(self, phase: str) -> int:
        return self._ask("count", phase)

    def duplicates(self, phase: str) -> int:
        return self._ask("duplicates", phase)

    def stop(self) -> None:
        self._ask("stop")
        self.process.join(timeout=10)


# --- Setup ---------------------------------------------------------------------------------


def database_setup() -> None:
    """The bench's own database: created and migrated once, kept, emptied on every run."""
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
    call_command("flush", interactive=False, verbosity=0)
    log(f"database {name} ready and empty")


def team_setup() -> Team:
    team = Team.objects.create(
        name="Bench",
        slug="bench",
        time_zone="UTC",
        checkin_weekday=Weekday.FRIDAY,
        checkin_time=clock(16),
        nudge_hours_before_close=24,
    )
    started = time.perf_counter()
    users = User.objects.bulk_create(
        [
            User(email=f"member{n:05d}@bench.example.org", display_name=f"Member {n}", password="!")
            for n in range(MEMBERS)
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(user=user, team=team, role=Role.MEMBER) for user in users], batch_size=2000
    )
    log(f"{MEMBERS} members due for a reminder (bulk_create, {time.perf_counter() - started:.1f}s)")
    return team


def broker_setup() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    return client


def start_workers() -> list[subprocess.Popen]:
    OUT.mkdir(parents=True, exist_ok=True)
    worker_env = {**os.environ, **ENV, "DATABASE_URL": database_url_of_test_db()}
    workers = []
    for n in range(WORKERS):
        path = OUT / f"reminders-worker-{n}.log"
        path.write_bytes(b"")
        workers.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "accountability", "worker"),
                    *("--pool=prefork", f"--concurrency={CONCURRENCY}", "-Q", "celery"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"),
                    *("-n", f"bench{n}@%h"),
                ],
                cwd=REPO,
                env=worker_env,
                stdout=path.open("ab"),
                stderr=subprocess.STDOUT,
            )
        )
    # Ready when each answers a ping through the broker.
    from accountability.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if len(replies) >= WORKERS:
            log(f"{WORKERS} Celery workers (prefork, concurrency {CONCURRENCY}) ready")
            return workers
    raise SystemExit(f"workers did not start; see {OUT}/reminders-worker-*.log")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def database_url_of_test_db() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# --- Phases --------------------------------------------------------------------------------


def wait_delivered(sink: SinkProcess, phase: str, expected: int, started: float) -> float:
    """Until the sink has `expected` messages of the phase and no row is left to send; sends a
    sweep every minute as beat would. Returns the moment it was all delivered."""
    from accountability.tasks import outbox_sweep

    last_beat = last_report = time.perf_counter()
    while True:
        now = time.perf_counter()
        received = sink.count(phase)
        if received >= expected:
            done = now
            break
        if now - started > DEADLINE_SECONDS:
            raise SystemExit(f"{phase}: only {received} of {expected} delivered after {DEADLINE_SECONDS}s")
        if now - last_beat >= BEAT_SWEEP_SECONDS:
            outbox_sweep.delay()
            last_beat = now
        if now - last_report >= 5:
            log(f"  {phase}: {received}/{expected} received ({now - started:.1f}s)")
            last_report = now
        time.sleep(0.05)
    # The rows say so too (the last `sent` mark may trail the sink by a moment).
    deadline = time.monotonic() + 30
    while OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
        if time.monotonic() > deadline:
            counts = dict(Counter(OutboundEmail.objects.values_list("status", flat=True)))
            raise SystemExit(f"{phase}: rows not all sent: {counts}")
        time.sleep(0.05)
    return done


def real_path(sink: SinkProcess) -> tuple[int, float]:
    sink.start_phase("real")
    started = time.perf_counter()
    if PROFILE:
        profiler = cProfile.Profile()
        queued = profiler.runcall(checkin_reminders_dispatch, now=FIRST_WEEK)
    else:
        queued = checkin_reminders_dispatch(now=FIRST_WEEK)
    dispatched = time.perf_counter()
    log(f"real path: dispatcher queued {queued} reminders in {dispatched - started:.1f}s")
    if PROFILE:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue(), flush=True)
    done = wait_delivered(sink, "real", MEMBERS, started)
    seconds = done - started
    log(f"real path: {sink.count('real')} received in {seconds:.1f}s (delivery {done - dispatched:.1f}s)")
    return queued, seconds


def baseline(sink: SinkProcess) -> float:
    rows = list(OutboundEmail.objects.filter(kind="checkin_reminder").values_list("subject", "body_text", "to_email"))
    datatuple = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for subject, body, to in rows]
    sink.start_phase("baseline")
    started = time.perf_counter()
    sent = send_mass_mail(
        datatuple,
        fail_silently=False,
        connection=get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=SMTP_PORT),
    )
    while sink.count("baseline") < sent:
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    log(f"baseline: send_mass_mail sent {sent} over one connection in {seconds:.1f}s")
    return seconds


def race(sink: SinkProcess) -> int:
    """Two dispatchers at once on a fresh week; returns the duplicates received."""
    sink.start_phase("race")
    before = OutboundEmail.objects.count()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def dispatcher():
        try:
            barrier.wait(timeout=30)
            results.append(checkin_reminders_dispatch(now=RACE_WEEK))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    log(f"race: two dispatchers queued {results} ({sum(results)} in all) in {time.perf_counter() - started:.1f}s")
    wait_delivered(sink, "race", MEMBERS, started)
    time.sleep(3)  # anything sent twice would arrive now
    rows = OutboundEmail.objects.count() - before
    duplicates = sink.duplicates("race") + max(sum(results) - MEMBERS, 0)
    log(f"race: {rows} rows, {sink.count('race')} received, {duplicates} duplicates")
    return duplicates


def main() -> None:
    log(f"bench: {MEMBERS} reminders, {WORKERS} workers x {CONCURRENCY}, SMTP sink on 127.0.0.1:{SMTP_PORT}")
    sink = SinkProcess(SMTP_PORT)
    database_setup()
    broker = broker_setup()
    team_setup()
    workers = start_workers()
    try:
        queued, seconds = real_path(sink)
        duplicates = sink.duplicates("real")
        baseline_seconds = baseline(sink)
        duplicates += race(sink)
    finally:
        stop_workers(workers)
        sink.stop()
        broker.flushdb()
        broker.close()
    print(
        f"reminders emails={queued} seconds={seconds:.2f} baseline_seconds={baseline_seconds:.2f} "
        f"ratio={seconds / baseline_seconds:.2f} duplicates={duplicates}",
        flush=True,
    )


if __name__ == "__main__":
    main()
