"""Benchmark: one organisation at scale, through the real pages and the real beat dispatchers.

    .venv/bin/python bench/scale.py            (make bench runs it with the others)

1. Its own PostgreSQL database (Django's test-database creation, kept between runs) holding
   BENCH_TEAMS teams (default 10,000) of BENCH_PER_TEAM people (default 20: a manager and 19
   members), the first team BENCH_BIG_TEAM strong (default 500): about 200,000 people with
   BENCH_WEEKS past weeks of check-ins (some with blockers, support requests and replies),
   commitments reviewed in every way (some with reflections and history rows) and this week's
   open ones, and a closed pulse survey in every tenth team. Built with INSERT ... SELECT over
   generate_series in a few minutes, then reused: a run whose database already holds this size
   skips building (BENCH_REBUILD=1 builds again). Every run empties the outbox, the broker
   and the cache first. A quick run: BENCH_TEAMS=500 BENCH_BIG_TEAM=100 (its own database
   through BENCH_DATABASE_URL, so the full one is kept).
2. An organisation admin (staff, signed in with a second factor) opens the overview, the home
   page and the surveys list; the manager of the big team opens its dashboard; a member and a
   manager of an ordinary team open their pages. Each line gives the time (median of
   BENCH_RUNS after a warm-up), the size, the number of queries and the slowest query.
3. Each dispatcher beat runs ("checkin-reminders", "commitments-overdue", "manager-digest",
   "surveys", "replies", "feedback-release") with nothing due; then check-in reminders with
   every tenth team due (19 members each: ~19,000 emails) and the same run repeated; then the
   manager digest with every tenth team's manager due (~1,000).

The data is built for one fixed week, so the clock is moved there (time-machine, as the test
suite does) for each measurement: the idle instant is a Wednesday morning, after 09:00 in every
team's zone, so the overdue-commitments dispatcher looks at every team. The due teams are in
Tokyo, checking in on Thursdays at 09:00; the others in London and Berlin, on Fridays at 16:00.
Only Python's clock moves: a dispatcher must take "now" from Django (timezone.now()), not from
the database's now(), which the test suite's travelling clock requires as well.

Dispatchers are looked up by their beat entry name (accountability.registry) and run as beat
runs them, by task name through the Celery app; models are reached through the app registry.
So the bench survives modules moving between apps.

A page that does not answer within BENCH_PAGE_TIMEOUT seconds (default 60) reads "timeout":
the bench's connections carry a PostgreSQL statement_timeout of the same length and the
interrupted query is cancelled, so nothing keeps a core busy after the bench gives up. One
caveat, measured on the overview: a query of a few megabytes of SQL (a CASE arm per team) costs
enough for PostgreSQL to compile it (JIT), and the compiler does not look for a cancel, so such
a query overruns its timeout by minutes; the line says when it was really over. BENCH_JIT=off
turns JIT off for the bench's connections, and then the timeout holds to the second.

Outbox delivery rates (1 and 2 workers) are bench/outbox.py's to measure; this bench only
points there.

The last line is
`scale teams= users= overview_ms= overview_kb= team500_dash_ms= dispatch_idle_s= dispatch_due_s=
digest_s= worker_rate= worker_speedup=`, dispatch_idle_s being the slowest dispatcher with
nothing due and dispatch_due_s the ~19,000 reminders.

Environment: BENCH_DATABASE_URL (the bench's database is test_<its name>), BENCH_REDIS_URL,
BENCH_TEAMS, BENCH_PER_TEAM, BENCH_BIG_TEAM, BENCH_WEEKS, BENCH_RUNS, BENCH_PAGE_TIMEOUT,
BENCH_JIT=off, BENCH_REBUILD=1.
"""

