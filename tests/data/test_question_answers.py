"""The answers to a team's own check-in questions follow the person's data rules: in their
export under the wording asked, written answers removed when the person is deleted or the
retention period has passed, the figures (scales, numbers, yes/no, choices) kept."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accountability import services
from accountability.registry import RetentionCutoffs
from checkins import personal_data
from checkins.models import Answer, Question, QuestionKind, Visibility

from ..factories import CheckInFactory

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)


@pytest.fixture
def answered(time_machine, team, member, teammate):
    time_machine.move_to(NOW, tick=False)
    week = team.current_week().previous().start
    learned = Question.objects.create(
        team=team, kind=QuestionKind.LONG_TEXT, label="What did you learn?", valid_from=date(2020, 1, 6), position=5
    )
    focus = Question.objects.create(
        team=team,
        kind=QuestionKind.SCALE,
        label="How focused were you?",
        low_label="scattered",
        high_label="deep",
        visibility=Visibility.SHARED,
        valid_from=date(2020, 1, 6),
        position=6,
    )
    mine = CheckInFactory(member=member, team=team, week=week)
    theirs = CheckInFactory(member=teammate, team=team, week=week)
    Answer.objects.create(checkin=mine, question=learned, text="MEMBER-LEARNED")
    Answer.objects.create(checkin=mine, question=focus, number=Decimal(4))
    Answer.objects.create(checkin=theirs, question=learned, text="TEAMMATE-LEARNED")
    return mine


def test_the_export_holds_one_s_answers_under_the_wording_asked(answered, member):
    rows = personal_data.export(member)["answers_to_team_questions"]
    assert [(r["question"], r["answer"], r["shared_with_teammates"]) for r in rows] == [
        ("What did you learn?", "MEMBER-LEARNED", False),
        ("How focused were you?", "4", True),
    ]
    assert "TEAMMATE-LEARNED" not in str(personal_data.export(member))


def test_deleting_a_person_removes_their_written_answers_and_keeps_their_figures(answered, member, org_admin):
    services.person_delete(user=member, actor=org_admin)
    answers = {a.question.label: a for a in Answer.objects.filter(checkin=answered).select_related("question")}
    assert answers["What did you learn?"].text == personal_data.REMOVED
    assert answers["How focused were you?"].number == Decimal(4)
    assert Answer.objects.filter(text="TEAMMATE-LEARNED").exists()


def test_the_retention_purge_removes_written_answers_older_than_the_policy(answered):
    assert personal_data.purge(RetentionCutoffs(checkin_text=NOW - timedelta(days=365))) == 0
    assert Answer.objects.filter(text="MEMBER-LEARNED").exists()
    personal_data.purge(RetentionCutoffs(checkin_text=NOW + timedelta(days=1)))
    assert set(Answer.objects.exclude(text="").values_list("text", flat=True)) == {personal_data.REMOVED}
    assert Answer.objects.filter(number=Decimal(4)).exists()
