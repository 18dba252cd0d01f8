"""Benchmark: the outbox's delivery rate, one worker and two, against Django's send_mass_mail.

    .venv/bin/python bench/outbox.py

1. Its own PostgreSQL database (Django's test-database creation, kept between runs) and a lean
   loopback SMTP sink in its own process: a few lines of asyncio that answer every command with
   250 and count messages by Message-ID, so the sink costs as little CPU as it can.
2. BENCH_EMAILS queued check-in reminders, rendered through the real path (`outbox_dispatch`).
3. One worker: a process running `outbox_sweep` (what the Celery task runs) until nothing is due.
   Then the same rows queued again and two such processes at once.
4. The baseline, in the same run: Django's `send_mass_mail` of the same messages over one
   connection. BENCH_ROUNDS rounds of the three, interleaved; each figure is its best round.

The last line is `outbox emails=N one_worker_per_s= two_workers_per_s= speedup= baseline_per_s=
one_worker_ratio= duplicates=`; one_worker_ratio is one worker's rate over send_mass_mail's.

Environment: BENCH_DATABASE_URL (the test database is test_<its name>), BENCH_REDIS_URL, BENCH_EMAILS,
BENCH_ROUNDS,
BENCH_PROFILE=1 (profile one worker in-process with cProfile instead of timing it; BENCH_SORT and
BENCH_LINES choose the order and length of the listing).
"""

