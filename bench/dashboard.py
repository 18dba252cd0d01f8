"""Benchmark: does the team dashboard's cost follow the range it shows, or the team's history?

Builds, in its own PostgreSQL database (`bench_dashboard`, created and migrated on first use
through Django's test-database creation, emptied at the start of each run), a team of 50
members with 104 weeks of history and times its dashboard server-side with the test client
(the median of several runs after a warm-up). Then the same 50 people get 10x the history,
1,040 weeks, in a second team they all belong to, and both dashboards are timed again,
alternating requests so that load from anything else on the machine falls on both alike.
Last, it counts the page's queries for a team of 5 and one of 200. The last line is:

    dashboard queries_small=Q1 queries_large=Q2 ms=T1 ms_10x=T2 ratio=R

with R = T2 / T1, which should stay near 1: the page shows a fixed range of weeks.

Run from the repository root:  .venv/bin/python bench/dashboard.py [--explain] [--runs N]
(TEST_DATABASE_URL names the PostgreSQL server, as for the tests.) --explain prints EXPLAIN
(ANALYZE, BUFFERS) of the page's data queries on the large dataset.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accountability.models import (  # noqa: E402
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    Membership,
    Role,
    Team,
    User,
)
from checkins.models import CheckIn, Comment  # noqa: E402

DATABASE = "bench_dashboard"
MEMBERS = 50
WEEKS = 104
WEEKS_10X = 1040
COMMITMENTS_PER_WEEK = 3
BATCH = 5000
JOINED = datetime(2000, 1, 3, tzinfo=UTC)


def say(message: str) -> None:
    print(message, flush=True)


def use_bench_database() -> None:
    """Point the connection at bench_dashboard, creating and migrating it when needed, and
    empty it: a run starts from nothing."""
    connection.settings_dict["TEST"]["NAME"] = DATABASE
    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accountability_team, accountability_user RESTART IDENTITY CASCADE")


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def make_team(
    slug: str, members: int, *, manager: User | None = None, people: list[User] | None = None
) -> tuple[Team, User, list[User]]:
    """A team in London with a manager and members (new people unless given)."""
    team = Team.objects.create(name=slug.title(), slug=slug, time_zone="Europe/London")
    if manager is None:
        manager = User.objects.create_user(email=f"manager@{slug}.example.org", display_name="Manager")
    if people is None:
        people = User.objects.bulk_create(
            [User(email=f"person{i}@{slug}.example.org", display_name=f"Person {i:03d}") for i in range(members)]
        )
    Membership.objects.bulk_create(
        [Membership(team=team, user=manager, role=Role.MANAGER, joined_at=JOINED)]
        + [Membership(team=team, user=user, role=Role.MEMBER, joined_at=JOINED) for user in people]
    )
    return team, manager, people


OUTCOMES = [
    (CommitmentStatus.DONE, 0),
    (CommitmentStatus.DONE, 2),
    (CommitmentStatus.RENEGOTIATED, -1),
    (CommitmentStatus.PARTLY_DONE, 0),
    (CommitmentStatus.NOT_DONE, 1),
    (CommitmentStatus.LET_GO, 0),
    (CommitmentStatus.DECLINED, -3),
]


def add_history(team: Team, manager: User, people: list[User], weeks: range) -> int:
    """History for `weeks` (0 = this week, 1 = last week, ...): a check-in a week per person
    (mostly acknowledged, some late, some with blockers or support requests, some replied to)
    and COMMITMENTS_PER_WEEK commitments ending in every way. Written in batches; returns the
    number of rows."""
    current = team.current_week().start
    rows = 0
    checkins: list[CheckIn] = []
    commitments: list[Commitment] = []

    def flush(force: bool = False) -> None:
        nonlocal rows, checkins, commitments
        if checkins and (force or len(checkins) >= BATCH):
            saved = CheckIn.objects.bulk_create(checkins, batch_size=BATCH)
            replies = [
                Comment(checkin=c, team=team, member=c.member, author=manager, body="Thanks, noted.")
                for c in saved
                if c.acknowledged_at and c.mood >= 4
            ]
            Comment.objects.bulk_create(replies, batch_size=BATCH)
            rows += len(saved) + len(replies)
            checkins = []
        if commitments and (force or len(commitments) >= BATCH):
            Commitment.objects.bulk_create(commitments, batch_size=BATCH)
            rows += len(commitments)
            commitments = []

    for back in weeks:
        week = current - timedelta(weeks=back)
        for n, person in enumerate(people):
            key = n + back
            submitted = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=UTC)
            recent = back < 12
            checkins.append(
                CheckIn(
                    member=person,
                    team=team,
                    week=week,
                    mood=1 + key % 5,
                    highlights="Shipped the thing",
                    blockers="Waiting on review" if key % 4 == 0 else "",
                    support_requested="Pairing, please" if key % 3 == 0 else "",
                    submitted_at=submitted,
                    is_late=key % 3 == 1,
                    # Old weeks were all acknowledged and answered; recent ones partly.
                    acknowledged_at=submitted + timedelta(hours=6) if (not recent or key % 5) else None,
                    acknowledged_by=manager if (not recent or key % 5) else None,
                    support_answered_at=submitted + timedelta(days=2) if (not recent or key % 2) else None,
                )
            )
            for i in range(COMMITMENTS_PER_WEEK):
                status, late = OUTCOMES[(key + i) % len(OUTCOMES)]
                due = week + timedelta(days=4)
                if due >= team.today() and status != CommitmentStatus.DECLINED:
                    status, late = CommitmentStatus.OPEN, None
                proposed = status == CommitmentStatus.DECLINED
                commitments.append(
                    Commitment(
                        owner=person,
                        team=team,
                        week=week,
                        title=f"Commitment {i} of week {back}",
                        due_date=due,
                        status=status,
                        source=CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
                        created_by=manager if proposed else person,
                        resolved_on=None if late is None else due + timedelta(days=late),
                    )
                )
        flush()
    flush(force=True)
    return rows


def time_pages(client: Client, urls: list[str], runs: int) -> list[float]:
    """The median time (ms) of each page, requested in turn (the order alternating)."""
    for url in urls:
        for _ in range(3):  # warm-up: caches, the session, compiled templates, query plans
            assert client.get(url).status_code == 200
    times: dict[str, list[float]] = {url: [] for url in urls}
    for run in range(runs):
        for url in urls if run % 2 == 0 else list(reversed(urls)):
            started = time.perf_counter()
            response = client.get(url)
            times[url].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return [statistics.median(times[url]) for url in urls]


def count_queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def explain(client: Client, url: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if "checkins_checkin" not in sql and "accountability_commitment" not in sql:
                continue
            say("\n--- " + sql[:160] + " ...")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            for (line,) in cursor.fetchall():
                say("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per measurement (after 3 warm-up runs)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the data queries")
    args = parser.parse_args()
    started = time.perf_counter()

    say(f"database: {DATABASE} on {settings.DATABASES['default'].get('HOST') or 'localhost'}")
    use_bench_database()
    client = Client()

    team, manager, people = make_team("bench", MEMBERS)
    rows = add_history(team, manager, people, range(WEEKS))
    analyze()
    say(f"built {MEMBERS} members x {WEEKS} weeks: {rows:,} rows ({time.perf_counter() - started:.0f} s)")
    client.force_login(manager)
    url = reverse("team_dashboard", args=[team.slug])
    (alone,) = time_pages(client, [url], args.runs)
    say(f"dashboard, {WEEKS} weeks of history: median {alone:.1f} ms over {args.runs} runs")

    team_10x, _, _ = make_team("bench-10x", MEMBERS, manager=manager, people=people)
    rows = add_history(team_10x, manager, people, range(WEEKS_10X))
    analyze()
    say(
        f"built the same {MEMBERS} members x {WEEKS_10X} weeks in a second team: {rows:,} rows "
        f"({time.perf_counter() - started:.0f} s)"
    )
    url_10x = reverse("team_dashboard", args=[team_10x.slug])
    ms, ms_10x = time_pages(client, [url, url_10x], args.runs)
    say(f"dashboard, {WEEKS} weeks of history: median {ms:.1f} ms over {args.runs} runs (alternating)")
    say(f"dashboard, {WEEKS_10X} weeks of history: median {ms_10x:.1f} ms over {args.runs} runs (alternating)")
    ms_52, ms_52_10x = time_pages(client, [url + "?weeks=52", url_10x + "?weeks=52"], args.runs)
    say(f"  for comparison, a 52-week range: {ms_52:.1f} ms and {ms_52_10x:.1f} ms")
    if args.explain:
        explain(client, url_10x)

    counts = {}
    for size in (5, 200):
        small_team, small_manager, small_people = make_team(f"size-{size}", size)
        add_history(small_team, small_manager, small_people, range(8))
        client.force_login(small_manager)
        counts[size] = count_queries(client, reverse("team_dashboard", args=[small_team.slug]))
        say(f"queries for a team of {size}: {counts[size]}")

    say(f"total run time {time.perf_counter() - started:.0f} s")
    say(
        f"dashboard queries_small={counts[5]} queries_large={counts[200]} "
        f"ms={ms:.1f} ms_10x={ms_10x:.1f} ratio={ms_10x / ms:.2f}"
    )


if __name__ == "__main__":
    main()
