"""The digest's updates, leadership and recognition figures for many teams at once
(dashboard.trust.updates_figures_by_team) are each team's own (updates_figures), in five queries
whatever the number of teams."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability.models import LeadershipEvent, Role
from dashboard.trust import updates_figures, updates_figures_by_team
from updates import services
from updates.models import UpdateRead, Value

from ..factories import MembershipFactory, TeamFactory

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _team(zone: str, n: int, values: list[Value]):
    team = TeamFactory(time_zone=zone)
    manager = MembershipFactory(team=team, role=Role.MANAGER, joined_at=NOW - timedelta(days=90)).user
    people = [
        MembershipFactory(team=team, role=Role.MEMBER, joined_at=NOW - timedelta(days=90)).user for _ in range(n + 1)
    ]
    for i in range(n):
        update = services.update_post(
            author=manager, team=team, title=f"Update {i}", body="News", now=NOW - timedelta(days=8 + 2 * i)
        )
        for person in people[: i + 1]:
            UpdateRead.objects.create(update=update, user=person, read_at=update.created_at + timedelta(days=i))
        services.recognition_give(
            giver=manager,
            recipients=people[: 2 + i % 2],
            values=values[: 1 + i % 2],
            message="Thank you",
            now=NOW - timedelta(days=9 + i),
        )
        LeadershipEvent.objects.create(
            team=team,
            person_name=f"P{i}",
            from_role=Role.MEMBER,
            to_role=Role.MANAGER,
            manager_change=True,
            at=NOW - timedelta(days=10 + i),
        )
    return team


def test_many_teams_at_once_are_each_teams_own_figures(db):
    values = [
        Value.objects.create(name="Candour", meaning="Kindly.", order=1),
        Value.objects.create(name="Ownership", meaning="Our word.", order=2),
    ]
    teams = [
        _team("Europe/London", 3, values),
        _team("Pacific/Honolulu", 1, values),
        _team("Asia/Tokyo", 4, values),
        _team("Europe/London", 0, values),
    ]
    # Each team's last two weeks, in its own zone.
    weeks = {
        team.pk: [team.current_week(NOW).previous().previous(), team.current_week(NOW).previous()] for team in teams
    }
    one_by_one = {team.pk: updates_figures(team, weeks[team.pk], NOW) for team in teams}

    with CaptureQueriesContext(connection) as queries:
        together = updates_figures_by_team(teams, weeks, NOW)

    assert together == one_by_one
    assert len(queries) == 5
    assert one_by_one[teams[0].pk]["updates_posted"][0] > 0
    assert one_by_one[teams[2].pk]["recognition_by_value"][0]
    assert one_by_one[teams[2].pk]["manager_changes"][0] > 0
    assert one_by_one[teams[3].pk]["updates_posted"] == (0.0, None)