import asyncio
import contextlib
import cProfile
import io
import multiprocessing
import os
import pstats
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/outbox_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
EMAILS = int(os.environ.get("BENCH_EMAILS", "3000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
# Friday 2026-03-06 16:01 UTC: a minute past the bench team's check-in time.
DUE = datetime(2026, 3, 6, 16, 1, tzinfo=UTC)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SMTP_PORT = free_port()
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "accountability.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": "http://bench.example.org",
        "DATABASE_URL": DATABASE_URL,
        # No worker here: the dispatcher's "please sweep" goes to a broker nobody reads.
        "REDIS_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.mail import get_connection, send_mass_mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accountability import outbox  # noqa: E402
from accountability.models import EmailStatus, Membership, OutboundEmail, Role, Team, User, Weekday  # noqa: E402
from checkins.services import checkin_reminders_dispatch  # noqa: E402

# --- The lean sink -------------------------------------------------------------------------


class _SMTP(asyncio.Protocol):
    """Just enough SMTP for smtplib: every command answered at once, DATA counted."""

    def __init__(self, counts: Counter):
        self.counts = counts
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                # Django writes the header as "Message-ID"; a find costs less than a regex.
                start = self.buffer.find(b"\nMessage-ID: ", 0, end)
                self.counts[self.buffer[start : self.buffer.find(b"\r", start + 1)] if start >= 0 else b""] += 1
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                self.transport.write(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")


def _sink_serve(port: int, pipe) -> None:
    async def serve():
        counts: Counter = Counter()
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _SMTP(counts), "127.0.0.1", port)
        pipe.send("ready")
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command == "stop":
                server.close()
                pipe.send(None)
                return
            if command == "reset":
                counts.clear()
                pipe.send(None)
            elif command == "cpu":
                pipe.send(time.process_time())
            else:  # "counts": (messages, copies beyond the first by Message-ID)
                pipe.send((sum(counts.values()), sum(n - 1 for n in counts.values())))

    asyncio.run(serve())


class Sink:
    def __init__(self, port: int):
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self.process = context.Process(target=_sink_serve, args=(port, child), daemon=True)
        self.process.start()
        if self._pipe.recv() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def ask(self, command: str):
        self._pipe.send(command)
        return self._pipe.recv()


# --- Setup ---------------------------------------------------------------------------------


def setup() -> None:
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
    call_command("flush", interactive=False, verbosity=0)
    team = Team.objects.create(
        name="Bench", slug="bench", time_zone="UTC", checkin_weekday=Weekday.FRIDAY, checkin_time=clock(16)
    )
    users = User.objects.bulk_create(
        [User(email=f"m{n:05d}@bench.example.org", display_name=f"Member {n}", password="!") for n in range(EMAILS)]
    )
    Membership.objects.bulk_create([Membership(user=user, team=team, role=Role.MEMBER) for user in users])
    started = time.perf_counter()
    queued = checkin_reminders_dispatch(now=DUE)
    log(f"database {name}: {queued} reminders queued in {time.perf_counter() - started:.1f}s")
    if queued != EMAILS:
        raise SystemExit(f"expected {EMAILS} reminders, got {queued}")


def requeue() -> None:
    OutboundEmail.objects.update(
        status=EmailStatus.QUEUED, attempts=0, next_attempt_at=DUE, claimed_until=None, sent_at=None
    )


# --- Phases --------------------------------------------------------------------------------


def _worker(start, done) -> None:
    connections.close_all()  # the parent's, inherited through fork: never share one
    start.wait()
    cpu = time.process_time()
    sent = outbox.outbox_sweep()
    connections.close_all()
    done.put((sent, time.process_time() - cpu))


def workers(sink: Sink, count: int) -> float:
    """Emails a second with `count` worker processes sweeping at once, until all are sent."""
    requeue()
    sink.ask("reset")
    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, done = context.Event(), context.Queue()
    processes = [context.Process(target=_worker, args=(start, done)) for _ in range(count)]
    for process in processes:
        process.start()
    time.sleep(0.5)  # each has forked and closed its inherited connections
    sink_cpu = sink.ask("cpu")
    started = time.perf_counter()
    start.set()
    results = [done.get(timeout=300) for _ in processes]
    seconds = time.perf_counter() - started
    sink_cpu = sink.ask("cpu") - sink_cpu
    attempted, worker_cpu = (sum(column) for column in zip(*results, strict=True))
    for process in processes:
        process.join(timeout=10)
    received, duplicates = sink.ask("counts")
    left = OutboundEmail.objects.exclude(status=EmailStatus.SENT).count()
    if received != EMAILS or left or attempted != EMAILS:
        raise SystemExit(f"{count} worker(s): attempted {attempted}, received {received}, {left} rows not sent")
    log(
        f"{count} worker(s): {EMAILS} sent in {seconds:.2f}s, {EMAILS / seconds:.0f}/s, duplicates {duplicates}; "
        f"CPU per email: workers {worker_cpu / EMAILS * 1e6:.0f} us, sink {sink_cpu / EMAILS * 1e6:.0f} us; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return EMAILS / seconds, duplicates


def profile_one(sink: Sink) -> None:
    requeue()
    profiler = cProfile.Profile()
    profiler.runcall(outbox.outbox_sweep)
    out = io.StringIO()
    order, lines = os.environ.get("BENCH_SORT", "tottime"), int(os.environ.get("BENCH_LINES", "30"))
    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
    print(out.getvalue(), flush=True)


def baseline(sink: Sink) -> float:
    rows = list(OutboundEmail.objects.values_list("subject", "body_text", "to_email"))
    datatuple = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for subject, body, to in rows]
    sink.ask("reset")
    started = time.perf_counter()
    sent = send_mass_mail(
        datatuple,
        fail_silently=False,
        connection=get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=SMTP_PORT),
    )
    seconds = time.perf_counter() - started
    received, _ = sink.ask("counts")
    if received != sent:
        raise SystemExit(f"baseline: sent {sent}, received {received}")
    log(f"baseline: send_mass_mail sent {sent} over one connection in {seconds:.2f}s, {sent / seconds:.0f}/s")
    return sent / seconds


def main() -> None:
    log(f"bench: {EMAILS} emails, lean SMTP sink on 127.0.0.1:{SMTP_PORT}")
    sink = Sink(SMTP_PORT)
    try:
        setup()
        if PROFILE:
            profile_one(sink)
            return
        # Interleaved rounds, best of each: a neighbour's burst of CPU lands on one round, not
        # on one side only.
        rates = {"baseline": [], "one": [], "two": []}
        duplicates = 0
        for n in range(ROUNDS):
            log(f"round {n + 1} of {ROUNDS}")
            rates["baseline"].append(baseline(sink))
            for name, count in (("one", 1), ("two", 2)):
                rate, copies = workers(sink, count)
                rates[name].append(rate)
                duplicates += copies
    finally:
        with contextlib.suppress(Exception):
            sink.ask("stop")
    base, one, two = (max(rates[name]) for name in ("baseline", "one", "two"))
    print(
        f"outbox emails={EMAILS} one_worker_per_s={one:.0f} two_workers_per_s={two:.0f} speedup={two / one:.2f} "
        f"baseline_per_s={base:.0f} one_worker_ratio={one / base:.2f} duplicates={duplicates}",
        flush=True,
    )


if __name__ == "__main__":
    main()
