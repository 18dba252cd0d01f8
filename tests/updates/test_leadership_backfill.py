"""The data migration records today's managers as arrivals, at the time they joined."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accountability.models import LeadershipEvent, Membership, Role
from tests.factories import TeamFactory, UserFactory

BEFORE = [("accountability", "0008_leadershipevent")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_current_managers_become_arrivals():
    team = TeamFactory()
    joined = datetime(2025, 5, 1, 9, tzinfo=UTC)
    boss = UserFactory(display_name="Bea Boss")
    Membership.objects.create(team=team, user=boss, role=Role.MANAGER, joined_at=joined)
    Membership.objects.create(team=team, user=UserFactory(), role=Role.MEMBER)
    try:
        _migrate(BEFORE)
        LeadershipEvent.objects.all().delete()
        _migrate(None)
        events = list(LeadershipEvent.objects.all())
        assert [(e.user_id, e.person_name, e.from_role, e.to_role, e.manager_change, e.at) for e in events] == [
            (boss.pk, "Bea Boss", "", "manager", True, joined)
        ]
    finally:
        _migrate(None)
