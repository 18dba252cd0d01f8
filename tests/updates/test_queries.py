"""The team page, the week page and the team dashboard run the same number of queries with a
few or many updates, reads, thanks and leadership events: the new pieces are read in SQL, a
fixed number of queries each, never one per row."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import LeadershipEvent, Role
from tests.factories import MembershipFactory
from updates import services
from updates.models import UpdateRead
from updates.selectors import UPDATES_PER_PAGE

# Pinned, with thanks on the page: the team page runs 13 for a manager (3 of them the thanks,
# their recipients and their values, 1 the latest updates, 1 the leadership history; without
# any thanks the two prefetches do not run: 11, tests/accountability/test_teams.py); the week
# page 12 (its panel: unread updates, thanks received that week with recipients and values);
# the team dashboard 18 for a manager (5 for the updates, leadership and recognition figures).
# The check-ins app's questions: +1 on each (this week's shared answers on the team page, the
# week's questions, the versions asked in the dashboard's weeks).
PINNED = {"team_detail": 14, "this_week": 12, "team_dashboard": 22}


def _grow(team, manager, member, values, n: int) -> None:
    now = timezone.now()
    people = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(n)]
    for i in range(n):
        update = services.update_post(
            author=manager, team=team, title=f"Update {i}", body=f"*{i}*", now=now - timedelta(days=i % 20)
        )
        UpdateRead.objects.bulk_create([UpdateRead(update=update, user=p) for p in people[: i + 1]])
        services.recognition_give(
            giver=people[i], recipients=[member, people[(i + 1) % n]], values=values, message=f"thanks {i}"
        )
        LeadershipEvent.objects.create(
            team=team, person_name=f"P{i}", from_role=Role.MEMBER, to_role=Role.MANAGER, manager_change=True
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("page", "who"), [("team_detail", "manager"), ("this_week", "member"), ("team_dashboard", "manager")]
)
def test_query_counts_do_not_grow_with_updates_thanks_or_history(
    client, team, manager, member, values, page, who, django_assert_max_num_queries
):
    viewer = {"manager": manager, "member": member}[who]
    client.force_login(viewer)
    url = reverse(page, args=[team.slug])
    _grow(team, manager, member, values, 2)
    client.get(url)  # the first visit stores the current team in the session
    cache.clear()  # the dashboard computed afresh, not read from its cache (dashboard/freshness.py)
    small = _count(client, url)
    _grow(team, manager, member, values, 25)
    with django_assert_max_num_queries(PINNED[page]):
        large = _count(client, url)
    assert large == small == PINNED[page]


# The updates app's own pages: the session and user, the navigation's teams, then the page's
# reads (the team with the viewer's role; the updates with their authors and teams; an
# update with its read count, the receipt, the viewer's responses; thanks with their
# recipients and values).
OWN_PAGES = {"team_updates": 5, "update_detail": 7, "recognition_mine": 8}


@pytest.mark.parametrize("page", list(OWN_PAGES))
def test_the_updates_pages_do_not_grow_with_the_data(
    client, team, manager, member, values, page, django_assert_max_num_queries
):
    client.force_login(member)
    _grow(team, manager, member, values, 2)
    first = team.updates.order_by("pk").first()

    def url():
        if page == "team_updates":
            return reverse("team_updates", args=[team.slug])
        if page == "update_detail":
            return reverse("update_detail", args=[first.pk])
        return reverse("recognition_mine")

    client.get(url())
    small = _count(client, url())
    _grow(team, manager, member, values, 25)
    with django_assert_max_num_queries(OWN_PAGES[page]):
        large = _count(client, url())
    assert large == small == OWN_PAGES[page]


def test_the_updates_list_comes_a_page_at_a_time(client, team, manager, member, django_assert_max_num_queries):
    """Newest first, UPDATES_PER_PAGE at a time, "Older updates" continuing after the last one
    shown; nonsense in the link is the first page, never an error."""
    now = timezone.now()
    for i in range(UPDATES_PER_PAGE + 3):
        services.update_post(author=manager, team=team, title=f"Update {i:02d}", body="x", now=now - timedelta(hours=i))
    client.force_login(member)
    url = reverse("team_updates", args=[team.slug])
    client.get(url)

    with django_assert_max_num_queries(OWN_PAGES["team_updates"]):
        first = client.get(url)
    titles = [u.title for u in first.context["updates"]]
    assert titles == [f"Update {i:02d}" for i in range(UPDATES_PER_PAGE)]
    older = first.context["next_before"]
    assert f"?before={older}" in first.content.decode()
    assert 'aria-label="Pages of updates"' in first.content.decode()

    with django_assert_max_num_queries(OWN_PAGES["team_updates"]):
        second = client.get(url, {"before": older})
    assert [u.title for u in second.context["updates"]] == [
        f"Update {i:02d}" for i in range(UPDATES_PER_PAGE, UPDATES_PER_PAGE + 3)
    ]
    assert second.context["next_before"] is None
    assert "Newest" in second.content.decode()

    for nonsense in ("abc", "-1", "99999999999999999999", "0"):
        response = client.get(url, {"before": nonsense})
        assert response.status_code == 200
        assert [u.title for u in response.context["updates"]] == titles
