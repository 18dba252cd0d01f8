from datetime import UTC, datetime, time

import pytest
import time_machine

from accountability.models import Role
from meetings import services
from meetings.models import Cadence

from ..factories import MembershipFactory

# A Wednesday morning in London (Monday 9 March 2026 starts the week).
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def co_manager(team):
    """Another manager of the same team: still must not see someone else's one-to-one."""
    return MembershipFactory(
        team=team, role=Role.MANAGER, user__email="co.manager@example.org", user__display_name="Cora Comanager"
    ).user


@pytest.fixture
def one_to_one(frozen, team, manager, member):
    """Weekly on Thursdays at 10:00 London, started by the manager."""
    return services.series_start(
        team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=3, local_time=time(10, 0)
    )


@pytest.fixture
def team_series(frozen, team, manager, member, teammate):
    return services.team_series_start(
        team=team, actor=manager, cadence=Cadence.WEEKLY, weekday=0, local_time=time(9, 30)
    )


def next_meeting(series):
    return series.meetings.filter(status="planned").order_by("starts_at").first()
