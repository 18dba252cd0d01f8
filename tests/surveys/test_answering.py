"""Answering a pulse survey from the emailed link: no sign-in, once, and a clear word when the
link can't be used. And the reminders' signed-in link, which issues a fresh one."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from surveys import services
from surveys.models import QuestionKind, SurveyAnswer, SurveyInvitation, SurveyResponse

from ..factories import MembershipFactory
from .factories import answer_everything, invite, make_round, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def round(team):
    return make_round(team)


@pytest.fixture
def token(round, member):
    return invite(round, member)


def answer_url(token: str) -> str:
    return reverse("survey_answer", args=[token])


def test_the_link_opens_the_survey_without_signing_in(client, round, token):
    response = client.get(answer_url(token))

    assert response.status_code == 200
    body = response.content.decode()
    for question in round.template.questions.all():
        assert escape(question.text) in body
    assert "This is anonymous." in body
    # A 1-5 scale of big buttons with words at both ends, for each statement.
    assert body.count('class="btn-check"') == 10 * 5
    assert "Strongly disagree" in body and "Strongly agree" in body
    assert ">5, strongly agree</span>" in body  # each button's full name for screen readers
    assert body.count("(optional)") == 1  # the comment says so itself
    assert 'name="csrfmiddlewaretoken"' not in body
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="referrer" content="no-referrer">' in body


def test_answering_stores_one_response_and_says_thank_you(round, token, member):
    client = Client(enforce_csrf_checks=True)  # the link is the key: no CSRF token needed
    data = answer_everything(round, value=5, comment="Thanks for the calmer sprints.")

    response = client.post(answer_url(token), data)

    # Changed with issue 10: the thanks page is a redirect away (post/redirect/get).
    assert response.status_code == 302
    assert not response.cookies
    thanks = client.get(response.url)
    assert thanks.status_code == 200
    assert "Thank you. Your answers are in" in thanks.content.decode()
    assert not thanks.cookies
    [stored] = SurveyResponse.objects.filter(round=round)
    values = dict(SurveyAnswer.objects.filter(response=stored).values_list("question__kind", "value").distinct())
    assert values == {QuestionKind.AGREEMENT: 5, QuestionKind.TEXT: None}
    assert stored.answers.get(question__kind=QuestionKind.TEXT).text == "Thanks for the calmer sprints."
    assert SurveyInvitation.objects.get(round=round, user=member).answered is True


def test_a_second_submit_is_told_the_first_one_counted(client, round, token):
    data = answer_everything(round, value=4)
    assert client.post(answer_url(token), data).status_code == 302  # to the thanks page

    again = client.post(answer_url(token), answer_everything(round, value=1))

    assert again.status_code == 410
    assert "You've already answered this survey" in again.content.decode()
    assert SurveyResponse.objects.filter(round=round).count() == 1
    assert set(SurveyAnswer.objects.exclude(value=None).values_list("value", flat=True)) == {4}
    # Opening the used link says the same.
    assert client.get(answer_url(token)).status_code == 410


def test_reloading_or_going_back_after_answering_creates_nothing(client, round, token, member):
    """Post/redirect/get: the page after sending is a GET of an address without the token, so a
    reload shows it again and sends nothing; going back to the link, or sending the form again
    from the browser's history, is told kindly that the answers are in."""
    data = answer_everything(round, value=5)

    sent = client.post(answer_url(token), data)

    assert sent.status_code == 302
    thanks_url = sent.url
    assert thanks_url.startswith("/surveys/thanks/") and token not in thanks_url
    assert sent["Referrer-Policy"] == "no-referrer"
    for _ in range(2):  # the page, then a reload
        thanks = client.get(thanks_url)
        assert thanks.status_code == 200
        assert "Thank you. Your answers are in" in thanks.content.decode()
        assert "no-store" in thanks["Cache-Control"] and thanks["Referrer-Policy"] == "no-referrer"
        assert not thanks.cookies
    assert client.post(thanks_url, data).status_code == 405  # it takes no answers
    back = client.get(answer_url(token))
    resent = client.post(answer_url(token), data)
    for response in (back, resent):
        assert response.status_code == 410
        body = response.content.decode()
        assert "You've already answered this survey" in body and "Thank you." in body
    assert SurveyResponse.objects.filter(round=round).count() == 1
    assert SurveyInvitation.objects.get(round=round, user=member).answered


def test_the_thanks_page_names_only_a_round_its_key_was_signed_for(client, round, team):
    key = services.survey_thanks_key(round)
    assert client.get(reverse("survey_thanks", args=[key])).status_code == 200
    round_id, signature = key.split(":", 1)
    other = make_round(team)
    for forged in (f"{other.pk}:{signature}", f"{round_id}:{signature[:-2]}xx", "nonsense", f"{round.pk}"):
        response = client.get(reverse("survey_thanks", args=[forged]))
        assert response.status_code == 404, forged
        assert "This link doesn't open a survey" in response.content.decode()


