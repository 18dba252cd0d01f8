"""How many SQL queries the dashboard pages run: the same for 5 and for 200 members, and for one
week or two years of history, and never more than the pinned number.

Every kind of figure is one aggregate query over the range (dashboard/); a
count that grows with the data is a query per member or per week, usually a template reaching
through a relation the selectors did not load.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Commitment, CommitmentSource, CommitmentStatus, Membership, Role, Team, User
from checkins.models import CheckIn, Comment

from ..factories import MembershipFactory, TeamFactory

# A Wednesday afternoon in London.
NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
LONG_AGO = datetime(2023, 1, 2, tzinfo=UTC)

# Pinned counts. Every page: the session and the user; every HTML page also the navigation's
# teams.
#   team_dashboard: the team with the viewer's role; the members; the check-in, commitment-outcome
#     and commitments-made counts (each grouped by member and week); the members' time away; the feedback app's figures
#     (feedback.selectors and surveys.selectors.trust_figures: two queries while no survey round has enough answers);
#     the meetings app's figures (meetings.selectors.trust_figures: one-to-ones, team meetings, action items);
#     for the team's managers "Needs you" (check-ins, then commitments: each list capped in SQL).
#   team_dashboard_member: the team, the person's membership, the three kinds of counts, their
#     time away, and for
#     the team's managers the person's check-ins and commitments.
#     Then the team-level updates, leadership and recognition figures (dashboard/trust.py
#     updates_figures): updates posted, their audiences, reads within a week, recognition for
#     each value, manager changes.
#   team_dashboard_export: the dashboard without "Needs you" or the navigation.
#   dashboard_overview: the teams managed, their members, the three kinds of counts, time away.
#   team_dashboard_cached: the same page again while its data has not changed (dashboard/
#     freshness.py): the session, the user, the team with its data's fingerprint, the navigation.
QUERIES = {
    # Team dashboard and export: +5 for updates posted and read, manager changes and recognition
    # for each value (dashboard/trust.py updates_figures), whatever the data; +3 for the
    # meetings' figures (meetings.selectors.trust_figures). The team's check-in questions: +1
    # for the dashboard (the versions asked; +2 more once any is beyond the default set, for the
    # figures and the text answers: tests/dashboard/test_question_queries.py), +2 for the export
    # (the versions, the answers stored on the check-ins; +1 with other questions).
    "team_dashboard": {"manager": 22, "org_admin": 20},
    "team_dashboard_cached": {"manager": 4, "org_admin": 4},
    "team_dashboard_member": {"manager": 11, "org_admin": 9},
    "team_dashboard_export": {"manager": 20},
    "dashboard_overview": {"manager": 9},
}
CEILING = 25


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def populate(team: Team, manager: User, *, members: int, weeks: int) -> list[User]:
    """`members` people, each with `weeks` weeks of history up to this week: a check-in a week
    (some late, some asking for support or naming blockers, most acknowledged, some replied to)
    and commitments ending every way there is, plus declined proposals. Written in bulk."""
    prefix = f"{team.slug}-{members}-{weeks}"
    users = User.objects.bulk_create(
        [User(email=f"{prefix}-{i}@example.org", display_name=f"Person {i:03d}") for i in range(members)]
    )
    Membership.objects.bulk_create(
        [Membership(team=team, user=user, role=Role.MEMBER, joined_at=LONG_AGO) for user in users]
    )
    current = team.current_week()
    checkins, commitments = [], []
    outcomes = [
        (CommitmentStatus.DONE, 0),
        (CommitmentStatus.DONE, 2),
        (CommitmentStatus.RENEGOTIATED, 0),
        (CommitmentStatus.PARTLY_DONE, 1),
        (CommitmentStatus.LET_GO, 0),
        (CommitmentStatus.OPEN, None),
        (CommitmentStatus.DECLINED, 0),
    ]
    for n, user in enumerate(users):
        for back in range(weeks):
            week = current.start - timedelta(weeks=back)
            submitted = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=UTC)
            checkins.append(
                CheckIn(
                    member=user,
                    team=team,
                    week=week,
                    mood=1 + (n + back) % 5,
                    highlights="Shipped it",
                    blockers="Waiting on review" if (n + back) % 4 == 0 else "",
                    support_requested="Pairing, please" if (n + back) % 3 == 0 else "",
                    submitted_at=submitted,
                    is_late=(n + back) % 2 == 0,
                    acknowledged_at=submitted + timedelta(hours=5) if (n + back) % 5 else None,
                    acknowledged_by=manager if (n + back) % 5 else None,
                    support_answered_at=submitted + timedelta(days=1) if (n + back) % 6 == 0 else None,
                )
            )
            due = week + timedelta(days=4)
            for status, late in outcomes:
                proposed = status == CommitmentStatus.DECLINED
                commitments.append(
                    Commitment(
                        owner=user,
                        team=team,
                        week=week,
                        title=f"{status} {back}",
                        due_date=due,
                        status=status,
                        source=CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
                        created_by=manager if proposed else user,
                        resolved_on=None if late is None else due + timedelta(days=late),
                    )
                )
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
    Commitment.objects.bulk_create(commitments, batch_size=2000)
    Comment.objects.bulk_create(
        [
            Comment(checkin=c, team=team, member=c.member, author=manager, body="Thank you")
            for c in checkins
            if c.acknowledged_at and c.mood >= 4
        ],
        batch_size=2000,
    )
    return users


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


SHAPES = {"5 members, 1 week": (5, 1), "200 members, 2 weeks": (200, 2), "5 members, 104 weeks": (5, 104)}


def _measure(client, personas, persona, url_for, django_assert_max_num_queries, *, cached=None) -> dict[str, int]:
    """The page's queries for each shape, computed afresh (the dashboard's cache emptied after
    the first visit); `cached` (a dict): and each shape's count for the next visit."""
    counts = {}
    for label, (members, weeks) in SHAPES.items():
        team = TeamFactory(time_zone="Europe/London")
        manager = MembershipFactory(team=team, role=Role.MANAGER).user
        people = populate(team, manager, members=members, weeks=weeks)
        viewer = manager if persona == "manager" else personas[persona]
        client.force_login(viewer)
        url = url_for(team, people[0])
        client.get(url)  # the first visit may store the current team in the session
        cache.clear()
        with django_assert_max_num_queries(CEILING):
            counts[label] = _count(client, url)
        if cached is not None:
            cached[label] = _count(client, url)
    return counts


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_team_dashboard(client, personas, persona, django_assert_max_num_queries):
    cached = {}
    counts = _measure(
        client,
        personas,
        persona,
        lambda team, person: reverse("team_dashboard", args=[team.slug]) + "?weeks=52",
        django_assert_max_num_queries,
        cached=cached,
    )

    assert set(counts.values()) == {QUERIES["team_dashboard"][persona]}, counts
    assert set(cached.values()) == {QUERIES["team_dashboard_cached"][persona]}, cached


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_member_drill_down(client, personas, persona, django_assert_max_num_queries):
    counts = _measure(
        client,
        personas,
        persona,
        lambda team, person: reverse("team_dashboard_member", args=[team.slug, person.pk]) + "?weeks=52",
        django_assert_max_num_queries,
    )

    assert set(counts.values()) == {QUERIES["team_dashboard_member"][persona]}, counts


