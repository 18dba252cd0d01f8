"""Editing survey templates (issue 10): name, description and questions (add, reword, reorder,
remove) change the template itself until a round using it opens; after that an edit is a new
version, so past rounds keep their exact questions and results. The pages say which before
saving. Bad input gets a clear message, keeps what was typed, and never a 500."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys import selectors, services
from surveys.models import QuestionKind, SurveyQuestion, SurveyRound, SurveyTemplate

from .factories import add_responses, make_round, make_template, trust_pulse

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
QUESTIONS = [
    {"text": "Our retros lead to real changes.", "kind": QuestionKind.AGREEMENT, "strategy": "empowerment"},
    {"text": "Retros feel like box-ticking.", "kind": QuestionKind.AGREEMENT, "reverse_scored": True},
    {"text": "Anything else?", "kind": QuestionKind.TEXT, "required": False},
]


@pytest.fixture
def manager_client(client, manager):
    with time_machine.travel(NOW, tick=False):
        client.force_login(manager)
        yield client


@pytest.fixture
def template(manager):
    return make_template(QUESTIONS, name="Retro pulse", created_by=manager)


def edit_url(team, template) -> str:
    return reverse("survey_template_edit", args=[team.slug, template.pk])


def edit_data(rows: list[dict], *, name: str = "Retro pulse", initial: int | None = None, **extra) -> dict:
    """The edit form as a browser sends it: each row with its position (ORDER) and remove box."""
    data = {
        "name": name,
        "description": "",
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows) if initial is None else initial),
        **extra,
    }
    for i, row in enumerate(rows):
        row = {"kind": "agreement", "required": "on", **row}
        for key, value in row.items():
            if value is not None and value is not False:
                data[f"form-{i}-{key}"] = value
    return data


def texts(template) -> list[str]:
    return list(template.questions.order_by("position").values_list("text", flat=True))


# The edit that every test below makes: reword the first, move the comment to the top,
# remove the reverse-scored one, add a scale.
EDIT = [
    {"text": "Our retros lead to changes we can see.", "strategy": "empowerment", "ORDER": "2"},
    {"text": "Retros feel like box-ticking.", "reverse_scored": "on", "ORDER": "3", "DELETE": "on"},
    {"text": "Anything else?", "kind": "text", "required": None, "ORDER": "1"},
    {"text": "How useful was the last retro?", "kind": "scale_10", "ORDER": ""},
]
EDITED = ["Anything else?", "Our retros lead to changes we can see.", "How useful was the last retro?"]


def test_an_unused_template_is_edited_in_place(manager_client, team, template):
    scheduled = make_round(team, template=template, opens_at=NOW + timedelta(days=2), invited=False)
    page = manager_client.get(edit_url(team, template)).content.decode()
    assert "Nobody has been asked these questions yet" in page and "Save changes" in page
    assert 'name="form-0-ORDER"' in page and 'name="form-0-DELETE"' in page

    response = manager_client.post(edit_url(team, template), edit_data(EDIT, name="Retro pulse, shorter", initial=3))

    assert response.status_code == 302
    assert response.url == reverse("survey_template", args=[team.slug, template.pk])
    template.refresh_from_db()
    assert (template.name, template.version) == ("Retro pulse, shorter", 1)
    assert texts(template) == EDITED
    assert [q.kind for q in template.questions.order_by("position")] == ["text", "agreement", "scale_10"]
    assert SurveyTemplate.objects.filter(built_in=False).count() == 1
    scheduled.refresh_from_db()
    assert scheduled.template_id == template.pk
    assert "Saved your changes" in manager_client.get(response.url).content.decode()


def test_once_a_round_opened_an_edit_is_a_new_version_and_past_results_stay(manager_client, team, template):
    past = make_round(team, template=template, opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=2))
    past.closed = True
    past.save()
    add_responses(past, 5, value=2, comment="More time to think, please.")
    before = selectors.round_results(past)
    old_questions = list(template.questions.values_list("pk", "text").order_by("position"))
    waiting = make_round(team, template=template, opens_at=NOW + timedelta(days=5), invited=False)

    page = manager_client.get(edit_url(team, template)).content.decode()
    assert "Saving makes version 2." in page and "Save as a new version" in page
    assert "The 1 round scheduled but not opened yet will ask the new version" in page

    response = manager_client.post(edit_url(team, template), edit_data(EDIT, initial=3))

    assert response.status_code == 302
    newer = SurveyTemplate.objects.get(previous=template)
    assert response.url == reverse("survey_template", args=[team.slug, newer.pk])
    assert (newer.version, newer.name, texts(newer)) == (2, "Retro pulse", EDITED)
    # The past round, its questions and its results: exactly as they were.
    past.refresh_from_db()
    assert past.template_id == template.pk
    assert list(template.questions.values_list("pk", "text").order_by("position")) == old_questions
    after = selectors.round_results(past)
    assert after.visible and after.strategies == before.strategies
    assert [(i.question.pk, i.mean, i.comments) for i in after.questions] == [
        (i.question.pk, i.mean, i.comments) for i in before.questions
    ]
    # The round not opened yet asks the new version.
    waiting.refresh_from_db()
    assert waiting.template_id == newer.pk
    # Only the newest is offered, and the pages say which is which.
    assert newer in selectors.templates_for_team(team) and template not in selectors.templates_for_team(team)
    shown = manager_client.get(response.url).content.decode()
    assert "Saved as version 2 of “Retro pulse”. Past rounds keep the questions they asked." in shown
    assert "The 1 round not opened yet will ask the new ones." in shown
    assert "Replaces version 1" in shown
    old_page = manager_client.get(reverse("survey_template", args=[team.slug, template.pk])).content.decode()
    assert "This is an older version" in old_page and "See version 2" in old_page
    assert edit_url(team, template) not in old_page
    assert manager_client.get(edit_url(team, template)).status_code == 404
    schedule_page = manager_client.get(reverse("survey_schedule", args=[team.slug])).content.decode()
    assert "Retro pulse, version 2 (3 questions)" in schedule_page
    rounds_page = manager_client.get(reverse("survey_rounds", args=[team.slug])).content.decode()
    assert "(version 2)" in rounds_page


def test_a_repeating_series_goes_on_with_the_newest_version(manager, team, template):
    series = make_round(team, template=template, repeat_every_weeks=2)  # open now
    saved = services.template_update(
        team=team, template=template, actor=manager, name="Retro pulse", description="", questions=QUESTIONS[:1]
    )
    assert saved.new_version and saved.moved_rounds == 0
    series.refresh_from_db()
    assert series.template_id == template.pk  # it is asking the old questions: it keeps them

    services.round_close(round=series, actor=manager)

    assert SurveyRound.objects.get(previous=series).template_id == saved.template.pk


def test_saving_with_no_change_makes_no_version(manager_client, team, template):
    make_round(team, template=template)
    rows = [
        {"text": QUESTIONS[0]["text"], "strategy": "empowerment"},
        {"text": QUESTIONS[1]["text"], "reverse_scored": "on"},
        {"text": QUESTIONS[2]["text"], "kind": "text", "required": None},
    ]
    response = manager_client.post(edit_url(team, template), edit_data(rows), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert not SurveyTemplate.objects.filter(previous=template).exists()


def test_the_built_in_survey_cannot_be_edited(manager_client, manager, team):
    assert manager_client.get(edit_url(team, trust_pulse())).status_code == 404
    assert manager_client.post(edit_url(team, trust_pulse()), edit_data(EDIT)).status_code == 404
    page = manager_client.get(reverse("survey_template", args=[team.slug, trust_pulse().pk])).content.decode()
    assert "Edit" not in page.split("<main")[1]
    with pytest.raises(ValidationError, match="built-in surveys can't be changed"):
        services.template_update(
            team=team, template=trust_pulse(), actor=manager, name="Mine now", description="", questions=QUESTIONS
        )


def test_another_team_s_manager_cannot_edit(client, other_manager, other_team, team, template):
    client.force_login(other_manager)
    assert client.get(edit_url(other_team, template)).status_code == 404
    assert client.get(edit_url(team, template)).status_code == 404
    with pytest.raises(ValidationError):
        services.template_update(
            team=team, template=template, actor=other_manager, name="Taken", description="", questions=QUESTIONS
        )
    with pytest.raises(ValidationError, match="can be edited here"):
        services.template_update(
            team=other_team, template=template, actor=other_manager, name="Taken", description="", questions=QUESTIONS
        )
    assert texts(template) == [q["text"] for q in QUESTIONS]


# --- Bad input: a clear message, what was typed kept, nothing saved, never a 500 -------------

TOO_MANY = [{"text": f"Statement {n}"} for n in range(41)]
BAD = {
    "no question": ([{"text": ""}, {"text": ""}], "Add at least one question."),
    "every question removed": ([{"text": "Kept?", "DELETE": "on"}], "Add at least one question."),
    "too many questions": (TOO_MANY, "A survey can have at most 40 questions."),
    "a choice without choices": ([{"text": "Pick one", "kind": "choice"}], "Give at least two choices, one per line."),
    "a choice with one choice": (
        [{"text": "Pick one", "kind": "choice", "choices": "Only"}],
        "Give at least two choices, one per line.",
    ),
    "no name": ([{"text": "A fine statement."}], "Give the survey a name."),
}


# A new survey has no rows to remove.
BAD_CASES = [(page, case) for page in ("new", "edit") for case in BAD if page == "edit" or "removed" not in case]


@pytest.mark.parametrize(("page", "case"), BAD_CASES)
def test_bad_input_is_refused_clearly_and_kept(manager_client, team, template, page, case):
    rows, message = BAD[case]
    name = "" if case == "no name" else "Typed name stays"
    if page == "new":
        url = reverse("survey_template_new", args=[team.slug])
        data = edit_data(rows, name=name, initial=0)
    else:
        url = edit_url(team, template)
        data = edit_data(rows, name=name, initial=min(len(rows), 3))

    response = manager_client.post(url, data)

    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    if name:
        assert f'value="{name}"' in body
    if rows[0]["text"] and case != "too many questions":
        assert rows[0]["text"] in body
    assert SurveyTemplate.objects.filter(built_in=False).count() == 1
    assert texts(template) == [q["text"] for q in QUESTIONS]


@pytest.mark.parametrize("page", ["new", "edit"])
def test_a_mangled_form_is_refused_without_a_500(manager_client, team, template, page):
    url = reverse("survey_template_new", args=[team.slug]) if page == "new" else edit_url(team, template)
    for data in (
        {"name": "No rows at all"},
        {"name": "Nonsense counts", "form-TOTAL_FORMS": "many", "form-INITIAL_FORMS": "x"},
        {**edit_data([{"text": "Odd kind", "kind": "riddle"}]), "form-0-ORDER": "first"},
    ):
        response = manager_client.post(url, data)
        assert response.status_code == 422, data
    assert "The form arrived incomplete" in manager_client.post(url, {"name": "No rows"}).content.decode()
    assert SurveyTemplate.objects.filter(built_in=False).count() == 1


def test_more_rows_while_editing_keeps_the_order_and_the_removals(manager_client, team, template):
    response = manager_client.post(edit_url(team, template), edit_data(EDIT, initial=3, more="1"))

    assert response.status_code == 200
    formset = response.context["formset"]
    assert [form.initial.get("text") for form in formset.forms[:3]] == EDITED
    assert all(not form.initial for form in formset.forms[3:]) and len(formset.forms) > 3
    assert texts(template) == [q["text"] for q in QUESTIONS]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([], "Add at least one question."),
        ([{"text": f"S{n}"} for n in range(41)], "at most 40 questions (this one has 41)"),
        ([{"text": "Pick", "kind": QuestionKind.CHOICE, "choices": []}], "Question 1 is a single choice"),
        ([{"text": "Pick", "kind": QuestionKind.CHOICE, "choices": [" ", "One"]}], "at least two choices"),
        ([{"text": "Fine"}, {"text": "  "}], "Question 2 has no text."),
        ([{"text": "Fine", "kind": "riddle"}], "unknown kind of answer"),
        ([{"text": "Fine", "strategy": "astrology"}], "unknown trust strategy"),
        ([{"text": "x" * 301}], "Question 1 is too long"),
    ],
)
def test_the_services_refuse_bad_templates_with_a_reason(manager, team, template, questions, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.template_create(actor=manager, name="Bad", description="", questions=questions)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.template_update(
            team=team, template=template, actor=manager, name="Bad", description="", questions=questions
        )
    assert SurveyTemplate.objects.filter(built_in=False).count() == 1
    assert SurveyQuestion.objects.filter(template=template).count() == len(QUESTIONS)


def test_an_older_version_cannot_be_scheduled_or_edited(manager, team, template):
    make_round(team, template=template)
    services.template_update(
        team=team, template=template, actor=manager, name="Retro pulse", description="", questions=QUESTIONS[:2]
    )
    with pytest.raises(ValidationError, match="newer version"):
        services.round_schedule(
            team=team,
            template=template,
            actor=manager,
            opens_at=NOW + timedelta(days=1),
            closes_at=NOW + timedelta(days=8),
            now=NOW,
        )
    with pytest.raises(ValidationError, match="older version"):
        services.template_update(
            team=team, template=template, actor=manager, name="Again", description="", questions=QUESTIONS
        )
