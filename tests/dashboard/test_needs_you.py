""" "Needs you" and the overdue list: what a manager can act on first, each item linking to the
page where they act, each list capped with "and N more"."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from accountability.models import CommitmentStatus, Membership, Role
from accountability.weeks import Week
from dashboard.needs import NEEDS_LIMIT

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory
from .test_queries import QUERIES

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)  # Wednesday of W11, London
TODAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _needs(client, team, **params):
    response = client.get(reverse("team_dashboard", args=[team.slug]), params)
    board = response.context["dashboard"]
    return {needs.key: needs for needs in board.needs}, board.overdue, response.content.decode()


def test_each_check_in_appears_once_under_the_first_list_that_fits(client, team, member, teammate, manager):
    week = team.current_week().previous()
    support = CheckInFactory(member=member, team=team, week=week.start, support_requested="Pairing", blockers="CI")
    blocked = CheckInFactory(member=teammate, team=team, week=week.start, blockers="Waiting on legal")
    quiet = CheckInFactory(member=member, team=team, week=week.previous().start)
    CheckInFactory(member=teammate, team=team, week=week.previous().start, acknowledged_at=NOW, acknowledged_by=manager)
    # Acknowledged but the support request is still open: still needs an answer.
    answered_not = CheckInFactory(
        member=teammate,
        team=team,
        week=team.current_week().start,
        support_requested="A day off",
        acknowledged_at=NOW,
        acknowledged_by=manager,
    )
    CheckInFactory(member=manager, team=team, week=week.start, support_requested="Managers' own: not here")
    client.force_login(manager)

    needs, _, body = _needs(client, team)

    assert [c.pk for c in needs["support"].items] == [support.pk, answered_not.pk]
    assert [c.pk for c in needs["blockers"].items] == [blocked.pk]
    assert [c.pk for c in needs["unacknowledged"].items] == [quiet.pk]
    for checkin in [support, blocked, quiet, answered_not]:
        assert reverse("checkin_detail", args=[checkin.pk]) in body
    assert "Managers' own" not in body


def test_lists_are_capped_and_say_how_many_more(client, team, manager):
    people = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(NEEDS_LIMIT + 3)]
    for person in people:
        CheckInFactory(member=person, team=team, support_requested="Help")
    client.force_login(manager)

    needs, _, body = _needs(client, team)

    assert len(needs["support"].items) == NEEDS_LIMIT
    assert needs["support"].total == NEEDS_LIMIT + 3
    assert "and 3 more" in body


def test_support_answered_and_check_ins_acknowledged_leave_the_lists(client, team, member, manager):
    CheckInFactory(
        member=member,
        team=team,
        support_requested="Help",
        support_answered_at=NOW,
        acknowledged_at=NOW,
        acknowledged_by=manager,
    )
    client.force_login(manager)

    needs, _, body = _needs(client, team)

    assert all(not n.items and n.total == 0 for n in needs.values())
    assert "No open support requests." in body


def test_check_ins_outside_the_range_wait_only_while_they_ask_for_something(client, team, member, manager):
    """A support request or a blocker waits for an answer however old it is; a check-in that
    only waits for its acknowledgement is listed for the weeks the dashboard shows."""
    long_ago = Week(team.current_week().start - timedelta(weeks=20))
    support = CheckInFactory(member=member, team=team, week=long_ago.start, support_requested="Old")
    CheckInFactory(member=member, team=team, week=long_ago.previous().start)  # just unacknowledged
    client.force_login(manager)

    needs = _needs(client, team)[0]
    assert [c.pk for c in needs["support"].items] == [support.pk]
    assert needs["unacknowledged"].total == 0
    needs = _needs(client, team, weeks=22)[0]
    assert needs["support"].total == 1
    assert needs["unacknowledged"].total == 1


def test_proposals_declined_in_the_last_two_weeks(client, team, member, manager):
    recent = CommitmentFactory(
        owner=member,
        team=team,
        created_by=manager,
        status=CommitmentStatus.DECLINED,
        resolved_on=TODAY - timedelta(days=14),
        title="Write the runbook",
    )
    CommitmentFactory(
        owner=member,
        team=team,
        created_by=manager,
        status=CommitmentStatus.DECLINED,
        resolved_on=TODAY - timedelta(days=15),
        title="Old proposal",
    )
    client.force_login(manager)

    needs, _, body = _needs(client, team)

    assert [c.pk for c in needs["declined"].items] == [recent.pk]
    assert reverse("commitment_detail", args=[recent.pk]) in body
    assert "Old proposal" not in body


def test_overdue_lists_open_commitments_due_in_the_range_whose_date_passed(client, team, member, teammate, manager):
    Membership.objects.filter(team=team).update(joined_at=datetime(2025, 1, 6, tzinfo=UTC))
    overdue = CommitmentFactory(owner=member, team=team, due_date=TODAY - timedelta(days=1), title="Ship importer")
    CommitmentFactory(owner=teammate, team=team, due_date=TODAY, title="Due today")  # not yet overdue
    CommitmentFactory(
        owner=member, team=team, due_date=TODAY - timedelta(days=2), status=CommitmentStatus.DONE, title="Done one"
    )
    CommitmentFactory(owner=manager, team=team, due_date=TODAY - timedelta(days=2), title="Manager's own")
    client.force_login(manager)

    _, listed, body = _needs(client, team)

    assert [c.pk for c in listed.items] == [overdue.pk]
    assert listed.total == 1
    assert reverse("commitment_detail", args=[overdue.pk]) in body
    assert "Due today" not in body and "Manager's own" not in body


def _weeks_back(team, n: int) -> Week:
    return Week(team.current_week().start - timedelta(weeks=n))


def test_every_open_support_request_and_blocker_is_listed_whatever_the_range(client, team, member, teammate, manager):
    support = CheckInFactory(member=member, team=team, week=_weeks_back(team, 30).start, support_requested="Old ask")
    blocker = CheckInFactory(member=teammate, team=team, week=_weeks_back(team, 12).start, blockers="Old blocker")
    # Answered or acknowledged long ago: nothing waits.
    CheckInFactory(
        member=member,
        team=team,
        week=_weeks_back(team, 29).start,
        support_requested="ANSWERED-4471",
        support_answered_at=NOW,
    )
    CheckInFactory(
        member=teammate,
        team=team,
        week=_weeks_back(team, 11).start,
        blockers="ACKNOWLEDGED-4471",
        acknowledged_at=NOW,
        acknowledged_by=manager,
    )
    recent = CheckInFactory(member=member, team=team, support_requested="This week's ask")
    client.force_login(manager)
    two_months_ago = {"from": _weeks_back(team, 9).label, "to": _weeks_back(team, 8).label}

    for params in [{}, {"weeks": 1}, two_months_ago]:
        needs, _, body = _needs(client, team, **params)
        assert [c.pk for c in needs["support"].items] == [support.pk, recent.pk], params
        assert [c.pk for c in needs["blockers"].items] == [blocker.pk], params
        assert "Old ask" in body and "Old blocker" in body
        assert "ANSWERED-4471" not in body and "ACKNOWLEDGED-4471" not in body


def test_needs_you_reads_the_same_queries_however_many_old_requests_wait(
    client, team, manager, django_assert_num_queries
):
    """Pinned like the rest of the dashboard (tests/dashboard/test_queries.py), with requests far
    older than the one week shown."""
    people = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(3)]
    CheckInFactory(member=people[0], team=team, week=_weeks_back(team, 40).start, support_requested="Help")
    client.force_login(manager)
    url = reverse("team_dashboard", args=[team.slug]) + "?weeks=1"
    client.get(url)
    cache.clear()  # computed afresh, not read from the dashboard's cache (dashboard/freshness.py)
    with django_assert_num_queries(QUERIES["team_dashboard"]["manager"]):
        small = client.get(url).context["dashboard"]

    for back in range(1, 40):
        for n, person in enumerate(people):
            CheckInFactory(
                member=person,
                team=team,
                week=_weeks_back(team, back).start,
                support_requested="Help" if n == 0 else "",
                blockers="Stuck" if n == 1 else "",
            )
    with django_assert_num_queries(QUERIES["team_dashboard"]["manager"]):
        large = client.get(url).context["dashboard"]

    totals = {needs.key: needs.total for needs in small.needs}
    assert (totals["support"], totals["blockers"], totals["unacknowledged"]) == (1, 0, 0)
    totals = {needs.key: needs.total for needs in large.needs}
    assert (totals["support"], totals["blockers"], totals["unacknowledged"]) == (40, 39, 0)
    assert [len(needs.items) for needs in large.needs[:3]] == [NEEDS_LIMIT, NEEDS_LIMIT, 0]
