"""Every beat dispatcher finds what is due with the same few queries for 10 teams or 1,000
(issue 13, item 1): none per team, nothing measurable when nothing is due, and when some teams
are due, a count that follows the emails' chunks, never the number of teams.

Each dispatcher is run as beat runs it: its registered beat entry's task, by name, through the
Celery app, so the test follows a dispatcher wherever its module lives. The organisation is
built with bulk_create (a manager and two members a team, in four zones, checking in on Fridays
at 16:00), and the clock is moved to fixed instants of one week (2026-W11, Monday 9 March).
"""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability.celery import app as celery_app
from accountability.models import Commitment, Membership, OutboundEmail, Role, Team, User, Weekday
from accountability.registry import beat_schedule

from . import utc

ZONES = ["UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York"]
DISPATCHERS = ["checkin-reminders", "commitments-overdue", "manager-digest", "surveys", "replies", "feedback-release"]
NOTHING_DUE_AT = utc(2026, 3, 12, 12, 0)  # Thursday: before any Friday check-in, digests over
# Wednesday 13:00 UTC: 03:00 in Honolulu (still in its digest window, which has closed in the
# four zones above), 13:00 in UTC.
SOME_DUE_AT = utc(2026, 3, 11, 13, 0)
MONDAY, FRIDAY = date(2026, 3, 9), date(2026, 3, 13)
MAX_IDLE_QUERIES = 10

pytestmark = pytest.mark.django_db


def organisation(teams: int, *, prefix: str = "t", **team_fields) -> list[Team]:
    """`teams` teams of a manager and two members, with an open commitment each due Friday
    (not overdue at either instant), in bulk: a few queries for a thousand teams."""
    built = Team.objects.bulk_create(
        Team(
            name=f"Team {prefix}{i}",
            slug=f"team-{prefix}{i}",
            **{
                "time_zone": ZONES[i % len(ZONES)],
                "checkin_weekday": Weekday.FRIDAY,
                "checkin_time": time(16, 0),
                **team_fields,
            },
        )
        for i in range(teams)
    )
    people = User.objects.bulk_create(
        User(email=f"p{k}.{prefix}{team.pk}@example.org", display_name=f"Person {k}", password="!")
        for team in built
        for k in range(3)
    )
    memberships = [
        Membership(
            team=team,
            user=people[3 * i + k],
            role=Role.MANAGER if k == 0 else Role.MEMBER,
            joined_at=utc(2026, 1, 5, 9, 0),
        )
        for i, team in enumerate(built)
        for k in range(3)
    ]
    Membership.objects.bulk_create(memberships)
    Commitment.objects.bulk_create(
        Commitment(
            owner=m.user, created_by=m.user, team=m.team, week=MONDAY, title="Ship it", due_date=date(2026, 3, 13)
        )
        for m in memberships
        if m.role == Role.MEMBER
    )
    return built


def run(entry: str, at: datetime, time_machine) -> tuple[int, object]:
    """Run a beat entry's task at an instant; (queries, its result)."""
    celery_app.loader.import_default_modules()
    task = celery_app.tasks[beat_schedule()[entry]["task"]]
    time_machine.move_to(at, tick=False)
    with CaptureQueriesContext(connection) as queries:
        result = task.apply(throw=True).get()
    return len(queries), result


@pytest.mark.parametrize("entry", DISPATCHERS)
def test_nothing_due_costs_the_same_few_queries_for_10_or_1000_teams(entry, time_machine):
    organisation(10, prefix="a")
    small, result = run(entry, NOTHING_DUE_AT, time_machine)
    assert not OutboundEmail.objects.exists(), result

    organisation(990, prefix="b")
    assert Team.objects.count() == 1000
    large, result = run(entry, NOTHING_DUE_AT, time_machine)
    assert not OutboundEmail.objects.exists(), result

    assert large == small <= MAX_IDLE_QUERIES


def some_due_then_scale(entry: str, time_machine, due_teams) -> tuple[int, int, int]:
    """(queries with 10 other teams, queries with 1,000, emails written each time): the same
    five teams are due both times, the outbox emptied in between."""
    due_teams()
    organisation(10, prefix="a")
    small, _ = run(entry, SOME_DUE_AT, time_machine)
    emails = OutboundEmail.objects.count()
    assert emails > 0
    OutboundEmail.objects.all().delete()
    organisation(990, prefix="b")
    large, _ = run(entry, SOME_DUE_AT, time_machine)
    assert OutboundEmail.objects.count() == emails
    return small, large, emails


def test_reminders_due_in_some_teams_cost_what_those_teams_need(time_machine):
    """Five teams check in on Wednesdays at 13:00 UTC; the others on Fridays."""
    small, large, emails = some_due_then_scale(
        "checkin-reminders",
        time_machine,
        lambda: organisation(
            4, prefix="due", time_zone="UTC", checkin_weekday=Weekday.WEDNESDAY, checkin_time=time(13, 0)
        ),
    )
    assert emails == 4 * 2
    assert large == small <= 15


def test_overdue_notes_in_some_teams_cost_what_those_teams_need(time_machine):
    def due():
        for team in organisation(4, prefix="due"):
            Commitment.objects.filter(team=team).update(due_date=date(2026, 3, 10))

    small, large, emails = some_due_then_scale("commitments-overdue", time_machine, due)
    # The due teams are in the first zones (UTC, Berlin, Tokyo: past 09:00) and New York
    # (09:00 has come at 13:00 UTC too).
    assert emails == 4 * 2
    assert large == small <= 15


def test_digests_due_in_some_teams_cost_what_those_teams_need(time_machine):
    """Five teams in Honolulu, whose Monday-morning digest is still due on Wednesday 03:00."""
    small, large, emails = some_due_then_scale(
        "manager-digest",
        time_machine,
        lambda: organisation(5, prefix="due", time_zone="Pacific/Honolulu"),
    )
    assert emails == 5
    # The same for 10 teams as for 1,000, and for 5 teams due as for 500: the dashboard's
    # figures come from a fixed set of aggregate queries per chunk (and one for the chunk's
    # one-to-ones), the updates, leadership and recognition figures too (five a chunk:
    # dashboard.trust.updates_figures_by_team).
    print(f"digest queries: {small} with 10 other teams, {large} with 1,000")
    assert large == small <= 22