def test_export(client, personas, django_assert_max_num_queries):
    counts = _measure(
        client,
        personas,
        "manager",
        lambda team, person: reverse("team_dashboard_export", args=[team.slug]) + "?weeks=52",
        django_assert_max_num_queries,
    )

    assert set(counts.values()) == {QUERIES["team_dashboard_export"]["manager"]}, counts


def test_overview_does_not_grow_with_teams_members_or_history(client, db, django_assert_max_num_queries):
    manager = MembershipFactory(team=TeamFactory(time_zone="Pacific/Auckland"), role=Role.MANAGER).user
    first = manager.memberships.get().team
    populate(first, manager, members=5, weeks=1)
    client.force_login(manager)
    url = reverse("dashboard_overview")
    client.get(url)
    small = _count(client, url)

    for zone, (members, weeks) in [("America/New_York", (200, 2)), ("Asia/Kolkata", (5, 104))]:
        team = TeamFactory(time_zone=zone)
        MembershipFactory(team=team, role=Role.MANAGER, user=manager)
        populate(team, manager, members=members, weeks=weeks)
    with django_assert_max_num_queries(CEILING):
        large = _count(client, url)

    assert small == large == QUERIES["dashboard_overview"]["manager"]
    cards = client.get(url).context["cards"]
    assert [card.member_count for card in cards] == [5, 200, 5]
    assert all(card.card.total.checkins for card in cards)


def test_the_figures_are_what_the_data_says(client, db):
    """The pinned counts measure a page that really computed something."""
    team = TeamFactory(time_zone="Europe/London")
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    populate(team, manager, members=4, weeks=10)
    client.force_login(manager)

    board = client.get(reverse("team_dashboard", args=[team.slug]) + "?weeks=8").context["dashboard"]

    # Per member and week: six commitments came due (the declined proposal never does) in
    # each past week; this week's (due Friday) are not yet due, except those already settled.
    assert board.card.total.checkins == 4 * 8
    assert board.card.total.came_due == 4 * 7 * 6 + 4 * 5
    assert board.card.values["done_on_time"] == pytest.approx((4 * 8) / board.card.total.came_due)
    assert len(board.members) == 4
    assert {needs.key: needs.total > 0 for needs in board.needs} == {
        "support": True,
        "blockers": True,
        "unacknowledged": True,
        "declined": True,
    }
