"""Who sees what on the dashboard pages, beyond the matrix in tests/accountability/test_permissions.py:
organisation admins see a team's figures but never individual moods, check-ins or "Needs you"."""

import pytest
from django.urls import reverse

from accountability.models import Role

from ..factories import CheckInFactory, MembershipFactory, TeamFactory

SECRET_SUPPORT = "SUPPORT-5521 please"
SECRET_BLOCKER = "BLOCKER-5521"


@pytest.fixture
def checked_in(team, member, teammate):
    CheckInFactory(member=member, team=team, mood=1, support_requested=SECRET_SUPPORT, blockers=SECRET_BLOCKER)
    CheckInFactory(member=teammate, team=team, mood=5)


def test_manager_sees_needs_you_and_individual_moods(client, team, manager, member, checked_in):
    client.force_login(manager)

    response = client.get(reverse("team_dashboard", args=[team.slug]))

    body = response.content.decode()
    assert response.context["dashboard"].individual is True
    assert "Needs you" in body
    assert SECRET_SUPPORT in body
    rows = {row.user: row.average_mood for row in response.context["dashboard"].members}
    assert rows[member] == 1
    assert '<th scope="col">Mood</th>' in body


def test_org_admin_sees_figures_without_individual_moods_or_what_people_wrote(
    client, team, org_admin, member, checked_in
):
    client.force_login(org_admin)

    response = client.get(reverse("team_dashboard", args=[team.slug]))

    body = response.content.decode()
    board = response.context["dashboard"]
    assert board.individual is False
    assert board.needs == [] and board.overdue is None
    assert 'id="needs-heading"' not in body
    assert SECRET_SUPPORT not in body and SECRET_BLOCKER not in body
    assert '<th scope="col">Mood</th>' not in body
    # Two moods are fewer than the team's anonymity threshold: no average either.
    assert board.mood_trend[-1] is None
    assert board.card.total.checkins == 2


def test_org_admin_drill_down_shows_figures_only(client, team, org_admin, member, checked_in):
    client.force_login(org_admin)

    response = client.get(reverse("team_dashboard_member", args=[team.slug, member.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["dashboard"].checkins == [] and response.context["dashboard"].commitments == []
    assert SECRET_SUPPORT not in body and SECRET_BLOCKER not in body
    assert "mood" not in response.context["dashboard"].chart_configs
    assert [chart.key for chart in response.context["dashboard"].charts] == ["checkins", "follow_through"]


def test_manager_drill_down_shows_check_ins_and_moods(client, team, manager, member, checked_in):
    client.force_login(manager)

    response = client.get(reverse("team_dashboard_member", args=[team.slug, member.pk]))

    body = response.content.decode()
    assert SECRET_BLOCKER in body
    assert [chart.key for chart in response.context["dashboard"].charts] == ["checkins", "follow_through", "mood"]
    assert response.context["dashboard"].figures.user == member


def test_org_admin_export_has_no_mood_column(client, team, org_admin, manager, checked_in):
    def header(user):
        client.force_login(user)
        response = client.get(reverse("team_dashboard_export", args=[team.slug]))
        return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]

    assert "Average mood" in header(manager)
    assert "Average mood" not in header(org_admin)


@pytest.mark.parametrize("whose", ["manager", "other_team_member", "outsider", "nobody"])
def test_drill_down_is_only_for_the_teams_members(client, team, other_team, manager, outsider, whose):
    people = {
        "manager": manager,
        "other_team_member": MembershipFactory(team=other_team, role=Role.MEMBER).user,
        "outsider": outsider,
    }
    user_id = people[whose].pk if whose in people else 987654
    client.force_login(manager)

    response = client.get(reverse("team_dashboard_member", args=[team.slug, user_id]))

    assert response.status_code == 404


def test_manager_of_two_teams_sees_both_cards_and_nothing_else(client, team, other_team, manager, other_manager):
    third = TeamFactory(name="Zeta", slug="zeta")
    MembershipFactory(team=third, role=Role.MANAGER, user=manager)
    MembershipFactory(team=other_team, role=Role.MEMBER, user=manager)  # a member there, not a manager
    client.force_login(manager)

    cards = client.get(reverse("dashboard_overview")).context["cards"]

    assert [card.team for card in cards] == [team, third]


def test_other_manager_sees_only_their_own_team(client, team, other_team, other_manager):
    client.force_login(other_manager)

    response = client.get(reverse("dashboard_overview"))

    assert [card.team for card in response.context["cards"]] == [other_team]
    assert team.name not in response.content.decode()


def test_org_admin_overview_lists_every_team(client, team, other_team, org_admin):
    client.force_login(org_admin)

    cards = client.get(reverse("dashboard_overview")).context["cards"]

    assert [card.team for card in cards] == [team, other_team]


@pytest.mark.parametrize("name", ["team_dashboard", "team_dashboard_export"])
def test_pages_refuse_post(client, team, manager, name):
    client.force_login(manager)

    response = client.post(reverse(name, args=[team.slug]))

    assert response.status_code == 405


def test_a_manager_of_another_team_gets_404_everywhere(client, team, member, other_manager):
    client.force_login(other_manager)

    for url in [
        reverse("team_dashboard", args=[team.slug]),
        reverse("team_dashboard_member", args=[team.slug, member.pk]),
        reverse("team_dashboard_export", args=[team.slug]),
    ]:
        assert client.get(url).status_code == 404


def test_navigation_links_managers_to_their_dashboard(client, team, manager, member):
    client.force_login(manager)
    client.get(reverse("team_detail", args=[team.slug]))

    body = client.get(reverse("team_detail", args=[team.slug])).content.decode()

    assert reverse("team_dashboard", args=[team.slug]) in body
    client.force_login(member)
    body = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert reverse("team_dashboard", args=[team.slug]) not in body