import logging
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scale_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
TEAMS = int(os.environ.get("BENCH_TEAMS", "10000"))
PER_TEAM = int(os.environ.get("BENCH_PER_TEAM", "20"))
BIG_TEAM = int(os.environ.get("BENCH_BIG_TEAM", "500"))
WEEKS = int(os.environ.get("BENCH_WEEKS", "4"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PAGE_TIMEOUT = int(os.environ.get("BENCH_PAGE_TIMEOUT", "60"))
# "off" turns PostgreSQL's JIT off for the bench's connections; by default the server decides.
JIT = os.environ.get("BENCH_JIT", "")
REBUILD = os.environ.get("BENCH_REBUILD") == "1"

# tests.settings: real PostgreSQL and Redis, DEBUG off, the test client's host allowed, and the
# cache on the Redis database below the broker's (so 12 here, beside the broker's 13).
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "TEST_DATABASE_URL": DATABASE_URL,
        "TEST_REDIS_URL": REDIS_URL,
    }
)
for name in ("TEST_CLOCK_AT", "TEST_CLOCK_OFFSET", "TEST_CACHE_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()
# One line per task run is noise here; the bench prints its own.
logging.getLogger("celery").setLevel(logging.WARNING)

import redis  # noqa: E402
import time_machine  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accountability.celery import app as celery_app  # noqa: E402
from accountability.registry import beat_schedule  # noqa: E402
from tests.twofactor import admin_sign_in  # noqa: E402

# The week the data is built for (a Monday) and the instants each measurement is taken at.
CURRENT_WEEK = date(2026, 3, 9)
IDLE_AT = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # Wed: London 10:00, Berlin 11:00, Tokyo 19:00
REMINDERS_DUE_AT = datetime(2026, 3, 12, 1, 0, tzinfo=UTC)  # Thu 10:00 in Tokyo
DIGEST_DUE_AT = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)  # Mon 09:30 in Tokyo, before 08:00 elsewhere
JOINED = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ADMIN_EMAIL = "admin@scale.example.org"
DUE_EVERY = 10  # every tenth team is in Tokyo: due for reminders and digests at those instants
COMMITMENTS_PER_WEEK = 2
DISPATCHERS = ["checkin-reminders", "commitments-overdue", "manager-digest", "surveys", "replies", "feedback-release"]


def model(label: str):
    app_label, name = label.split(".")
    return apps.get_model(app_label, name)


def survey_model(name: str):
    """Survey models are moving from feedback to a surveys app: whichever holds them."""
    for app_label in ("surveys", "feedback"):
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    raise LookupError(name)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def say(message: str) -> None:
    print(message, flush=True)


def expected_users() -> int:
    return BIG_TEAM + (TEAMS - 1) * PER_TEAM


# --- The database ------------------------------------------------------------------------


def database_setup() -> bool:
    """The bench's own database, created and migrated once and kept; made again from nothing
    when it holds another size (or BENCH_REBUILD=1). True when the data set is to be built.

    Made again rather than emptied: a TRUNCATE ... CASCADE from the users would also empty the
    tables the migrations filled (the built-in survey template refers to its author).
    Every connection the bench opens carries the statement timeout (libpq's `options`), so a
    query it gave up on stops."""
    options = f"-c statement_timeout={PAGE_TIMEOUT * 1000}" + (f" -c jit={JIT}" if JIT else "")
    connection.settings_dict.setdefault("OPTIONS", {})["options"] = options
    connection.close()
    name = connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
    if not REBUILD and already_built():
        log(f"database {name} ({options}): data set already built (BENCH_REBUILD=1 builds it again)")
        return False
    if REBUILD or model("accountability.Team").objects.exists() or model("accountability.User").objects.exists():
        connection.close()
        name = connection.creation.create_test_db(verbosity=0, keepdb=False, autoclobber=True, serialize=False)
    log(f"database {name} made and migrated ({options}); building the data set")
    return True


def sql(statement: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})
        return cursor.rowcount


def already_built() -> bool:
    Team, User = model("accountability.Team"), model("accountability.User")
    return (
        Team.objects.count() == TEAMS
        and User.objects.count() == expected_users() + 1
        and User.objects.filter(email=ADMIN_EMAIL).exists()
        and model("accountability.Commitment").objects.filter(week=CURRENT_WEEK).exists()
    )


