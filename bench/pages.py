"""Benchmark: how close are the hot pages to the framework's floor?

Side by side in one run, against gunicorn (2 workers) on the demo data (`seed_demo`, in its own
PostgreSQL database `bench_pages`, emptied and re-seeded each run) plus a team of 500 with
twelve weeks of history:

- the floor: a signed-in view that runs one query and renders base.html (bench/floor/urls.py, the
  only place it exists; bench/floor/settings.py selects that URLconf for the bench's gunicorn);
- a member's week page (lee@demo.example, Platform's "This week");
- the manager's team dashboard (maya.manager@demo.example, Platform);
- the team of 500's dashboard, timed one request at a time (server time as a client sees it).

Requests per second come from `wrk` (8 connections) when it is installed, else from a small
Python load generator with 8 threads. The three pages are measured in alternating rounds so
that load from anything else on the machine falls on all of them alike; requests per second are
the median of the rounds, a ratio the median of the rounds' ratios. The last line is:

    pages floor_rps= week_rps= week_ratio= dashboard_rps= dashboard_ratio= team500_dashboard_ms=

where a ratio is the page's time over the floor's (floor_rps / page_rps). Targets (issue 13):
week_ratio <= 2, dashboard_ratio <= 3, team500_dashboard_ms <= 300.

Run from the repository root:  .venv/bin/python bench/pages.py [--seconds 3] [--rounds 7] [--keep]
(TEST_DATABASE_URL names the PostgreSQL server, TEST_REDIS_URL the Redis, as for the tests.)
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor.settings"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accountability.models import Commitment, CommitmentStatus, Membership, Role, Team, User  # noqa: E402
from checkins.models import CheckIn  # noqa: E402

DATABASE = settings.DATABASES["default"]["NAME"]
CONNECTIONS = 8
BIG_TEAM = 500
BIG_WEEKS = 12


def say(message: str) -> None:
    print(message, flush=True)


def prepare_database() -> None:
    """Create and migrate bench_pages on first use (Django's test-database creation under the
    bench's name), then empty it and load the demo."""
    connection.settings_dict["TEST"]["NAME"] = DATABASE
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accountability_team, accountability_user RESTART IDENTITY CASCADE")
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    build_big_team()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def build_big_team() -> None:
    """A team of 500 members and one manager, twelve weeks of check-ins and commitments."""
    team = Team.objects.create(slug="big", name="Big team", time_zone="Europe/London")
    manager = User.objects.create_user(email="big.manager@bench.example", display_name="Big Manager")
    Membership.objects.create(team=team, user=manager, role=Role.MANAGER)
    joined = datetime.now(UTC) - timedelta(weeks=BIG_WEEKS + 1)
    users = User.objects.bulk_create(
        [User(email=f"big-{i}@bench.example", display_name=f"Person {i:03d}") for i in range(BIG_TEAM)]
    )
    Membership.objects.bulk_create(
        [Membership(team=team, user=user, role=Role.MEMBER, joined_at=joined) for user in users]
    )
    current = team.current_week()
    checkins, commitments = [], []
    statuses = [CommitmentStatus.DONE, CommitmentStatus.PARTLY_DONE, CommitmentStatus.OPEN]
    for n, user in enumerate(users):
        for back in range(BIG_WEEKS):
            week = current.start - timedelta(weeks=back)
            submitted = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=UTC)
            if (n + back) % 7:
                checkins.append(
                    CheckIn(
                        member=user,
                        team=team,
                        week=week,
                        mood=1 + (n + back) % 5,
                        highlights="Shipped it",
                        blockers="Waiting on review" if (n + back) % 29 == 0 else "",
                        submitted_at=submitted,
                        is_late=(n + back) % 3 == 0,
                        acknowledged_at=submitted if (n + back) % 4 else None,
                        acknowledged_by=manager if (n + back) % 4 else None,
                    )
                )
            for k, status in enumerate(statuses):
                due = week + timedelta(days=4)
                commitments.append(
                    Commitment(
                        owner=user,
                        team=team,
                        week=week,
                        title=f"Commitment {k} of week {back}",
                        due_date=due,
                        status=status,
                        created_by=user,
                        resolved_on=None if status == CommitmentStatus.OPEN else due,
                    )
                )
    CheckIn.objects.bulk_create(checkins, batch_size=5000)
    Commitment.objects.bulk_create(commitments, batch_size=5000)


def session_cookie(email: str) -> str:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.floor.settings", "BENCH_DATABASE": DATABASE}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "accountability.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def fetch(url: str, cookie: str) -> tuple[int, bytes, float]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback only
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
        body = response.read()
        return response.status, body, time.perf_counter() - started


