"""Surveys that open now, open now (issue 10): a round scheduled to start now or earlier opens in
the same request, its invitations written in that transaction and its emails queued through
the outbox once it commits. And someone who joins a team while a round is open is invited: at
once (the core announces the change through accountability.hooks, the surveys app listens),
and, should that fail, by the dispatcher's next run, which asks the database once for every
round."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import services as core_services
from accountability.models import Invitation, Membership, OutboundEmail, Role
from accountability.outbox import outbox_schedule_sweep
from surveys import services
from surveys.models import SurveyInvitation, SurveyRound

from ..factories import MembershipFactory, TeamFactory, UserFactory
from .factories import invite, make_round, trust_pulse

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)  # 12:00 in London


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def members(team, member, teammate, crowd):
    return [member, teammate, *crowd]


def schedule(client, team, *, opens: str, closes: str = "2027-02-08T17:00"):
    return client.post(
        reverse("survey_schedule", args=[team.slug]),
        {"template": trust_pulse().pk, "opens_at": opens, "closes_at": closes, "repeat_every_weeks": ""},
    )


def invitation_emails() -> set[str]:
    return set(OutboundEmail.objects.filter(kind="survey_invitation").values_list("to_email", flat=True))


# --- Scheduling a round that starts now -----------------------------------------------------


@pytest.mark.parametrize("opens", ["2027-02-01T12:00", "2027-02-01T09:00"], ids=["now", "earlier today"])
def test_a_round_that_starts_now_or_earlier_opens_in_the_same_request(
    client, team, manager, members, frozen, django_capture_on_commit_callbacks, opens
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks() as callbacks:
        response = schedule(client, team, opens=opens)

    assert response.status_code == 302
    round = SurveyRound.objects.get()
    assert round.invited and not round.closed
    # It opened now: reminders count from when people were asked, not from the typed time.
    assert round.opens_at == NOW
    assert set(SurveyInvitation.objects.filter(round=round).values_list("user__email", flat=True)) == {
        person.email for person in members
    }
    assert invitation_emails() == {person.email for person in members}  # written with the round
    assert manager.email not in invitation_emails()
    # Delivery is asked for once, after the commit: one sweep, not a task per email.
    assert outbox_schedule_sweep in callbacks

    page = client.get(response.url)
    body = page.content.decode()
    assert "is open now" in body
    assert "Scheduled" not in body and 'class="badge text-bg-primary">Open<' in body
    assert reverse("survey_round_close", args=[round.pk]) in body
    # The dispatcher finds nothing more to do for it.
    assert services.survey_dispatch(now=NOW + timedelta(minutes=5))["invited"] == 0
    assert OutboundEmail.objects.filter(kind="survey_invitation").count() == len(members)


def test_a_round_that_starts_later_stays_scheduled_until_the_dispatcher_opens_it(
    client, team, manager, members, frozen
):
    client.force_login(manager)

    response = schedule(client, team, opens="2027-02-01T12:01")

    assert response.status_code == 302
    round = SurveyRound.objects.get()
    assert not round.invited
    assert not SurveyInvitation.objects.exists() and not OutboundEmail.objects.exists()
    assert "Invitations go out on Monday 1 February at 12:01" in client.get(response.url).content.decode()
    assert services.survey_dispatch(now=round.opens_at)["invited"] == len(members)


def test_opening_now_with_nobody_to_invite_still_opens(client, team, manager, frozen):
    client.force_login(manager)
    assert schedule(client, team, opens="2027-02-01T11:00").status_code == 302
    assert SurveyRound.objects.get().invited
    assert not SurveyInvitation.objects.exists()


def test_a_round_that_would_close_before_now_is_refused_not_opened(client, team, manager, members, frozen):
    client.force_login(manager)
    response = schedule(client, team, opens="2027-01-20T09:00", closes="2027-02-01T11:00")
    assert response.status_code == 422
    assert "Pick a closing time in the future." in response.content.decode()
    assert not SurveyRound.objects.exists() and not OutboundEmail.objects.exists()


# --- People who join while a round is open -------------------------------------------------


@pytest.fixture
def open_round(team, members, frozen):
    """Open since this morning, everyone of the time invited."""
    round = make_round(team, opens_at=NOW - timedelta(hours=3), closes_at=NOW + timedelta(days=6), invited=False)
    services.survey_dispatch(now=round.opens_at)
    assert SurveyInvitation.objects.filter(round=round).count() == len(members)
    return round


def invited_to(round) -> set[str]:
    return set(SurveyInvitation.objects.filter(round=round).values_list("user__email", flat=True))


def test_accepting_an_invitation_to_the_team_invites_to_the_open_round(
    team, manager, open_round, django_capture_on_commit_callbacks
):
    invitation = core_services.invitation_send(team=team, email="newcomer@example.org", invited_by=manager).invitation

    with django_capture_on_commit_callbacks(execute=True):
        core_services.invitation_accept(invitation=invitation, display_name="Nia Newcomer", password="x" * 12)

    assert "newcomer@example.org" in invited_to(open_round)
    assert "newcomer@example.org" in invitation_emails()


def test_an_existing_account_accepting_is_invited(team, manager, open_round, django_capture_on_commit_callbacks):
    someone = UserFactory(email="existing@example.org")
    invitation = Invitation.objects.create(team=team, email=someone.email, invited_by=manager)

    with django_capture_on_commit_callbacks(execute=True):
        core_services.invitation_accept_as(invitation=invitation, user=someone)

    assert someone.email in invited_to(open_round)


def test_an_existing_account_added_by_a_manager_is_invited(
    team, manager, open_round, django_capture_on_commit_callbacks
):
    someone = UserFactory(email="added@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        result = core_services.invitation_send(team=team, email=someone.email, invited_by=manager)

    assert result.added_existing_user
    assert someone.email in invited_to(open_round)


def test_a_manager_who_becomes_a_member_is_invited(team, manager, open_round, django_capture_on_commit_callbacks):
    second = MembershipFactory(team=team, role=Role.MANAGER, user__email="second.manager@example.org")
    assert second.user.email not in invited_to(open_round)

    with django_capture_on_commit_callbacks(execute=True):
        core_services.membership_set_role(membership=second, role=Role.MEMBER, actor=manager)

    assert second.user.email in invited_to(open_round)
    assert OutboundEmail.objects.filter(kind="survey_invitation", to_email=second.user.email).count() == 1


def test_joining_as_a_manager_or_an_inactive_person_invites_nobody(
    team, manager, open_round, django_capture_on_commit_callbacks
):
    before = invited_to(open_round)
    with django_capture_on_commit_callbacks(execute=True):
        core_services.membership_add(team=team, user=UserFactory(), role=Role.MANAGER)
        core_services.membership_add(team=team, user=UserFactory(is_active=False))
    assert invited_to(open_round) == before


def test_joining_invites_only_to_rounds_open_now(team, manager, members, frozen, django_capture_on_commit_callbacks):
    closed = make_round(team, opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=2), closed=True)
    later = make_round(team, opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=9), invited=False)
    elsewhere = make_round(TeamFactory(slug="elsewhere"))
    someone = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        core_services.membership_add(team=team, user=someone)

    assert not SurveyInvitation.objects.filter(user=someone).exists()
    assert not SurveyInvitation.objects.filter(round__in=[closed, later, elsewhere]).exists()


def test_joining_twice_invites_once(team, open_round, django_capture_on_commit_callbacks):
    someone = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        core_services.membership_add(team=team, user=someone)
        core_services.membership_add(team=team, user=someone)
    services.survey_member_joined(team_id=team.pk, user_id=someone.pk, now=NOW)
    assert SurveyInvitation.objects.filter(round=open_round, user=someone).count() == 1
    assert OutboundEmail.objects.filter(kind="survey_invitation", to_email=someone.email).count() == 1


def test_a_failing_hook_undoes_nothing_and_the_dispatcher_catches_up(
    team, open_round, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the survey side is down")

    monkeypatch.setattr("surveys.services.rounds._invite", broken)
    someone = UserFactory(email="late@example.org")
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        core_services.membership_add(team=team, user=someone)
    assert Membership.objects.filter(team=team, user=someone).exists()
    assert "the survey side is down" in caplog.text
    assert someone.email not in invited_to(open_round)
    monkeypatch.undo()

    assert services.survey_dispatch(now=NOW + timedelta(minutes=5))["invited"] == 1
    assert someone.email in invited_to(open_round)
    assert services.survey_dispatch(now=NOW + timedelta(minutes=10))["invited"] == 0


def test_the_dispatcher_invites_those_who_joined_without_a_word(team, open_round, members):
    """A membership written around the services (an import, a data fix) announces nothing:
    the dispatcher still finds the member missing an invitation."""
    quiet = MembershipFactory(team=team, role=Role.MEMBER).user
    MembershipFactory(team=team, role=Role.MANAGER)  # managers are not asked

    done = services.survey_dispatch(now=NOW + timedelta(minutes=5))

    assert done["invited"] == 1
    assert invited_to(open_round) == {person.email for person in [*members, quiet]}
    token_hashes = SurveyInvitation.objects.filter(round=open_round).values_list("token_hash", flat=True)
    assert len(set(token_hashes)) == len(members) + 1


def test_the_dispatcher_asks_the_database_once_for_every_round(frozen):
    """Opening and catching up cost the same few queries for one round or five, in one team or
    five (the emails go in with one insert)."""

    def rounds_in(teams: int) -> None:
        for _ in range(teams):
            team = TeamFactory()
            people = [MembershipFactory(team=team).user for _ in range(3)]
            make_round(team, opens_at=NOW - timedelta(minutes=1), closes_at=NOW + timedelta(days=6), invited=False)
            caught_up = make_round(team, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=5))
            invite(caught_up, people[0])  # the other two joined since it opened

    def queries() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            done = services.survey_dispatch(now=NOW)
        return len(captured), done

    rounds_in(1)
    one, done = queries()
    assert done["invited"] == 3 + 2
    rounds_in(5)
    five, done = queries()
    assert done["invited"] == 5 * (3 + 2)
    assert five == one, (one, five)