# Every person: their team, their place in it (0 is the manager), their id and their manager's.
# Ids are computed, not returned, so every table below is one INSERT ... SELECT.
PEOPLE = """
    CREATE TEMPORARY TABLE bench_people AS
    SELECT 1 AS team, pos, pos + 1 AS uid, 1 AS manager
      FROM generate_series(0, %(big)s - 1) AS pos
    UNION ALL
    SELECT t, pos, %(big)s + (t - 2) * %(per)s + pos + 1, %(big)s + (t - 2) * %(per)s + 1
      FROM generate_series(2, %(teams)s) AS t, generate_series(0, %(per)s - 1) AS pos
    ORDER BY 1, 2
"""

TEAMS_SQL = """
    INSERT INTO accountability_team (id, name, slug, time_zone, checkin_weekday, checkin_time,
        reminders_enabled, nudge_hours_before_close, anonymity_threshold, open_commitments, created_at)
    SELECT t,
           CASE WHEN t = 1 THEN 'The big team' ELSE 'Team ' || lpad(t::text, 5, '0') END,
           CASE WHEN t = 1 THEN 'big-team' ELSE 'team-' || lpad(t::text, 5, '0') END,
           CASE WHEN t %% %(due_every)s = 0 THEN 'Asia/Tokyo'
                WHEN t %% 2 = 0 THEN 'Europe/Berlin' ELSE 'Europe/London' END,
           CASE WHEN t %% %(due_every)s = 0 THEN 3 ELSE 4 END,
           CASE WHEN t %% %(due_every)s = 0 THEN time '09:00' ELSE time '16:00' END,
           true, 24, 5, true, %(joined)s
      FROM generate_series(1, %(teams)s) AS t
"""

USERS_SQL = """
    INSERT INTO accountability_user (id, password, is_superuser, email, display_name, time_zone,
        is_active, is_staff, date_joined, email_opt_outs)
    SELECT uid, '!', false, 'p' || pos || '.t' || team || '@scale.example.org',
           CASE WHEN pos = 0 THEN 'Manager of team ' || team ELSE 'Person ' || pos || ' of team ' || team END,
           '', true, false, %(joined)s, '[]'::jsonb
      FROM bench_people
"""

MEMBERSHIPS_SQL = """
    INSERT INTO accountability_membership (id, role, joined_at, user_id, team_id)
    SELECT uid, CASE WHEN pos = 0 THEN 'manager' ELSE 'member' END, %(joined)s, uid, team
      FROM bench_people
"""

# A week of check-ins, `back` weeks ago: nine in ten members, some late, some with blockers or
# support requests, most acknowledged by the manager, support mostly answered.
CHECKINS_SQL = """
    INSERT INTO checkins_checkin (week, mood, highlights, blockers, support_requested, submitted_at,
        updated_at, is_late, version, member_id, team_id, acknowledged_at, acknowledged_by_id,
        support_answered_at, support_answered_by_id)
    SELECT wk, 1 + (uid + %(back)s) %% 5, 'Shipped the thing and paired on the next one',
           CASE WHEN (uid + %(back)s) %% 4 = 0 THEN 'Waiting on a review' ELSE '' END,
           CASE WHEN (uid + %(back)s) %% 7 = 0 THEN 'An hour of pairing, please' ELSE '' END,
           sub, sub, (uid + %(back)s) %% 5 = 1, 1, uid, team,
           CASE WHEN (uid + %(back)s) %% 6 <> 0 THEN sub + interval '6 hours' END,
           CASE WHEN (uid + %(back)s) %% 6 <> 0 THEN manager END,
           CASE WHEN (uid + %(back)s) %% 7 = 0 AND (uid + %(back)s) %% 2 = 0 THEN sub + interval '1 day' END,
           CASE WHEN (uid + %(back)s) %% 7 = 0 AND (uid + %(back)s) %% 2 = 0 THEN manager END
      FROM bench_people,
           LATERAL (SELECT %(week)s::date AS wk,
                           (%(week)s::date + 3)::timestamp AT TIME ZONE 'UTC'
                           + interval '14 hours' + (uid %% 240) * interval '1 minute' AS sub) AS x
     WHERE pos > 0 AND (uid + %(back)s) %% 10 <> 0
"""

