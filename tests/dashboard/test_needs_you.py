""" "Needs you" and the overdue list: what a manager can act on first, each item linking to the
page where they act, each list capped with "and N more"."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from accountability.dashboard import NEEDS_LIMIT
from accountability.models import CommitmentStatus, Membership, Role
from accountability.weeks import Week

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory

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


def test_check_ins_outside_the_range_are_not_listed(client, team, member, manager):
    long_ago = Week(team.current_week().start - timedelta(weeks=20))
    CheckInFactory(member=member, team=team, week=long_ago.start, support_requested="Old")
    client.force_login(manager)

    assert _needs(client, team)[0]["support"].total == 0
    assert _needs(client, team, weeks=21)[0]["support"].total == 1


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