def test_a_missing_answer_is_pointed_out_and_nothing_is_stored(client, round, token):
    data = answer_everything(round, value=3)
    first, second = list(data)[:2]
    del data[first]

    response = client.post(answer_url(token), data)

    assert response.status_code == 422
    body = response.content.decode()
    assert "Please answer this one." in body
    assert f'id="id_{first}_error"' in body
    assert f'id="id_{second}_2"' in body and re.search(
        rf'id="id_{second}_2"\s+value="3"\s+autocomplete="off"\s+checked', body
    )
    assert not SurveyResponse.objects.exists()
    assert not SurveyInvitation.objects.get(token_hash__isnull=False).answered


def test_a_value_outside_the_scale_is_refused(client, round, token):
    data = answer_everything(round)
    data[next(iter(data))] = "6"
    assert client.post(answer_url(token), data).status_code == 422
    assert not SurveyResponse.objects.exists()


def test_every_kind_of_question_is_answered_and_stored(client, team, member, manager):
    template = make_template(
        [
            {"text": "We share what we learn.", "kind": QuestionKind.AGREEMENT, "strategy": "transparency"},
            {"text": "How likely are you to recommend the team?", "kind": QuestionKind.SCALE_10},
            {"text": "Best day for retros?", "kind": QuestionKind.CHOICE, "choices": ["Monday", "Friday"]},
            {"text": "Anything else?", "kind": QuestionKind.TEXT, "required": False},
        ],
        created_by=manager,
    )
    round = make_round(team, template=template)
    token = invite(round, member)
    q = {question.kind: question for question in template.questions.all()}

    page = client.get(answer_url(token)).content.decode()
    assert page.count('class="btn-check"') == 5 + 11 + 2
    assert "0: not at all" in page and "Friday" in page

    response = client.post(
        answer_url(token),
        {f"q{q['agreement'].pk}": "2", f"q{q['scale_10'].pk}": "10", f"q{q['choice'].pk}": "1"},
    )

    assert response.status_code == 302  # to the thanks page
    stored = dict(SurveyAnswer.objects.values_list("question__kind", "value"))
    assert stored == {"agreement": 2, "scale_10": 10, "choice": 1}


@pytest.mark.parametrize(
    ("setup", "status", "says"),
    [
        ("closed", 410, "This survey has closed"),
        ("past_closing", 410, "This survey has closed"),
        ("not_open", 404, "This survey isn't open yet"),
    ],
)
def test_a_link_that_cannot_be_used_says_why(client, team, member, setup, status, says):
    now = timezone.now()
    if setup == "closed":
        round = make_round(team, closed=True, closes_at=now - timedelta(minutes=1))
    elif setup == "past_closing":  # the dispatcher hasn't closed it yet: the time has
        round = make_round(team, closes_at=now - timedelta(minutes=1), opens_at=now - timedelta(days=7))
    else:
        round = make_round(team, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=7))
    token = invite(round, member)

    for response in (client.get(answer_url(token)), client.post(answer_url(token), answer_everything(round))):
        assert response.status_code == status
        assert says in response.content.decode()
        assert not response.cookies
    assert not SurveyResponse.objects.exists()


