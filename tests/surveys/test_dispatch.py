"""The survey dispatcher (surveys.tasks.survey_dispatch, in the beat schedule): it opens rounds
with one invitation each, reminds only those who haven't answered (each reminder once), and
closes rounds on time. Run it as often as you like, or after hours down: each email goes once,
and nothing after a round closed."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accountability.models import OutboundEmail
from accountability.outbox import outbox_sweep
from surveys import services, tasks
from surveys.models import SurveyInvitation, SurveyRound

from .factories import answer_everything, make_round

pytestmark = pytest.mark.django_db

OPENS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7, hours=8)  # the next Monday 17:00
AFTER_OPENING = OPENS + services.REMINDER_AFTER_OPENING
BEFORE_CLOSING = CLOSES - services.REMINDER_BEFORE_CLOSING
LINK_RE = re.compile(r"http://testserver(/surveys/answer/[A-Za-z0-9_-]+/)")


@pytest.fixture
def round(team):
    return make_round(team, opens_at=OPENS, closes_at=CLOSES, invited=False)


@pytest.fixture
def people(member, teammate, crowd, manager):
    """Five members (invited) and a manager (not invited)."""
    return [member, teammate, *crowd]


def emails(kind: str) -> Counter:
    return Counter(OutboundEmail.objects.filter(kind=kind).values_list("to_email", flat=True))


def dispatch(at: datetime) -> dict:
    return services.survey_dispatch(now=at)


def answer(round, user, at: datetime) -> None:
    token = services.invitation_renew(round=round, user=user, now=at)
    services.response_submit(token=token, answers={int(k[1:]): v for k, v in answer_everything(round).items()}, now=at)


def test_nothing_happens_before_a_round_opens(round, people):
    assert dispatch(OPENS - timedelta(seconds=1)) == {"invited": 0, "reminded": 0, "closed": 0}
    assert not SurveyInvitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_opening_invites_each_member_once(round, people, manager):
    assert dispatch(OPENS)["invited"] == 5
    assert dispatch(OPENS + timedelta(minutes=5))["invited"] == 0

    assert emails("survey_invitation") == Counter(person.email for person in people)
    assert manager.email not in emails("survey_invitation")
    assert SurveyInvitation.objects.filter(round=round).count() == 5
    round.refresh_from_db()
    assert round.invited


def test_the_invitation_carries_a_link_that_opens_the_survey(client, round, member, time_machine):
    dispatch(OPENS)
    outbox_sweep()
    [message] = mail.outbox
    assert message.to == [member.email]
    assert "anonymous" in message.body
    path = LINK_RE.search(message.body).group(1)
    assert path in message.alternatives[0][0]  # the HTML part has the same link

    time_machine.move_to(OPENS + timedelta(hours=1), tick=False)
    assert client.get(path).status_code == 200
    time_machine.move_to(CLOSES, tick=False)
    assert client.get(path).status_code == 410  # valid until the round closes


def test_reminders_go_only_to_those_who_have_not_answered_once_each(round, people):
    member, teammate, *others = people
    dispatch(OPENS)
    answer(round, member, OPENS + timedelta(hours=2))

    assert dispatch(AFTER_OPENING - timedelta(minutes=1))["reminded"] == 0
    assert dispatch(AFTER_OPENING)["reminded"] == 4
    assert dispatch(AFTER_OPENING + timedelta(hours=1))["reminded"] == 0
    assert emails("survey_reminder") == Counter(person.email for person in [teammate, *others])

    answer(round, teammate, AFTER_OPENING + timedelta(hours=2))
    assert dispatch(BEFORE_CLOSING)["reminded"] == 3
    assert dispatch(BEFORE_CLOSING + timedelta(hours=3))["reminded"] == 0
    reminded = emails("survey_reminder")
    assert member.email not in reminded
    assert reminded[teammate.email] == 1  # only the first: they answered in between
    assert all(reminded[person.email] == 2 for person in others)


def test_the_reminder_links_to_the_signed_in_survey_page(round, member):
    dispatch(OPENS)
    dispatch(AFTER_OPENING)
    reminder = OutboundEmail.objects.get(kind="survey_reminder")
    assert f"http://testserver{reverse('survey_open', args=[round.pk])}" in reminder.body_text
    assert "/surveys/answer/" not in reminder.body_text


def test_in_a_short_round_only_the_last_reminder_goes(team, member):
    """Open two days: the day-before-closing reminder is due before the after-opening one
    would be, so that one never goes."""
    short = make_round(team, opens_at=OPENS, closes_at=OPENS + timedelta(days=2), invited=False)
    dispatch(OPENS)
    assert dispatch(OPENS + timedelta(days=1))["reminded"] == 1
    assert dispatch(OPENS + timedelta(days=1, hours=23))["reminded"] == 0
    keys = list(OutboundEmail.objects.filter(kind="survey_reminder").values_list("dedupe_key", flat=True))
    assert keys == [f"survey-reminder:{short.pk}:{member.pk}:before-closing"]


def test_after_hours_down_one_reminder_goes_not_two(round, people):
    dispatch(OPENS)
    assert dispatch(BEFORE_CLOSING + timedelta(hours=2))["reminded"] == 5
    assert set(OutboundEmail.objects.filter(kind="survey_reminder").values_list("dedupe_key", flat=True)) == {
        f"survey-reminder:{round.pk}:{person.pk}:before-closing" for person in people
    }


def test_nothing_goes_after_a_round_closes(round, people):
    dispatch(OPENS)
    sent = OutboundEmail.objects.count()

    done = dispatch(CLOSES)

    assert done == {"invited": 0, "reminded": 0, "closed": 1}
    round.refresh_from_db()
    assert round.closed
    assert dispatch(CLOSES + timedelta(days=1)) == {"invited": 0, "reminded": 0, "closed": 0}
    assert OutboundEmail.objects.count() == sent


def test_a_round_missed_entirely_while_down_is_closed_without_invitations(round, people):
    assert dispatch(CLOSES + timedelta(hours=1)) == {"invited": 0, "reminded": 0, "closed": 1}
    assert not SurveyInvitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_round_closed_early_gets_no_reminders(round, people, manager):
    dispatch(OPENS)
    services.round_close(round=round, actor=manager, now=OPENS + timedelta(days=1))
    assert dispatch(BEFORE_CLOSING)["reminded"] == 0
    assert not OutboundEmail.objects.filter(kind="survey_reminder").exists()


def test_the_task_is_a_thin_adapter(round, people, time_machine):
    time_machine.move_to(OPENS + timedelta(minutes=1), tick=False)
    assert tasks.survey_dispatch.apply().get() == {"invited": 5, "reminded": 0, "closed": 0}
    assert SurveyRound.objects.get().invited