# Commitments of a week: past weeks all reviewed (every outcome, reflections where it slipped),
# this week's open and due on Friday, so nothing is overdue at the idle instant.
COMMITMENTS_SQL = """
    INSERT INTO accountability_commitment (week, title, details, due_date, status, source, obstacle,
        help_wanted, lesson, created_at, resolved_at, resolved_on, chain_root_id, created_by_id,
        owner_id, renegotiated_from_id, team_id)
    SELECT %(week)s::date, 'Commitment ' || k || ' of the week of ' || %(week)s, '', %(week)s::date + 4,
           st,
           'self',
           CASE WHEN st IN ('partly_done', 'not_done') THEN 'Interrupted by support work' ELSE '' END,
           CASE WHEN st IN ('partly_done', 'not_done') THEN 'A quieter afternoon' ELSE '' END,
           CASE WHEN st = 'let_go' THEN 'Smaller steps next time' ELSE '' END,
           %(week)s::date::timestamp AT TIME ZONE 'UTC' + interval '10 minutes',
           CASE WHEN st <> 'open' THEN (%(week)s::date + 4)::timestamp AT TIME ZONE 'UTC' + interval '17 hours' END,
           CASE WHEN st <> 'open' THEN %(week)s::date + 4 + (uid + k) %% 3 - 1 END,
           NULL, uid, uid, NULL, team
      FROM bench_people, generate_series(0, %(per_week)s - 1) AS k,
           LATERAL (SELECT CASE WHEN %(back)s = 0 THEN 'open'
                           ELSE (ARRAY['done', 'done', 'partly_done', 'not_done', 'renegotiated', 'let_go',
                                       'done'])[1 + (uid + %(back)s + k) %% 7] END AS st) AS x
     WHERE pos > 0
"""

COMMENTS_SQL = """
    INSERT INTO checkins_comment (body, created_at, seen_at, author_id, checkin_id, commitment_id,
        member_id, team_id)
    SELECT 'Thanks, noted. Shall we talk it through on Monday?', acknowledged_at,
           acknowledged_at + interval '1 day', acknowledged_by_id, id, NULL, member_id, team_id
      FROM checkins_checkin
     WHERE id %% 8 = 0 AND acknowledged_at IS NOT NULL
"""

EVENTS_SQL = """
    INSERT INTO accountability_commitmentevent (from_status, to_status, note, created_at, old_due_date,
        new_due_date, actor_id, commitment_id)
    SELECT 'open', status, '', resolved_at, NULL, NULL, owner_id, id
      FROM accountability_commitment
     WHERE resolved_at IS NOT NULL AND id %% 5 = 0
"""


def build() -> None:
    """The data set, from nothing: a handful of INSERT ... SELECT statements, then VACUUM
    ANALYZE so the planner and the visibility map see it as a long-running database would."""
    started = time.perf_counter()
    params = {
        "teams": TEAMS,
        "per": PER_TEAM,
        "big": BIG_TEAM,
        "due_every": DUE_EVERY,
        "joined": JOINED,
        "per_week": COMMITMENTS_PER_WEEK,
    }

    def step(label: str, statement: str, extra: dict | None = None) -> None:
        at = time.perf_counter()
        rows = sql(statement, {**params, **(extra or {})})
        log(f"  {label}: {rows:,} rows ({time.perf_counter() - at:.1f}s)")

    sql("SET statement_timeout = 0")  # building takes longer than any page may
    sql("DROP TABLE IF EXISTS bench_people")
    sql(PEOPLE, params)
    step("teams", TEAMS_SQL)
    step("people", USERS_SQL)
    step("memberships", MEMBERSHIPS_SQL)
    for table in ("accountability_team", "accountability_user", "accountability_membership"):
        sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    for back in range(WEEKS, -1, -1):
        week = CURRENT_WEEK.fromordinal(CURRENT_WEEK.toordinal() - 7 * back)
        if back:
            step(f"check-ins, week of {week}", CHECKINS_SQL, {"week": week, "back": back})
        step(f"commitments, week of {week}", COMMITMENTS_SQL, {"week": week, "back": back})
    step("replies", COMMENTS_SQL)
    step("commitment history", EVENTS_SQL)
    surveys_build()
    sql("DROP TABLE bench_people")
    sql("RESET statement_timeout")
    User = model("accountability.User")
    User.objects.create_user(email=ADMIN_EMAIL, display_name="Ada Admin", is_staff=True)
    at = time.perf_counter()
    sql("SET statement_timeout = 0")
    sql("VACUUM ANALYZE")
    sql("RESET statement_timeout")
    log(f"  vacuum analyze ({time.perf_counter() - at:.1f}s)")
    log(f"built {TEAMS:,} teams, {expected_users():,} people in {time.perf_counter() - started:.0f}s")