def test_an_unknown_link_is_not_found(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.get(answer_url("not-a-real-link"))
    assert response.status_code == 404
    assert "This link doesn't open a survey" in response.content.decode()
    # Refusals are not logged: django.request's record would carry the address with the link.
    assert not [record for record in caplog.records if record.name == "django.request"]


def test_answering_after_the_round_closed_is_refused(client, round, token, manager):
    page = client.get(answer_url(token))
    assert page.status_code == 200
    services.round_close(round=round, actor=manager)

    response = client.post(answer_url(token), answer_everything(round))

    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_signed_in_answerer_gets_no_cookie_either(client, round, token, member):
    client.force_login(member)
    client.get(reverse("survey_list"))  # the CSRF cookie, as any signed-in page sets it
    assert client.cookies.get("csrftoken")

    page = client.get(answer_url(token))
    sent = client.post(answer_url(token), answer_everything(round))
    thanks = client.get(sent.url)
    for response, status in ((page, 200), (sent, 302), (thanks, 200)):
        assert response.status_code == status
        assert not response.cookies, response.cookies


# --- The reminders' link: a fresh single-use link for the signed-in person ---------------------


def test_the_reminder_link_only_asks_on_get_and_changes_nothing(client, round, token, member):
    """A GET (a link scanner, an image tag on another site) must not retire the emailed link."""
    client.force_login(member)

    response = client.get(reverse("survey_open", args=[round.pk]))

    assert response.status_code == 200
    assert f'action="{reverse("survey_open", args=[round.pk])}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    answered = client.post(answer_url(token), answer_everything(round))  # the emailed link still works
    assert answered.status_code == 302
    assert answered.url.startswith("/surveys/thanks/")


def test_the_reminder_link_issues_a_fresh_link_and_retires_the_emailed_one(client, round, token, member):
    client.force_login(member)

    response = client.post(reverse("survey_open", args=[round.pk]))

    assert response.status_code == 302
    fresh = response.url
    assert fresh.startswith("/surveys/answer/") and fresh != answer_url(token)
    assert "no-store" in response["Cache-Control"]
    assert client.get(answer_url(token)).status_code == 404  # the old link stopped working
    assert client.post(fresh, answer_everything(round)).status_code == 302  # to the thanks page
    assert SurveyInvitation.objects.get(round=round, user=member).answered


def test_the_reminder_link_after_answering_says_so(client, round, token, member):
    client.post(answer_url(token), answer_everything(round))
    client.force_login(member)
    for response in (
        client.get(reverse("survey_open", args=[round.pk])),
        client.post(reverse("survey_open", args=[round.pk])),
    ):
        assert response.status_code == 410
        assert "You've already answered this survey" in response.content.decode()


def test_the_reminder_link_after_closing_says_so(client, team, member):
    round = make_round(team, closed=True, closes_at=timezone.now() - timedelta(hours=1))
    invite(round, member)
    client.force_login(member)
    for response in (
        client.get(reverse("survey_open", args=[round.pk])),
        client.post(reverse("survey_open", args=[round.pk])),
    ):
        assert response.status_code == 410
        assert "This survey has closed" in response.content.decode()


def test_the_reminder_link_is_not_found_for_someone_not_invited(client, round, token, teammate):
    client.force_login(teammate)
    for method in (client.get, client.post):
        assert method(reverse("survey_open", args=[round.pk])).status_code == 404
        assert method(reverse("survey_open", args=[round.pk + 1000])).status_code == 404


# --- Someone's own list ----------------------------------------------------------------------


def test_the_surveys_page_lists_open_invitations_with_their_links(client, team, member, teammate):
    open_round = make_round(team)
    answered_round = make_round(team)
    closed_round = make_round(team, closed=True, closes_at=timezone.now() - timedelta(hours=1))
    not_mine = make_round(team)
    invite(open_round, member)
    invite(answered_round, member, answered=True)
    invite(closed_round, member)
    invite(not_mine, teammate)
    client.force_login(member)

    response = client.get(reverse("survey_list"))

    assert response.status_code == 200
    assert [i.round_id for i in response.context["invitations"]] == sorted(
        [open_round.pk, answered_round.pk], key=lambda pk: (open_round.closes_at, pk)
    )
    body = response.content.decode()
    assert reverse("survey_open", args=[open_round.pk]) in body
    assert reverse("survey_open", args=[answered_round.pk]) not in body
    assert "Answered, thank you" in body
    assert reverse("survey_open", args=[closed_round.pk]) not in body
    assert reverse("survey_open", args=[not_mine.pk]) not in body
    assert not response.context["page"].teams  # a member runs no team's surveys


def test_the_surveys_page_links_managers_to_their_teams(client, team, manager, other_team):
    client.force_login(manager)
    response = client.get(reverse("survey_list"))
    assert response.context["page"].teams == [team]
    assert reverse("survey_rounds", args=[team.slug]) in response.content.decode()
    assert reverse("survey_rounds", args=[other_team.slug]) not in response.content.decode()


def test_every_signed_in_page_links_to_the_surveys_page(client, member):
    client.force_login(member)
    body = client.get(reverse("profile")).content.decode()
    assert f'href="{reverse("survey_list")}"' in body


def test_line_breaks_in_a_comment_count_once(client, round, token):
    """The browser counts a line break once against maxlength, and sends it as two characters."""
    comment = "\r\n".join(["Fine."] * 333)  # 1,997 characters as typed, 2,329 as sent
    data = answer_everything(round)
    data.update({f"q{q.pk}": comment for q in round.template.questions.filter(kind=QuestionKind.TEXT)})

    assert client.post(answer_url(token), data).status_code == 302  # stored: to the thanks page
    assert SurveyAnswer.objects.get(question__kind=QuestionKind.TEXT).text == comment.replace("\r\n", "\n")


def test_the_surveys_page_runs_the_same_queries_however_many_surveys(client, team, other_team, member):
    client.force_login(member)
    invite(make_round(team), member)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("survey_list")).status_code == 200
        return len(queries)

    one = count_queries()
    MembershipFactory(team=other_team, user=member)
    for _ in range(3):
        invite(make_round(team), member)
        invite(make_round(other_team), member)
    assert count_queries() == one
