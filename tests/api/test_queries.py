"""The API's lists and the calendar feed run a fixed number of queries, whatever the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api import services
from api.selectors import calendar_feed_url

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory
from .conftest import client_for


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("name", ["api_commitments", "api_checkins", "api_teams"])
def test_a_list_costs_the_same_for_three_rows_or_thirty(name, team, manager):
    client = client_for(manager)
    client.get(reverse("api_me"))  # last_used_at written once, before counting

    def grow(n):
        for _ in range(n):
            person = MembershipFactory(team=team).user
            CommitmentFactory(owner=manager, team=team)
            CheckInFactory(member=person, team=team)
            MembershipFactory(user=manager)

    grow(3)
    small = _count(client, reverse(name))
    grow(27)
    assert _count(client, reverse(name)) == small
    assert small <= 5


def test_the_calendar_feed_costs_the_same_for_one_commitment_or_twenty(client, team, member):
    feed = services.calendar_feed_regenerate(user=member)
    url = calendar_feed_url(feed).removeprefix("http://testserver")
    CommitmentFactory(owner=member, team=team)
    small = _count(client, url)
    for _ in range(19):
        CommitmentFactory(owner=member, team=team)
    MembershipFactory(user=member)
    assert _count(client, url) == small <= 4
