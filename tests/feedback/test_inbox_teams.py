"""The inbox across many teams: a manager of several teams and an organisation admin (feedback
routed to the admins) see one page of threads, for the same queries with 3 teams or 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Role
from feedback.views.managers import INBOX_PAGE_SIZE

from ..factories import MembershipFactory, TeamFactory
from .factories import FeedbackThreadFactory

# Session, user, the navigation's teams, the inbox check (not for an admin: they all have
# one), the page of threads and its count.
INBOX_QUERIES = {"manager": 6, "org_admin": 5}


def _count(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _teams_with_feedback(n: int, *, manager=None, to_admins: bool = False) -> None:
    for _ in range(n):
        team = TeamFactory()
        if manager is not None:
            MembershipFactory(team=team, user=manager, role=Role.MANAGER)
        FeedbackThreadFactory(team=team, to_admins=to_admins)
        FeedbackThreadFactory(team=team, to_admins=to_admins)


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_the_inbox_costs_the_same_for_3_teams_or_30_and_shows_a_page(db, client, request, persona):
    person = request.getfixturevalue(persona)
    options = {"manager": person} if persona == "manager" else {"to_admins": True}
    client.force_login(person)
    url = reverse("feedback_inbox")

    _teams_with_feedback(3, **options)
    small, response = _count(client, url)
    assert len(response.context["page"].object_list) == 6

    _teams_with_feedback(27, **options)
    large, response = _count(client, url)

    assert small == large == INBOX_QUERIES[persona]
    assert len(response.context["page"].object_list) == INBOX_PAGE_SIZE
    assert response.context["page"].paginator.count == 60
