"""Who may do what with pulse surveys. The pages × personas matrix is in
tests/accountability/test_permissions.py (PAGES); here the permission functions themselves
and what the matrix does not show."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from surveys import permissions
from surveys.models import SurveyRound

from .factories import invite, make_round

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]


def _user(personas, persona):
    return personas[persona] or AnonymousUser()


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_view_surveys(personas, team, other_team, persona):
    user = _user(personas, persona)
    assert permissions.can_view_surveys(user, team) is (persona in {"manager", "org_admin"})
    assert permissions.can_view_surveys(user, other_team) is (persona in {"other_manager", "org_admin"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_run_surveys(personas, team, other_team, persona):
    """Running a team's surveys is for its own managers; admins read, they don't run."""
    user = _user(personas, persona)
    assert permissions.can_run_surveys(user, team) is (persona == "manager")
    assert permissions.can_run_surveys(user, other_team) is (persona == "other_manager")


@pytest.mark.parametrize("name", ["survey_round_close", "survey_round_cancel"])
def test_actions_refuse_get(client, manager, team, name):
    round = make_round(
        team, opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=8), invited=False
    )
    client.force_login(manager)
    assert client.get(reverse(name, args=[round.pk])).status_code == 405
    round.refresh_from_db()
    assert not round.closed


@pytest.mark.parametrize("persona", ["org_admin", "other_manager", "member"])
def test_only_the_team_s_managers_close_or_cancel(client, personas, team, member, persona):
    open_round = make_round(team)
    invite(open_round, member)
    scheduled = make_round(
        team, opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=8), invited=False
    )
    client.force_login(personas[persona])
    assert client.post(reverse("survey_round_close", args=[open_round.pk])).status_code == 404
    assert client.post(reverse("survey_round_cancel", args=[scheduled.pk])).status_code == 404
    open_round.refresh_from_db()
    assert not open_round.closed
    assert SurveyRound.objects.filter(pk=scheduled.pk).exists()


def test_the_answer_link_is_the_permission_whoever_holds_it(client, team, member, outsider):
    """Not the signed-in person: the link. An outsider holding a member's link may answer with
    it (as they could forward an email), and the answer counts once."""
    round = make_round(team)
    token = invite(round, member)
    client.force_login(outsider)
    assert client.get(reverse("survey_answer", args=[token])).status_code == 200