def wrk_rps(url: str, cookie: str, seconds: float) -> float:
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{round(seconds)}s", "-H", f"Cookie: {cookie}", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if "Non-2xx" in out:
            raise SystemExit(f"non-2xx answers from {url}:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # A Python load generator: 8 threads, each one request at a time.
    done = [0] * CONNECTIONS
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        while time.perf_counter() < stop:
            fetch(url, cookie)
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


PAGES = {
    "floor": ("/bench/floor/", "lee@demo.example"),
    "week": ("/teams/platform/week/", "lee@demo.example"),
    "dashboard": ("/teams/platform/dashboard/", "maya.manager@demo.example"),
    "team500": ("/teams/big/dashboard/", "big.manager@bench.example"),
}


def cpu_per_request(pages: dict[str, tuple[str, str]], runs: int = 30) -> dict[str, float]:
    """The CPU time this process spends on each page (Django's test client, the same database),
    median of `runs` after a warm-up: what the server's Python costs, whatever else runs."""
    result = {}
    for name, (path, email) in pages.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(runs if name != "team500" else 5):
            started = time.process_time()
            client.get(path)
            times.append(time.process_time() - started)
        result[name] = statistics.median(times) * 1000
    connection.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the bench database as it is")
    args = parser.parse_args()

    if args.keep:
        connection.settings_dict["TEST"]["NAME"] = DATABASE
    else:
        say(f"Loading the demo and a team of {BIG_TEAM} into {DATABASE} ...")
        prepare_database()
    member = session_cookie("lee@demo.example")
    manager = session_cookie("maya.manager@demo.example")
    big_manager = session_cookie("big.manager@bench.example")
    connection.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port)
    try:
        pages = {
            "floor": (f"{base}/bench/floor/", member, b"Platform"),
            "week": (f"{base}/teams/platform/week/", member, b"This week"),
            "dashboard": (f"{base}/teams/platform/dashboard/", manager, b"Platform: dashboard"),
        }
        for name, (url, cookie, marker) in pages.items():
            status, body, _ = fetch(url, cookie)
            if status != 200 or marker not in body:
                raise SystemExit(f"{name}: {url} answered {status} without {marker!r}")
            for _ in range(20):  # warm both workers' caches
                fetch(url, cookie)
        rps: dict[str, list[float]] = {name: [] for name in pages}
        for round_ in range(args.rounds):
            for name, (url, cookie, _) in pages.items():
                rps[name].append(wrk_rps(url, cookie, args.seconds))
            say(f"round {round_ + 1}: " + ", ".join(f"{name} {values[-1]:.1f}/s" for name, values in rps.items()))
        median = {name: statistics.median(values) for name, values in rps.items()}
        if not all(all(values) for values in rps.values()):
            raise SystemExit(f"a page answered nothing within {args.seconds} s: run longer (--seconds)")
        # A ratio per round (the floor and the page measured seconds apart), then the median:
        # other load on the machine comes and goes, and falls on both sides of a round alike.
        ratio = {
            name: statistics.median(floor / page for floor, page in zip(rps["floor"], rps[name], strict=True))
            for name in ("week", "dashboard")
        }

        big_url = f"{base}/teams/big/dashboard/"
        status, body, _ = fetch(big_url, big_manager)
        if status != 200 or b"Big team: dashboard" not in body:
            raise SystemExit(f"team of {BIG_TEAM}: {big_url} answered {status}")
        for _ in range(3):
            fetch(big_url, big_manager)
        timings = [fetch(big_url, big_manager)[2] for _ in range(15)]
        big_ms = statistics.median(timings) * 1000
        say(f"team of {BIG_TEAM} dashboard: {big_ms:.0f} ms (median of 15), {len(body) / 1024:.0f} KB")
        for name in ("week", "dashboard"):
            say(f"{name}: {median[name]:.1f}/s, {ratio[name]:.2f}x the floor's time (median of the rounds' ratios)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    cpu = cpu_per_request({name: (path, email) for name, (path, email) in PAGES.items()})
    say(
        "in-process CPU per request (load on the machine hardly moves it): "
        + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu.items())
        + f"; week {cpu['week'] / cpu['floor']:.2f}x, dashboard {cpu['dashboard'] / cpu['floor']:.2f}x the floor"
    )
    say(
        f"pages floor_rps={median['floor']:.1f} week_rps={median['week']:.1f} "
        f"week_ratio={ratio['week']:.2f} dashboard_rps={median['dashboard']:.1f} "
        f"dashboard_ratio={ratio['dashboard']:.2f} team500_dashboard_ms={big_ms:.0f}"
    )


if __name__ == "__main__":
    main()
