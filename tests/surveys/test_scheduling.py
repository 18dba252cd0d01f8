"""Scheduling rounds in the team's own time, repeating them at the same local time across
daylight-saving changes, closing early (for good), cancelling, and writing templates."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import get_resolver, reverse

from accountability.models import Membership, Role
from surveys import selectors, services
from surveys.models import QuestionKind, SurveyQuestion, SurveyRound, SurveyTemplate

from ..factories import MembershipFactory, TeamFactory
from .factories import add_response, answer_everything, invite, make_round, make_template, trust_pulse

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def manager_client(client, manager):
    """Signed in as `manager`, at NOW (for the whole test). The manager's own zone is neither
    team's: what they type is read in the team's zone."""
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    with time_machine.travel(NOW, tick=False):
        client.force_login(manager)
        yield client


def schedule(client, team, *, opens: str, closes: str, repeat: str = "", template=None):
    return client.post(
        reverse("survey_schedule", args=[team.slug]),
        {
            "template": (template or trust_pulse()).pk,
            "opens_at": opens,
            "closes_at": closes,
            "repeat_every_weeks": repeat,
        },
    )


# --- Time zones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "opens_utc", "closes_utc"),
    [
        # 09:00 on 1 March in Auckland is daylight time (UTC+13): the evening before in UTC.
        ("Pacific/Auckland", datetime(2027, 2, 28, 20, 0, tzinfo=UTC), datetime(2027, 3, 8, 4, 0, tzinfo=UTC)),
        # In New York, 1 March is standard time (UTC-5) and 8 March still is.
        ("America/New_York", datetime(2027, 3, 1, 14, 0, tzinfo=UTC), datetime(2027, 3, 8, 22, 0, tzinfo=UTC)),
    ],
)
def test_times_are_entered_in_the_team_s_zone(manager_client, team, zone, opens_utc, closes_utc):
    team.time_zone = zone
    team.save()
    with time_machine.travel(NOW, tick=False):
        page = manager_client.get(reverse("survey_schedule", args=[team.slug]))
        assert f"Opens ({zone})" in page.content.decode()
        response = schedule(manager_client, team, opens="2027-03-01T09:00", closes="2027-03-08T17:00")

    assert response.status_code == 302
    round = SurveyRound.objects.get()
    assert (round.opens_at, round.closes_at) == (opens_utc, closes_utc)
    assert round.team == team and round.created_by.email == "manager@example.org"
    assert not round.invited and not round.closed


def test_the_form_suggests_tomorrow_morning_in_the_team_s_zone(manager_client, team):
    team.time_zone = "Pacific/Auckland"
    team.save()
    with time_machine.travel(NOW, tick=False):  # 2 February, 01:00 in Auckland
        form = manager_client.get(reverse("survey_schedule", args=[team.slug])).context["form"]
    # Shown as the team's wall-clock time (the field has no zone of its own)...
    assert form["opens_at"].value() == datetime(2027, 2, 3, 9, 0)  # noqa: DTZ001 - a wall-clock time
    assert form.initial["opens_at"] == datetime(2027, 2, 2, 20, 0, tzinfo=UTC)  # ... of this instant
    assert 'value="2027-02-03T09:00"' in str(form["opens_at"])


def test_a_time_skipped_by_the_clocks_changing_is_refused(manager_client, team):
    team.time_zone = "America/New_York"
    team.save()
    with time_machine.travel(NOW, tick=False):
        # 14 March 2027: New York's clocks jump from 02:00 to 03:00.
        response = schedule(manager_client, team, opens="2027-03-14T02:30", closes="2027-03-20T17:00")
    assert response.status_code == 422
    assert response.context["form"].errors["opens_at"]
    assert not SurveyRound.objects.exists()


@pytest.mark.parametrize(
    ("opens", "closes", "repeat", "field"),
    [
        ("2027-03-08T09:00", "2027-03-01T09:00", "", "closes_at"),  # closes before it opens
        ("2027-01-01T09:00", "2027-01-08T09:00", "", "closes_at"),  # over already
        ("2027-03-01T09:00", "2027-03-20T09:00", "2", "repeat_every_weeks"),  # overlaps its repeat
        ("2027-03-01T09:00", "2027-03-08T09:00", "0", "repeat_every_weeks"),
    ],
)
def test_impossible_rounds_are_refused_with_a_reason(manager_client, team, opens, closes, repeat, field):
    with time_machine.travel(NOW, tick=False):
        response = schedule(manager_client, team, opens=opens, closes=closes, repeat=repeat)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not SurveyRound.objects.exists()


@pytest.mark.parametrize(
    ("zone", "first_opens", "first_closes", "next_opens_utc"),
    [
        # London moves to summer time on 28 March 2027: 09:00 is 09:00 UTC before, 08:00 UTC after.
        ("Europe/London", "2027-03-22T09:00", "2027-03-26T17:00", datetime(2027, 3, 29, 8, 0, tzinfo=UTC)),
        # Auckland leaves summer time on 4 April 2027: 09:00 is 20:00 UTC the day before, then 21:00.
        ("Pacific/Auckland", "2027-03-29T09:00", "2027-04-02T17:00", datetime(2027, 4, 4, 21, 0, tzinfo=UTC)),
    ],
)
def test_a_repeating_round_keeps_its_local_time_across_a_daylight_saving_change(
    manager_client, team, zone, first_opens, first_closes, next_opens_utc
):
    team.time_zone = zone
    team.save()
    with time_machine.travel(NOW, tick=False):
        schedule(manager_client, team, opens=first_opens, closes=first_closes, repeat="1")
    first = SurveyRound.objects.get()

    services.survey_dispatch(now=first.closes_at + timedelta(minutes=1))

    first.refresh_from_db()
    assert first.closed
    following = SurveyRound.objects.get(previous=first)
    assert following.opens_at == next_opens_utc
    assert following.opens_at.astimezone(team.tz).strftime("%a %H:%M") == "Mon 09:00"
    assert following.closes_at.astimezone(team.tz).strftime("%a %H:%M") == "Fri 17:00"
    assert following.repeat_every_weeks == 1 and following.template == first.template
    # Running the dispatcher again schedules nothing more.
    services.survey_dispatch(now=first.closes_at + timedelta(minutes=6))
    assert SurveyRound.objects.count() == 2


# --- Closing early: final --------------------------------------------------------------------


def test_closing_early_is_final_and_takes_no_more_answers(manager_client, client, team, member, teammate):
    round = make_round(team)
    token = invite(round, member)
    invite(round, teammate)

    response = manager_client.post(reverse("survey_round_close", args=[round.pk]))

    assert response.status_code == 302
    assert response.url == reverse("survey_results", args=[round.pk])
    round.refresh_from_db()
    assert round.closed
    assert client.post(reverse("survey_answer", args=[token]), answer_everything(round)).status_code == 410
    # Closing again changes nothing; the dispatcher leaves it closed; nothing reopens it.
    again = manager_client.post(reverse("survey_round_close", args=[round.pk]), follow=True)
    assert "already closed" in again.content.decode()
    services.survey_dispatch()
    round.refresh_from_db()
    assert round.closed
    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    assert not [name for name in names if "reopen" in name and "survey" in name]
    assert not [field for field in SurveyRound._meta.fields if field.name == "reopened"]


def test_closing_early_keeps_the_series_rhythm(manager, team):
    """The next round of a series starts and ends when the series says, not one period after
    the moment it was closed early."""
    team.time_zone = "Europe/London"
    team.save()
    opens = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # Monday 09:00
    closes = datetime(2027, 1, 8, 17, 0, tzinfo=UTC)  # Friday 17:00
    round = make_round(team, opens_at=opens, closes_at=closes, repeat_every_weeks=2)

    services.round_close(round=round, actor=manager, now=datetime(2027, 1, 6, 11, 23, tzinfo=UTC))

    following = SurveyRound.objects.get(previous=round)
    assert (following.opens_at, following.closes_at) == (opens + timedelta(weeks=2), closes + timedelta(weeks=2))


def test_closing_a_repeating_round_says_when_the_next_opens(manager_client, team):
    round = make_round(team, repeat_every_weeks=4)
    response = manager_client.post(reverse("survey_round_close", args=[round.pk]), follow=True)
    assert "The next round opens on" in response.content.decode()


# --- Cancelling a round that hasn't opened -----------------------------------------------------


def test_a_scheduled_round_can_be_cancelled(manager_client, team):
    round = make_round(team, opens_at=NOW + timedelta(days=3), closes_at=NOW + timedelta(days=9), invited=False)
    with time_machine.travel(NOW, tick=False):
        response = manager_client.post(reverse("survey_round_cancel", args=[round.pk]), follow=True)
    assert "Cancelled" in response.content.decode()
    assert not SurveyRound.objects.exists()


def test_an_open_round_cannot_be_cancelled(manager_client, team, member):
    round = make_round(team)
    invite(round, member)
    response = manager_client.post(reverse("survey_round_cancel", args=[round.pk]), follow=True)
    assert "close it instead" in response.content.decode()
    assert SurveyRound.objects.filter(pk=round.pk).exists()


# --- The managers' list ----------------------------------------------------------------------


def test_the_rounds_page_shows_counts_never_names(manager_client, team, member, teammate, crowd):
    """Changed with issue 10: an open round shows no count (it would tell when each person
    answered); a closed round shows how many answered once enough did (tests/surveys/
    test_no_counts.py walks every page for the rest)."""
    round = make_round(team)
    invite(round, member, answered=True)
    add_response(round, {})
    invite(round, teammate)
    for person in crowd:
        invite(round, person)
    scheduled = make_round(team, opens_at=NOW + timedelta(days=400), closes_at=NOW + timedelta(days=407), invited=False)
    closed = make_round(team, opens_at=NOW - timedelta(days=20), closes_at=NOW - timedelta(days=13), closed=True)
    for person in (member, teammate, *crowd):
        invite(closed, person, answered=True)
        add_response(closed, {})
    invite(closed, MembershipFactory(team=team).user)

    body = manager_client.get(reverse("survey_rounds", args=[team.slug])).content.decode()

    assert "5 of 6 invited answered" in body
    assert "1 of 5" not in body and "answered so far" not in body
    assert "How many answered shows once it closes" in body
    for person in (member, teammate, *crowd):
        assert person.name not in body.split("<main")[1]
    assert reverse("survey_round_close", args=[round.pk]) in body
    assert reverse("survey_round_cancel", args=[scheduled.pk]) in body
    assert "Scheduled" in body and "(Europe/London)" in body


def test_another_team_s_manager_sees_none_of_it(client, other_manager, team, member):
    round = make_round(team)
    invite(round, member)
    client.force_login(other_manager)
    for url in (
        reverse("survey_rounds", args=[team.slug]),
        reverse("survey_results", args=[round.pk]),
        reverse("survey_schedule", args=[team.slug]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("survey_round_close", args=[round.pk])).status_code == 404
    round.refresh_from_db()
    assert not round.closed


# --- Templates -------------------------------------------------------------------------------


def template_data(rows: list[dict], *, name: str = "Retro pulse", more: bool = False) -> dict:
    data = {
        "name": name,
        "description": "Four quick ones.",
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"form-{i}-{key}"] = value
    if more:
        data["more"] = "1"
    return data


ROWS = [
    {"text": "Our retros lead to real changes.", "kind": "agreement", "strategy": "empowerment", "required": "on"},
    {
        "text": "Retros feel like box-ticking.",
        "kind": "agreement",
        "strategy": "empowerment",
        "reverse_scored": "on",
        "required": "on",
    },
    {"text": "", "kind": "agreement", "required": "on"},  # an empty row: skipped
    {"text": "How useful was the last retro?", "kind": "scale_10", "required": "on"},
    {
        "text": "How often should we hold them?",
        "kind": "choice",
        "choices": "Weekly\r\nEvery two weeks\r\n\r\nMonthly",
        "required": "on",
    },
    {"text": "What would make them better?", "kind": "text"},
]


def test_a_manager_writes_a_template_without_javascript(manager_client, team, manager):
    response = manager_client.post(reverse("survey_template_new", args=[team.slug]), template_data(ROWS))

    assert response.status_code == 302
    template = SurveyTemplate.objects.get(name="Retro pulse")
    assert response.url == f"{reverse('survey_schedule', args=[team.slug])}?template={template.pk}"
    assert template.created_by == manager and not template.built_in
    questions = list(template.questions.values("position", "kind", "strategy", "reverse_scored", "required", "choices"))
    assert questions == [
        {
            "position": 1,
            "kind": "agreement",
            "strategy": "empowerment",
            "reverse_scored": False,
            "required": True,
            "choices": [],
        },
        {
            "position": 2,
            "kind": "agreement",
            "strategy": "empowerment",
            "reverse_scored": True,
            "required": True,
            "choices": [],
        },
        {"position": 3, "kind": "scale_10", "strategy": "", "reverse_scored": False, "required": True, "choices": []},
        {
            "position": 4,
            "kind": "choice",
            "strategy": "",
            "reverse_scored": False,
            "required": True,
            "choices": ["Weekly", "Every two weeks", "Monthly"],
        },
        {"position": 5, "kind": "text", "strategy": "", "reverse_scored": False, "required": False, "choices": []},
    ]
    # It is offered on the scheduling page, preselected.
    form = manager_client.get(response.url).context["form"]
    assert form["template"].value() == template.pk


def test_a_single_choice_needs_two_choices(manager_client, team):
    rows = [{"text": "Pick one", "kind": "choice", "choices": "Only one", "required": "on"}]
    response = manager_client.post(reverse("survey_template_new", args=[team.slug]), template_data(rows))
    assert response.status_code == 422
    assert "at least two choices" in response.content.decode()
    assert not SurveyTemplate.objects.filter(built_in=False).exists()


def test_a_template_needs_a_question(manager_client, team):
    response = manager_client.post(reverse("survey_template_new", args=[team.slug]), template_data([ROWS[2]]))
    assert response.status_code == 422
    assert "Add at least one question." in response.content.decode()


def test_more_rows_keeps_what_was_typed(manager_client, team):
    response = manager_client.post(reverse("survey_template_new", args=[team.slug]), template_data(ROWS, more=True))

    assert response.status_code == 200
    formset = response.context["formset"]
    assert [form.initial.get("text") for form in formset.forms[:5]] == [row["text"] for row in ROWS if row["text"]]
    assert formset.forms[3].initial["choices"] == "Weekly\nEvery two weeks\nMonthly"
    assert len(formset.forms) == len(ROWS) - 1 + 1 + 4  # the typed rows, the empty one, four more
    assert response.context["form"]["name"].value() == "Retro pulse"
    assert not SurveyTemplate.objects.filter(built_in=False).exists()


def test_the_templates_a_team_may_run(manager, team, other_manager):
    """The built-in ones, and those written by the team's managers (wherever they wrote them)."""
    pulse = trust_pulse()  # first: a transactional test before this one may have emptied the table
    mine = make_template([{"text": "Ours", "kind": QuestionKind.AGREEMENT}], name="Ours", created_by=manager)
    theirs = make_template(
        [{"text": "Theirs", "kind": QuestionKind.AGREEMENT}], name="Theirs", created_by=other_manager
    )
    assert set(selectors.templates_for_team(team)) == {pulse, mine}
    # Once the other manager also manages this team, what they wrote is the team's to use too.
    Membership.objects.create(user=other_manager, team=team, role=Role.MANAGER)
    assert set(selectors.templates_for_team(team)) == {trust_pulse(), mine, theirs}
    # And a template a team ran stays offered to it, even if its writer has moved on.
    lone = TeamFactory(slug="lone")
    make_round(lone, template=theirs)
    assert theirs in set(selectors.templates_for_team(lone))


def test_another_manager_s_template_is_not_offered(manager_client, team, other_manager):
    theirs = make_template(
        [{"text": "Theirs", "kind": QuestionKind.AGREEMENT}], name="Theirs", created_by=other_manager
    )
    assert manager_client.get(reverse("survey_template", args=[team.slug, theirs.pk])).status_code == 404
    with time_machine.travel(NOW, tick=False):
        response = schedule(manager_client, team, opens="2027-03-01T09:00", closes="2027-03-08T17:00", template=theirs)
    assert response.status_code == 422
    assert not SurveyRound.objects.exists()


def test_the_template_preview_lists_its_questions(manager_client, team):
    body = manager_client.get(reverse("survey_template", args=[team.slug, trust_pulse().pk])).content.decode()
    assert body.count('class="list-group-item"') == SurveyQuestion.objects.filter(template=trust_pulse()).count()
    assert "reverse-scored" in body
