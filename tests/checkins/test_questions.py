"""The team's own check-in questions: versions that apply from the next week, answers checked
against the week's questions, history that reads as it was asked, and every bad input told
kindly without losing what was typed."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accountability.weeks import Week
from checkins import selectors, services
from checkins.models import Answer, CheckIn, Question, QuestionKind, QuestionTemplate, Visibility
from checkins.question_sets import BUILTIN_TEMPLATES, MAX_QUESTIONS

# 2026-W11 runs Mon 9 – Sun 15 March; the team is in London (GMT then).
WEEK = Week(date(2026, 3, 9))
WEDNESDAY = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
NEXT_WEDNESDAY = datetime(2026, 3, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


def _labels(team, week) -> list[str]:
    return [q.label for q in selectors.questions_for_week(team=team, week=week)]


def _scale(team, label="How focused was your week?", **extra) -> Question:
    return services.question_add(
        team=team, kind=QuestionKind.SCALE, label=label, low_label="Scattered", high_label="Deep", **extra
    )


# --- The default set and versions ------------------------------------------------------------


def test_a_team_starts_with_the_default_questions_stored_on_the_checkin(team):
    questions = selectors.questions_for_week(team=team, week=WEEK)
    assert [q.special for q in questions] == ["highlights", "blockers", "support_requested"]
    assert [q.label for q in questions] == ["Highlights", "Anything in your way?", "Support I'd like"]


def test_a_new_question_is_asked_from_next_week_not_this_one(team, clock):
    _scale(team)
    assert _labels(team, WEEK) == ["Highlights", "Anything in your way?", "Support I'd like"]
    assert _labels(team, WEEK.next())[-1] == "How focused was your week?"
    # The default set was written as it was (since always) by the first change.
    assert Question.objects.filter(team=team, special="highlights", valid_from=date(2000, 1, 3)).exists()


def test_two_edits_in_one_week_make_one_new_version(team, clock):
    question = _scale(team)
    services.question_update(team=team, key=question.key, label="How deep was your focus?", required=True)
    versions = Question.objects.filter(team=team, key=question.key)
    assert versions.count() == 1
    assert versions.get().label == "How deep was your focus?"


def test_rewording_keeps_past_weeks_as_asked_and_starts_new_figures(team, member, clock):
    question = _scale(team)
    clock.move_to(NEXT_WEDNESDAY)
    week = WEEK.next()
    first = services.checkin_submit(member=member, team=team, week=week, mood=4, answers={str(question.key): 2})
    services.question_update(team=team, key=question.key, label="How much deep work did you get?")
    clock.move_to(datetime(2026, 3, 25, 10, 0, tzinfo=UTC))
    later = week.next()
    reworded = next(q for q in selectors.questions_for_week(team=team, week=later) if q.key == question.key)
    assert reworded.label == "How much deep work did you get?"
    assert reworded.series != question.series  # the new wording's figures stand on their own
    services.checkin_submit(member=member, team=team, week=later, mood=4, answers={str(question.key): 5})
    # History reads each week as it was asked.
    checkins = selectors.with_answers(list(CheckIn.objects.filter(member=member).order_by("week")), team=team)
    assert [(a.question.label, a.value) for a in checkins[0].answered] == [("How focused was your week?", "2")]
    assert [(a.question.label, a.value) for a in checkins[1].answered] == [("How much deep work did you get?", "5")]
    assert first.checkin.answers.get().question_id == question.pk


def test_rewording_that_means_the_same_keeps_the_figures_together(team, clock):
    question = _scale(team)
    clock.move_to(NEXT_WEDNESDAY)
    fresh = services.question_update(team=team, key=question.key, label="How focused were you?", same_meaning=True)
    assert fresh.pk != question.pk
    assert fresh.series == question.series


def test_a_retired_question_stays_readable_in_history(team, member, clock):
    question = services.question_add(team=team, kind=QuestionKind.YES_NO, label="Were you on call?")
    clock.move_to(NEXT_WEDNESDAY)
    services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=3, answers={str(question.key): "yes"})
    services.question_retire(team=team, key=question.key)
    assert "Were you on call?" in _labels(team, WEEK.next())
    assert "Were you on call?" not in _labels(team, WEEK.next().next())
    checkin = selectors.with_answers([CheckIn.objects.get(member=member)], team=team)[0]
    assert [(a.question.label, a.value) for a in checkin.answered] == [("Were you on call?", "Yes")]


def test_moving_a_question_changes_next_weeks_order_only(team, clock):
    services.question_move(team=team, key=selectors.questions_for_week(team=team, week=WEEK)[2].key, offset=-1)
    assert _labels(team, WEEK) == ["Highlights", "Anything in your way?", "Support I'd like"]
    assert _labels(team, WEEK.next()) == ["Highlights", "Support I'd like", "Anything in your way?"]


def test_a_template_replaces_next_weeks_questions_and_keeps_the_special_ones(team, clock):
    wellbeing = next(t for t in selectors.question_templates() if t.slug == "wellbeing")
    services.question_set_replace(team=team, questions=wellbeing.questions)
    assert _labels(team, WEEK.next()) == [q["label"] for q in wellbeing.questions]
    assert _labels(team, WEEK)[0] == "Highlights"
    support = Question.objects.filter(team=team, special="support_requested").order_by("valid_from")
    # "Support I'd like" carries on as the same question (same key and figures), in a new place.
    assert [q.position for q in support] == [2, 3]
    assert len({(q.key, q.series) for q in support}) == 1


def test_three_builtin_templates_in_our_own_words():
    assert [t["name"] for t in BUILTIN_TEMPLATES] == ["Weekly 1-on-1 prep", "Engineering weekly", "Wellbeing"]


def test_an_admin_keeps_a_teams_questions_as_a_template(team, org_admin, manager, clock):
    _scale(team)
    template = services.question_template_save(name="Focus weekly", team=team, actor=org_admin)
    assert [q["label"] for q in template.questions][-1] == "How focused was your week?"
    assert any(t.name == "Focus weekly" for t in selectors.question_templates())
    with pytest.raises(ValidationError):
        services.question_template_save(name="Mine", team=team, actor=manager)
    with pytest.raises(ValidationError) as exc:
        services.question_template_save(name="focus WEEKLY", team=team, actor=org_admin)
    assert "exists already" in str(exc.value)
    assert QuestionTemplate.objects.count() == 1


# --- Bad question lists ------------------------------------------------------------------------


def test_the_check_in_cannot_be_left_empty(team, clock):
    for question in selectors.questions_for_week(team=team, week=WEEK)[:2]:
        services.question_retire(team=team, key=question.key)
    last = selectors.questions_for_week(team=team, week=WEEK.next())
    assert len(last) == 1
    with pytest.raises(ValidationError) as exc:
        services.question_retire(team=team, key=last[0].key)
    assert "at least one question" in str(exc.value)
    with pytest.raises(ValidationError):
        services.question_set_replace(team=team, questions=[])


def test_at_most_twenty_questions(team, clock):
    for i in range(MAX_QUESTIONS - 3):
        services.question_add(team=team, kind=QuestionKind.SHORT_TEXT, label=f"Question {i}")
    with pytest.raises(ValidationError) as exc:
        services.question_add(team=team, kind=QuestionKind.SHORT_TEXT, label="One too many")
    assert "at most 20" in str(exc.value)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"kind": QuestionKind.SHORT_TEXT, "label": "x" * 201}, "label", "200 characters"),
        ({"kind": QuestionKind.CHOICE, "label": "Pick", "choices": []}, "choices", "at least two choices"),
        ({"kind": QuestionKind.CHOICE, "label": "Pick", "choices": ["A", "A"]}, "choices", "Each choice once"),
        ({"kind": QuestionKind.SCALE, "label": "Rate", "low_label": "y" * 201}, "low_label", "200 characters"),
        ({"kind": "essay", "label": "Tell me"}, "kind", "Choose what kind"),
    ],
)
def test_a_bad_question_is_named_on_its_field(team, clock, fields, field, words):
    with pytest.raises(ValidationError) as exc:
        services.question_add(team=team, **fields)
    assert words in " ".join(exc.value.message_dict[field])
    assert not Question.objects.filter(team=team).exclude(special="").filter(valid_from__gt=WEEK.start).exists()


def test_special_questions_stay_private(team, clock):
    support = selectors.questions_for_week(team=team, week=WEEK)[2]
    with pytest.raises(ValidationError) as exc:
        services.question_update(team=team, key=support.key, label=support.label, visibility=Visibility.SHARED)
    assert "stay between" in str(exc.value)


# --- Answers -----------------------------------------------------------------------------------


@pytest.fixture
def asked(team, clock):
    """Next week asks one of each kind; the clock is then moved into it."""
    kinds = {
        "scale": _scale(team, required=True),
        "number": services.question_add(team=team, kind=QuestionKind.NUMBER, label="Hours of focus"),
        "yes_no": services.question_add(team=team, kind=QuestionKind.YES_NO, label="On call?"),
        "choice": services.question_add(
            team=team, kind=QuestionKind.CHOICE, label="Best part", choices=["People", "Work"]
        ),
        "short": services.question_add(team=team, kind=QuestionKind.SHORT_TEXT, label="One word"),
    }
    clock.move_to(NEXT_WEDNESDAY)
    return kinds


def test_answers_of_every_kind_are_saved_and_shown(team, member, asked):
    answers = {
        str(asked["scale"].key): 4,
        str(asked["number"].key): "2.5",
        str(asked["yes_no"].key): "no",
        str(asked["choice"].key): "People",
        str(asked["short"].key): "Calm",
    }
    result = services.checkin_submit(
        member=member, team=team, week=WEEK.next(), mood=4, highlights="Shipped", answers=answers
    )
    checkin = selectors.with_answers([result.checkin], team=team)[0]
    assert [(a.question.label, a.value) for a in checkin.answered] == [
        ("Highlights", "Shipped"),
        ("How focused was your week?", "4"),
        ("Hours of focus", "2.5"),
        ("On call?", "No"),
        ("Best part", "People"),
        ("One word", "Calm"),
    ]
    assert Answer.objects.filter(checkin=result.checkin).count() == 5


@pytest.mark.parametrize(
    ("which", "value", "words"),
    [
        ("scale", 6, "from 1 to 5"),
        ("scale", "2.5", "from 1 to 5"),
        ("number", "lots", "Give a number"),
        ("number", "1e40", "Give a number"),
        ("yes_no", "maybe", "yes or no"),
        ("choice", "Nothing", "one of the options"),
        ("short", "x" * 201, "200 characters"),
    ],
)
def test_an_answer_out_of_range_is_refused_and_nothing_is_saved(team, member, asked, which, value, words):
    answers = {str(asked["scale"].key): 3, str(asked[which].key): value}
    with pytest.raises(ValidationError) as exc:
        services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=4, answers=answers)
    assert words in " ".join(exc.value.message_dict[asked[which].field_name])
    assert not CheckIn.objects.exists()


def test_a_required_question_must_be_answered(team, member, asked):
    with pytest.raises(ValidationError) as exc:
        services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=4, answers={})
    assert exc.value.message_dict[asked["scale"].field_name] == ["This one is needed."]


def test_an_answer_to_a_question_the_team_does_not_ask_is_refused(team, member, other_team, asked):
    elsewhere = services.question_add(team=other_team, kind=QuestionKind.SHORT_TEXT, label="Elsewhere")
    answers = {str(asked["scale"].key): 3, str(elsewhere.key): "hello"}
    with pytest.raises(ValidationError) as exc:
        services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=4, answers=answers)
    assert "doesn't ask" in " ".join(exc.value.messages)
    # The check-in's own columns too, once their question is retired.
    blockers = next(q for q in selectors.questions_for_week(team=team, week=WEEK.next()) if q.special == "blockers")
    services.question_retire(team=team, key=blockers.key)
    with pytest.raises(ValidationError):
        services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=4, blockers="x", answers={})


def test_the_old_keyword_arguments_still_work(team, member, asked):
    """A caller that knows nothing of questions (the REST API) still checks in."""
    result = services.checkin_submit(
        member=member, team=team, week=WEEK.next(), mood=2, highlights="Fine", blockers="A review", support_requested=""
    )
    assert (result.checkin.highlights, result.checkin.blockers) == ("Fine", "A review")
    assert not result.checkin.answers.exists()


def test_a_form_for_other_questions_is_recognised(team, member, clock):
    fingerprint = selectors.question_set_fingerprint(selectors.questions_for_week(team=team, week=WEEK))
    _scale(team)
    clock.move_to(NEXT_WEDNESDAY)
    with pytest.raises(services.QuestionsChanged):
        services.checkin_submit(
            member=member, team=team, week=WEEK.next(), mood=4, question_set=fingerprint, answers={}
        )


# --- Through the pages ---------------------------------------------------------------------------


def test_a_stale_form_keeps_everything_typed(client, team, member, clock):
    client.force_login(member)
    page = client.get(reverse("this_week", args=[team.slug]))
    old_set = page.context["checkin_form"].initial["question_set"]
    highlights = selectors.questions_for_week(team=team, week=WEEK)[0]
    services.question_retire(team=team, key=highlights.key)
    _scale(team, required=True)
    # Sunday's form comes back on Monday, to "This week", which asks other questions now.
    clock.move_to(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    response = client.post(
        reverse("this_week", args=[team.slug]),
        {"mood": "4", "highlights": "Shipped the importer", "blockers": "Waiting on review", "question_set": old_set},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "asks different questions" in body
    assert "Shipped the importer" in body  # shown beside the new questions, under its old wording
    assert "Waiting on review" in body  # kept in its field
    assert not CheckIn.objects.exists()


def test_the_member_answers_the_new_questions_through_the_page(client, team, member, asked):
    client.force_login(member)
    page = client.get(reverse("this_week", args=[team.slug]))
    form = page.context["checkin_form"]
    data = {
        "mood": "3",
        "version": "",
        "question_set": form.initial["question_set"],
        asked["scale"].field_name: "5",
        asked["yes_no"].field_name: "yes",
        asked["choice"].field_name: "Work",
    }
    response = client.post(reverse("this_week", args=[team.slug]), data)
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert sorted(a.display for a in checkin.answers.select_related("question")) == ["5", "Work", "Yes"]
    # Out of range: 422 with the message, the rest of the typing kept.
    data[asked["scale"].field_name] = "9"
    data["highlights"] = "Kept text"
    data["version"] = str(checkin.version)
    response = client.post(reverse("this_week", args=[team.slug]), data)
    assert response.status_code == 422
    assert "Choose from 1 to 5." in response.content.decode()
    assert "Kept text" in response.content.decode()
    # The page shows the saved answers back in the form.
    page = client.get(reverse("this_week", args=[team.slug]))
    assert page.context["checkin_form"].initial[asked["yes_no"].field_name] == "yes"


def test_a_manager_edits_questions_in_the_browser_pages(client, team, manager, clock):
    client.force_login(manager)
    url = reverse("team_questions", args=[team.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        reverse("question_add", args=[team.slug]),
        {"kind": "choice", "label": "Pick one", "visibility": "private", "choices": ""},
    )
    assert response.status_code == 422
    assert "at least two choices" in response.content.decode()
    assert 'value="Pick one"' in response.content.decode()  # what was typed stays
    response = client.post(
        reverse("question_add", args=[team.slug]),
        {"kind": "choice", "label": "Pick one", "visibility": "shared", "choices": "Tea\nCoffee"},
    )
    assert response.status_code == 302
    question = Question.objects.get(label="Pick one")
    assert question.choices == ["Tea", "Coffee"]
    response = client.post(
        reverse("question_edit", args=[team.slug, question.key]),
        {"label": "y" * 201, "visibility": "shared", "choices": "Tea"},
    )
    assert response.status_code == 422
    response = client.post(reverse("question_move", args=[team.slug, question.key]), {"direction": "up"})
    assert response.status_code == 302
    assert _labels(team, WEEK.next())[2] == "Pick one"
    response = client.post(reverse("question_set_from_template", args=[team.slug]), {"template": "nonsense"})
    assert response.status_code == 302
    assert _labels(team, WEEK.next())[2] == "Pick one"


def test_a_team_with_answers_can_still_be_deleted(team, member, asked):
    services.checkin_submit(member=member, team=team, week=WEEK.next(), mood=4, answers={str(asked["scale"].key): 3})
    team.delete()
    assert not Answer.objects.exists()
    assert not Question.objects.exists()


def test_an_answer_posted_for_a_question_not_asked_is_shown_back_not_dropped(client, team, member, clock):
    client.force_login(member)
    response = client.post(
        reverse("this_week", args=[team.slug]),
        {"mood": "4", "highlights": "Fine", "q-00000000-0000-0000-0000-000000000001": "Words to keep"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Words to keep" in body
    assert "Fine" in body
    assert not CheckIn.objects.exists()
