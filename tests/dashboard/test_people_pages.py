"""A big team's dashboard: the People table comes a page at a time, while the team's figures
still count everyone; sparklines keep their accessible names."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from accountability.models import Role
from dashboard.pages import MEMBERS_PER_PAGE
from dashboard.templatetags.dashboard_tags import sparkline

from ..factories import MembershipFactory, TeamFactory
from .test_queries import QUERIES, populate

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def big(db):
    team = TeamFactory(time_zone="Europe/London")
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    people = populate(team, manager, members=MEMBERS_PER_PAGE * 2 + 3, weeks=3)
    return team, manager, people


def test_people_come_a_page_at_a_time_and_the_figures_count_everyone(client, big, django_assert_num_queries):
    team, manager, people = big
    client.force_login(manager)
    url = reverse("team_dashboard", args=[team.slug]) + "?weeks=4"
    client.get(url)
    cache.clear()  # computed afresh, not read from the dashboard's cache (dashboard/freshness.py)

    with django_assert_num_queries(QUERIES["team_dashboard"]["manager"]):
        first = client.get(url)
    last = client.get(url + "&people=3")

    board = first.context["dashboard"]
    assert len(board.members) == len(people)
    assert board.card.total.checkins == len(people) * 3  # the team's figures: everyone
    assert len(board.members_page) == MEMBERS_PER_PAGE
    assert len(last.context["dashboard"].members_page) == 3
    html = first.content.decode()
    assert html.count('<th scope="row" class="fw-normal">') == MEMBERS_PER_PAGE
    assert 'aria-label="Pages of people"' in html
    assert f"People 1–{MEMBERS_PER_PAGE} of {len(people)}" in html
    assert "people=2#people-heading" in html
    # Each row keeps its sparkline with its numbers as its name.
    assert html.count('<svg class="sparkline"') >= MEMBERS_PER_PAGE
    # Nonsense pages are a page, not an error.
    assert client.get(url + "&people=abc").context["dashboard"].members_page.number == 1
    assert client.get(url + "&people=999").context["dashboard"].members_page.number == 3


def test_a_small_team_has_no_pages(client, db):
    team = TeamFactory(time_zone="Europe/London")
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    populate(team, manager, members=4, weeks=2)
    client.force_login(manager)

    html = client.get(reverse("team_dashboard", args=[team.slug])).content.decode()

    assert 'aria-label="Pages of people"' not in html
    assert html.count('<th scope="row" class="fw-normal">') == 4


def test_sparkline_draws_lines_dots_and_names_every_figure():
    svg = sparkline([0.5, None, 1.0, 0.25, None], "Follow-through", 1.0, "follow_through")

    assert svg.startswith('<svg class="sparkline" width="96" height="24"')
    assert 'aria-label="Follow-through, week by week: 50%, no figure, 100%, 25%, no figure"' in svg
    assert "<title>Follow-through, week by week: 50%, no figure, 100%, 25%, no figure</title>" in svg
    assert svg.count("<polyline") == 1  # weeks 3 and 4 joined
    assert svg.count("<circle") == 1  # week 1 alone: a dot
    assert 'points="48.0,2.0 72.0,17.0"' in svg


def test_sparkline_without_figures_says_so_and_escapes_its_label():
    html = sparkline([None, None], "<b>Mood</b>", 0, "")

    assert "—" in html and "svg" not in html
    assert "&lt;b&gt;Mood&lt;/b&gt;, week by week: no figure, no figure" in html