def surveys_build() -> None:
    """A pulse survey that ran and closed two weeks ago in every tenth team, with its
    invitations (two in three answered; the anonymous answers are left out)."""
    Round, Template = survey_model("SurveyRound"), survey_model("SurveyTemplate")
    Invitation = survey_model("SurveyInvitation")
    template = Template.objects.filter(built_in=True).order_by("pk").first()
    if template is None:
        log("  surveys: no built-in template, none built")
        return
    opens = datetime.combine(CURRENT_WEEK.fromordinal(CURRENT_WEEK.toordinal() - 21), datetime.min.time(), tzinfo=UTC)
    closes = datetime.combine(CURRENT_WEEK.fromordinal(CURRENT_WEEK.toordinal() - 14), datetime.min.time(), tzinfo=UTC)
    rounds = sql(
        f"""
        INSERT INTO {Round._meta.db_table} (opens_at, closes_at, repeat_every_weeks, invited, closed,
            created_by_id, previous_id, team_id, template_id)
        SELECT %(opens)s, %(closes)s, NULL, true, true, manager, NULL, team, %(template)s
          FROM bench_people WHERE pos = 0 AND team %% %(due_every)s = 0
        """,  # noqa: S608 (table names from the models)
        {"opens": opens, "closes": closes, "template": template.pk, "due_every": DUE_EVERY},
    )
    invitations = sql(
        f"""
        INSERT INTO {Invitation._meta.db_table} (token_hash, answered, user_id, round_id)
        SELECT md5('bench-' || r.id || '-' || p.uid), p.uid %% 3 <> 0, p.uid, r.id
          FROM {Round._meta.db_table} AS r JOIN bench_people AS p ON p.team = r.team_id AND p.pos > 0
        """  # noqa: S608 (table names from the models)
    )
    log(f"  surveys: {rounds:,} closed rounds, {invitations:,} invitations")


def run_setup(broker: redis.Redis) -> None:
    """What every run starts from: no email in the outbox, nothing in the broker or cache."""
    sql(f"TRUNCATE {model('accountability.OutboundEmail')._meta.db_table}")
    broker.flushdb()
    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).flushdb()


# --- Pages -------------------------------------------------------------------------------


class PageTimeout(BaseException):
    """Raised by the alarm in the middle of a request. A BaseException, so neither Django's
    handler nor a view turns it into a response."""


@dataclass
class Page:
    label: str
    ms: float | None  # None: it did not answer in time
    kb: float = 0
    queries: int = 0
    slowest_ms: float = 0
    slowest_sql: str = ""
    ended_after: float = 0  # for a timeout: when its request (and so its query) was over, in s

    def line(self) -> str:
        if self.ms is None:
            return (
                f"{self.label}: timeout (no answer within {PAGE_TIMEOUT} s; its query was over "
                f"{self.ended_after:.0f} s after the request started)"
            )
        return (
            f"{self.label}: {self.ms:.0f} ms, {self.kb:,.0f} KB, {self.queries} queries; "
            f"slowest query {self.slowest_ms:.1f} ms: {self.slowest_sql}"
        )


class NoAnswer(Exception):
    def __init__(self, seconds: float):
        self.seconds = seconds


