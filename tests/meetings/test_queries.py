"""How many SQL queries the series page and the dashboard run: the same with one meeting and
with a year of weekly meetings (points, carried points, action items), pinned."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Commitment, CommitmentSource, CommitmentStatus
from checkins.models import CheckIn
from meetings.models import ActionItem, AgendaPoint, Meeting, PrivateNote, Status
from meetings.services import meetings_ensure

from .conftest import next_meeting

pytestmark = pytest.mark.django_db

# Pinned. The series page: session, user, navigation teams; the series; the chosen meeting;
# the recent meetings with their counts; the meeting's points; its action items; the viewer's
# private note; the check-ins app's suggestions (check-ins, slipped commitments); for the
# manager, the team's other managers (to continue with another).
SERIES_PAGE = 12
# The team dashboard for its manager before this app: 13; the meetings app adds three
# aggregates (one-to-ones, team meetings, action items), the updates app five (its figures),
# the check-ins app one (the question versions asked in the weeks shown).
DASHBOARD = 22


def a_year_of_meetings(series, *, now):
    """52 past weekly meetings, each with three points (one carried on) and an action item."""
    team = series.team
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                series=series,
                team=team,
                starts_at=now - timedelta(weeks=k),
                on=team.today(now - timedelta(weeks=k)),
                status=Status.SKIPPED if k % 9 == 0 else Status.HELD,
                reason="Away" if k % 9 == 0 else "",
                shared_notes="Notes",
            )
            for k in range(1, 53)
        ]
    )
    points = AgendaPoint.objects.bulk_create(
        [
            AgendaPoint(meeting=m, author=series.member, text=f"Point {m.pk}-{i}", resolved=i > 0)
            for m in meetings
            for i in range(3)
        ]
    )
    AgendaPoint.objects.bulk_create(
        [
            AgendaPoint(meeting=meetings[i - 1], author=p.author, text=p.text, carried_from=p)
            for i, p in enumerate(points[3::3], 1)
        ]
    )
    PrivateNote.objects.bulk_create([PrivateNote(meeting=m, author=series.manager, body="Mine") for m in meetings])
    commitments = Commitment.objects.bulk_create(
        [
            Commitment(
                team=team,
                owner=series.member,
                week=team.current_week(m.starts_at).start,
                title=f"Item {m.pk}",
                due_date=m.on + timedelta(days=5),
                status=CommitmentStatus.DONE,
                source=CommitmentSource.ONE_TO_ONE,
            )
            for m in meetings
        ]
    )
    ActionItem.objects.bulk_create(
        [ActionItem(meeting=m, commitment=c) for m, c in zip(meetings, commitments, strict=True)]
    )
    CheckIn.objects.bulk_create(
        [
            CheckIn(
                member=series.member,
                team=team,
                week=team.current_week(now).start - timedelta(weeks=k),
                mood=3,
                blockers="b",
                support_requested="s",
            )
            for k in range(1, 53)
        ]
    )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_series_page_runs_the_same_queries_with_a_year_of_meetings(client, frozen, one_to_one, manager):
    client.force_login(manager)
    url = reverse("meeting_series", args=[one_to_one.pk])
    client.get(url)  # the session settles
    empty = _count(client, url)
    a_year_of_meetings(one_to_one, now=next_meeting(one_to_one).starts_at - timedelta(days=1))
    full = _count(client, url)
    past = _count(
        client, reverse("meeting_detail", args=[one_to_one.pk, one_to_one.meetings.order_by("starts_at")[5].pk])
    )
    print(f"series page queries: without history {empty}, with a year {full}, a past meeting {past}")
    assert empty == full == SERIES_PAGE
    assert past <= SERIES_PAGE


def test_the_dashboard_runs_the_same_queries_with_a_year_of_meetings(
    client, frozen, one_to_one, team_series, manager, team
):
    client.force_login(manager)
    url = reverse("team_dashboard", args=[team.slug]) + "?weeks=52"
    client.get(url)
    cache.clear()  # computed afresh, not read from the dashboard's cache (dashboard/freshness.py)
    empty = _count(client, url)
    now = next_meeting(one_to_one).starts_at - timedelta(days=1)
    a_year_of_meetings(one_to_one, now=now)
    meetings_ensure(series=team_series)
    full = _count(client, url)
    print(f"dashboard queries: without meetings {empty}, with a year {full}")
    assert empty == full == DASHBOARD
    page = client.get(url).content.decode()
    assert "One-to-ones held against their cadence" in page and "Meeting action items closed" in page
