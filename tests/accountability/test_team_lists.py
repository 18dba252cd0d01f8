"""Lists of teams a page at a time, searchable (accountability/paging.py): the organisation
admin's home and team directory, the overview of dashboards, the surveys page; the navigation
lists only the person's own teams and gives admins a search box."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Membership, Role, Team
from accountability.paging import PAGE_SIZE
from dashboard.views import OVERVIEW_PAGE_SIZE
from tests.factories import MembershipFactory, TeamFactory, UserFactory

# Queries per page, the same for 3 teams or 30 (and 10,000: tests/accountability/test_plans.py).
#   team_list (org admin): session, user, the navigation's own teams, one page of teams.
#   home (org admin): the same, and first whether they are in a team (to go to their week).
#   survey_list (org admin): the same, plus the person's open invitations.
#   dashboard_overview (org admin): the same as home, plus the page's members, their three kinds
#     of counts and their time away.
QUERIES = {"home": 5, "team_list": 4, "survey_list": 5, "dashboard_overview": 9}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _teams(n: int, prefix: str = "Team") -> list[Team]:
    """`n` teams, each with two members (so the overview has figures to count)."""
    teams = Team.objects.bulk_create(
        [Team(name=f"{prefix} {i:03d}", slug=f"{prefix.lower()}-{i:03d}", time_zone="Europe/London") for i in range(n)]
    )
    people = [UserFactory(), UserFactory()]
    Membership.objects.bulk_create(
        [Membership(team=team, user=person, role=Role.MEMBER) for team in teams for person in people]
    )
    return teams


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", list(QUERIES))
def test_a_page_of_teams_costs_the_same_queries_for_3_teams_or_30(client, org_admin, name):
    client.force_login(org_admin)
    url = reverse(name)
    _teams(3, "Small")
    client.get(url)
    small = _count(client, url)
    _teams(27, "Large")
    large = _count(client, url)
    assert small == large == QUERIES[name]


@pytest.mark.parametrize("name", ["home", "team_list", "survey_list", "dashboard_overview"])
def test_an_admin_pages_through_every_team_a_page_at_a_time(client, org_admin, name):
    size = OVERVIEW_PAGE_SIZE if name == "dashboard_overview" else PAGE_SIZE
    teams = _teams(size + 5)
    client.force_login(org_admin)
    url = reverse(name)

    first = client.get(url)
    names = _names(first)
    assert names == [team.name for team in teams[:size]]
    page = first.context["page"]
    assert page.previous_link is None and page.next_link

    second = client.get(url + page.next_link)
    assert _names(second) == [team.name for team in teams[size:]]
    assert second.context["page"].next_link is None

    back = client.get(url + second.context["page"].previous_link)
    assert _names(back) == names


def _names(response) -> list[str]:
    page = response.context["page"]
    return [team.name for team in page.teams]


def test_teams_with_the_same_name_are_neither_skipped_nor_repeated(client, org_admin):
    Team.objects.bulk_create(
        [Team(name="Same", slug=f"same-{i}", time_zone="Europe/London") for i in range(PAGE_SIZE + 3)]
    )
    client.force_login(org_admin)
    url = reverse("team_list")
    first = client.get(url)
    second = client.get(url + first.context["page"].next_link)
    slugs = [t.slug for t in first.context["page"].teams + second.context["page"].teams]
    assert sorted(slugs) == sorted(Team.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == PAGE_SIZE + 3


@pytest.mark.parametrize("name", ["team_list", "survey_list", "dashboard_overview"])
def test_the_search_finds_a_team_by_any_part_of_its_name(client, org_admin, name):
    _teams(40)
    TeamFactory(name="Customer Success", slug="customer-success")
    client.force_login(org_admin)

    response = client.get(reverse(name), {"q": "  sUCCe "})

    assert _names(response) == ["Customer Success"]
    assert 'value="sUCCe"' in response.content.decode()
    nothing = client.get(reverse(name), {"q": "no such team"})
    assert _names(nothing) == []
    assert "No team’s name contains “no such team”" in nothing.content.decode()


def test_the_search_is_kept_when_paging_and_the_weeks_too(client, org_admin):
    _teams(OVERVIEW_PAGE_SIZE + 2, "Ops")
    _teams(3, "Sales")
    client.force_login(org_admin)
    first = client.get(reverse("dashboard_overview"), {"q": "ops", "weeks": "4"})
    link = first.context["page"].next_link
    assert "q=ops" in link and "weeks=4" in link
    second = client.get(reverse("dashboard_overview") + link)
    assert [n[:3] for n in _names(second)] == ["Ops", "Ops"]
    assert second.context["cards"][0].range.count == 4


@pytest.mark.parametrize("query", ["?after=abc", "?before=-3", "?after=99999999", "?q=" + "x" * 500, "?q=%00%25_"])
def test_odd_addresses_answer_a_page_not_an_error(client, org_admin, query):
    _teams(3)
    client.force_login(org_admin)
    for name in ["team_list", "dashboard_overview", "survey_list"]:
        assert client.get(reverse(name) + query).status_code == 200


def test_an_htmx_search_answers_the_results_only(client, org_admin):
    _teams(3)
    client.force_login(org_admin)
    for name, region in [
        ("team_list", "team-directory"),
        ("dashboard_overview", "overview-results"),
        ("survey_list", "survey-teams"),
    ]:
        body = client.get(reverse(name), {"q": "team 001"}, **HTMX).content.decode()
        assert body.lstrip().startswith(f'<div id="{region}"'), name
        assert "<html" not in body
        assert "Team 001" in body and "Team 002" not in body


def test_the_search_box_fetches_results_with_htmx_and_works_without(client, org_admin):
    client.force_login(org_admin)
    _teams(3)
    body = client.get(reverse("dashboard_overview")).content.decode()
    form = re.search(r'<form method="get"\s+action="/dashboard/"\s+role="search"[^>]*>', body, re.S).group(0)
    assert 'hx-get="/dashboard/"' in form
    assert "input changed delay:300ms" in form
    assert 'name="q"' in body and "htmx.min.js" in body


# --- Who sees which teams -------------------------------------------------------------------


def test_the_directory_shows_someone_only_their_own_teams(client, member, team, other_team):
    _teams(5)
    client.force_login(member)
    assert _names(client.get(reverse("team_list"))) == [team.name]
    assert _names(client.get(reverse("team_list"), {"q": other_team.name})) == []


def test_the_overview_and_surveys_show_a_manager_only_the_teams_they_manage(client, manager, team, other_team):
    member_of = TeamFactory(name="Also in")
    MembershipFactory(team=member_of, user=manager, role=Role.MEMBER)
    client.force_login(manager)
    for name in ["dashboard_overview", "survey_list"]:
        assert _names(client.get(reverse(name))) == [team.name]
        assert _names(client.get(reverse(name), {"q": other_team.name})) == []


def test_someone_who_manages_no_team_has_no_overview_even_with_a_search(client, member):
    client.force_login(member)
    assert client.get(reverse("dashboard_overview")).status_code == 404
    assert client.get(reverse("dashboard_overview"), {"q": "x"}).status_code == 404


def test_the_team_switcher_lists_the_persons_own_teams_and_admins_get_a_search_box(client, org_admin, member, team):
    _teams(30)
    MembershipFactory(team=TeamFactory(name="Admin's own"), user=org_admin, role=Role.MANAGER)
    client.force_login(org_admin)
    response = client.get(reverse("team_list"))
    assert [t.name for t in response.context["nav_teams"]] == ["Admin's own"]
    assert 'id="nav-team-search"' in response.content.decode()

    client.force_login(member)
    response = client.get(reverse("profile"))
    assert [t.name for t in response.context["nav_teams"]] == [team.name]
    assert 'id="nav-team-search"' not in response.content.decode()