@contextmanager
def deadline(seconds: int):
    def ring(signum, frame):
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cancel_and_reconnect(pid: int | None) -> None:
    """After a timeout: drop the connection and cancel whatever its backend still runs."""
    try:
        connection.close()
    except Exception:
        connection.connection = None
    if pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_cancel_backend(%s)", [pid])


def fetch(client: Client, url: str):
    """One request; NoAnswer when it ran out of time (the database's timeout or the alarm's).

    The alarm interrupts Python, not a query: the driver waits for the server's answer, so a
    query that ignores its statement timeout for a while (one the server is still planning or
    compiling does) holds the bench until it ends. NoAnswer says how long that was."""
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()
    started = time.perf_counter()
    try:
        with deadline(PAGE_TIMEOUT):
            response = client.get(url)
    except PageTimeout:
        seconds = time.perf_counter() - started
        cancel_and_reconnect(pid)
        raise NoAnswer(seconds) from None
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        seconds = time.perf_counter() - started
        cancel_and_reconnect(pid)
        raise NoAnswer(seconds) from None
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return response


def measure_page(label: str, client: Client, url: str) -> Page:
    """The median time of RUNS requests after a warm-up, then one more with its queries logged.
    A page that times out once is not asked again."""
    try:
        started = time.perf_counter()
        fetch(client, url)
        warm_up = time.perf_counter() - started
        times = []
        for _ in range(RUNS if warm_up < 10 else 1):
            started = time.perf_counter()
            fetch(client, url)
            times.append((time.perf_counter() - started) * 1000)
        connection.queries_log.clear()  # its length is capped: a full log would count nothing new
        with CaptureQueriesContext(connection) as queries:
            response = fetch(client, url)
    except NoAnswer as timeout:
        return Page(label, None, ended_after=timeout.seconds)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default={"time": 0, "sql": ""})
    return Page(
        label,
        statistics.median(times),
        kb=len(response.content) / 1024,
        queries=len(queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(slowest["sql"].split())[:110],
    )


def signed_in(user, *, second_factor: bool = False) -> Client:
    client = Client()
    if second_factor:
        admin_sign_in(client, user)
    else:
        client.force_login(user)
    return client


def pages() -> dict[str, Page]:
    User, Team = model("accountability.User"), model("accountability.Team")
    admin = User.objects.get(email=ADMIN_EMAIL)
    big = Team.objects.get(slug="big-team")
    team = Team.objects.get(slug="team-00003" if TEAMS >= 3 else "big-team")
    people = {m.role: m.user for m in model("accountability.Membership").objects.filter(team=team).order_by("-pk")}
    big_manager = model("accountability.Membership").objects.get(team=big, role="manager").user

    results = {}
    admin_client = signed_in(admin, second_factor=True)
    for key, label, url in [
        ("overview", "organisation admin's overview /dashboard/", "/dashboard/"),
        ("home", "organisation admin's home /", "/"),
        ("surveys", "organisation admin's /surveys/", "/surveys/"),
    ]:
        results[key] = page = measure_page(label, admin_client, url)
        say(page.line())
    results["big"] = page = measure_page(
        f"team of {BIG_TEAM}: its dashboard (its manager)", signed_in(big_manager), f"/teams/{big.slug}/dashboard/"
    )
    say(page.line())
    for key, label, user, url in [
        ("week", "a member's week page", people["member"], f"/teams/{team.slug}/week/"),
        (
            "team_dash",
            f"a team of {PER_TEAM}: its dashboard (its manager)",
            people["manager"],
            f"/teams/{team.slug}/dashboard/",
        ),
    ]:
        results[key] = page = measure_page(label, signed_in(user), url)
        say(page.line())
    answered = [p for p in results.values() if p.ms is not None]
    if answered:
        worst = max(answered, key=lambda p: p.slowest_ms)
        say(
            "every page, any user: the slowest query of each page "
            f"{', '.join(f'{p.slowest_ms:.0f}' for p in answered)} ms; the slowest ({worst.label}): {worst.slowest_sql}"
        )
    return results


# --- Dispatchers -------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    queries: int
    result: object


def dispatcher(entry: str) -> Callable[[], object]:
    """The task beat runs for the entry, called as beat's worker would: by its name."""
    task_name = beat_schedule()[entry]["task"]
    task = celery_app.tasks[task_name]
    return lambda: task.apply(throw=True).get()


class QueryCounter:
    """Counts the queries run through the connection. Not CaptureQueriesContext: its log keeps
    the last 9,000 only, and a dispatcher may run more."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_at(at: datetime, entry: str) -> Run:
    call = dispatcher(entry)
    counter = QueryCounter()
    with time_machine.travel(at, tick=True), connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return Run(seconds, counter.count, result)


def queued(result: object) -> int:
    """What a dispatcher says it did: a count, or a dict of counts (surveys)."""
    if isinstance(result, dict):
        return sum(v for v in result.values() if isinstance(v, int))
    return result if isinstance(result, int) else 0


def outbox_rows(kind_prefix: str) -> int:
    return model("accountability.OutboundEmail").objects.filter(kind__startswith=kind_prefix).count()


def dispatchers() -> dict[str, float]:
    celery_app.loader.import_default_modules()
    schedule = beat_schedule()
    figures = {}
    idle = []
    for entry in DISPATCHERS:
        if entry not in schedule:
            say(f"dispatcher {entry!r}: not in the beat schedule")
            continue
        run = run_at(IDLE_AT, entry)
        idle.append(run.seconds)
        say(
            f"dispatcher {entry}, nothing due: {run.seconds:.2f} s, {run.queries:,} queries "
            f"(queued {queued(run.result)})"
        )
    figures["idle"] = max(idle, default=0)

    first = run_at(REMINDERS_DUE_AT, "checkin-reminders")
    rows = outbox_rows("checkin_")
    say(
        f"check-in reminders, {queued(first.result):,} due: {first.seconds:.2f} s, {first.queries:,} queries "
        f"({rows:,} outbox rows)"
    )
    repeat = run_at(REMINDERS_DUE_AT, "checkin-reminders")
    say(
        f"check-in reminders, the same run repeated: {repeat.seconds:.2f} s, {repeat.queries:,} queries "
        f"(queued {queued(repeat.result)})"
    )
    figures["due"] = first.seconds

    digest = run_at(DIGEST_DUE_AT, "manager-digest")
    say(
        f"manager digests, {queued(digest.result):,} managers due: {digest.seconds:.2f} s, "
        f"{digest.queries:,} queries ({outbox_rows('manager_digest'):,} outbox rows)"
    )
    figures["digest"] = digest.seconds
    return figures


def main() -> None:
    started = time.perf_counter()
    log(
        f"bench: {TEAMS:,} teams of {PER_TEAM} (one of {BIG_TEAM}), {WEEKS} weeks of history, "
        f"{RUNS} runs a page, page timeout {PAGE_TIMEOUT}s"
    )
    if database_setup():
        build()
    broker = redis.Redis.from_url(REDIS_URL)
    run_setup(broker)
    try:
        with time_machine.travel(IDLE_AT, tick=True):
            results = pages()
        figures = dispatchers()
    finally:
        broker.flushdb()
        broker.close()
    say("outbox delivery, 1 and 2 workers: see bench/outbox.py")
    users = model("accountability.User").objects.count()
    overview, big = results["overview"], results["big"]
    log(f"total run time {time.perf_counter() - started:.0f}s")
    say(
        f"scale teams={TEAMS} users={users} "
        f"overview_ms={'timeout' if overview.ms is None else f'{overview.ms:.0f}'} "
        f"overview_kb={'timeout' if overview.ms is None else f'{overview.kb:.0f}'} "
        f"team500_dash_ms={'timeout' if big.ms is None else f'{big.ms:.0f}'} "
        f"dispatch_idle_s={figures['idle']:.2f} dispatch_due_s={figures['due']:.2f} "
        f"digest_s={figures['digest']:.2f} worker_rate=see-bench/outbox.py worker_speedup=see-bench/outbox.py"
    )


if __name__ == "__main__":
    main()
