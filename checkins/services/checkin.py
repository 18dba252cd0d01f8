"""The member's check-in: when it may be given, and saving it without losing an edit."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accountability.models import Membership, Team, User
from accountability.registry import event_emit
from accountability.weeks import Week

from ..models import Answer, CheckIn, Question, QuestionKind
from ..selectors.questions import question_set_fingerprint, questions_for_week

SPECIAL_FIELDS = ("highlights", "blockers", "support_requested")
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
NUMBER_LIMIT = Decimal("1e11")


class CheckInConflict(Exception):
    """Someone (usually the same person in another tab) saved this week's check-in after the
    form was loaded. Carries the saved check-in so the page can show both."""

    def __init__(self, checkin: CheckIn):
        super().__init__("This week's check-in was saved from somewhere else in the meantime.")
        self.checkin = checkin


class CheckInClosed(Exception):
    """The week has closed and its check-in was already submitted: it can no longer change."""


class QuestionsChanged(Exception):
    """The form was made for other questions than the week asks (opened before the week turned
    and the team's questions changed). Carries the week's questions, so the page can ask them
    again with what was typed."""

    def __init__(self, questions: list[Question]):
        super().__init__("The questions changed since this form was opened.")
        self.questions = questions


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool


def checkin_window(*, team: Team, week: Week, now: datetime) -> str:
    """'future', 'open' (before the due time), 'due' (past due, week still open) or 'closed'."""
    if week > team.current_week(now):
        return "future"
    if now >= team.week_closes_at(week):
        return "closed"
    return "open" if now <= team.checkin_due_at(week) else "due"


def checkin_submit(
    *,
    member: User,
    team: Team,
    week: Week,
    mood: int,
    highlights: str = "",
    blockers: str = "",
    support_requested: str = "",
    version: int | None = None,
    answers: dict[str, object] | None = None,
    question_set: str | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Create or update a member's check-in for a week.

    * One per member, team and week: the database constraint decides between two concurrent
      first submits; the loser gets `CheckInConflict` (its text is not saved, nor lost: the
      view shows it again next to what was saved).
    * An update must name the `version` it was made from; a stale version is a conflict too.
    * Editable until the team's week closes; after the due time it is marked late. For a past
      week a first check-in is still accepted (late); an existing one is then final.
    * The team's questions: `highlights`, `blockers` and `support_requested` answer the
      questions stored on the check-in itself; `answers` (question key -> value) the others.
      Without `answers` (an older caller) the other answers are left as they are and their
      "required" is not enforced. `question_set` is the fingerprint of the questions the form
      showed: if the week asks others now, `QuestionsChanged` (nothing is saved).
    """
    now = now or timezone.now()
    if not Membership.objects.filter(team=team, user=member).exists():
        raise ValidationError("You are not in this team.")
    window = checkin_window(team=team, week=week, now=now)
    if window == "future":
        raise ValidationError("That week hasn't started yet.")
    if mood not in range(1, 6):
        raise ValidationError({"mood": "Choose a mood from 1 to 5."})
    fields = {
        "mood": mood,
        "highlights": (highlights or "").strip(),
        "blockers": (blockers or "").strip(),
        "support_requested": (support_requested or "").strip(),
    }
    questions = questions_for_week(team=team, week=week)
    if question_set is not None and question_set != question_set_fingerprint(questions):
        raise QuestionsChanged(questions)
    cleaned = _clean_answers(questions, fields, answers)

    if version is None:
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    member=member,
                    team=team,
                    week=week.start,
                    submitted_at=now,
                    updated_at=now,
                    is_late=window in ("due", "closed"),
                    **fields,
                )
                _save_answers(checkin, cleaned)
                event_emit(
                    name="checkin.submitted",
                    team=team,
                    payload={
                        "checkin": checkin.pk,
                        "member": member.pk,
                        "member_name": member.name,
                        "week": week.label,
                        "late": checkin.is_late,
                    },
                    key=str(checkin.pk),
                )
        except IntegrityError:
            existing = CheckIn.objects.filter(member=member, team=team, week=week.start).first()
            if existing is None:
                raise
            if window == "closed":
                # Nothing to save over: a closed week's check-in is final once it exists.
                raise CheckInClosed() from None
            raise CheckInConflict(existing) from None
        return CheckInResult(checkin=checkin, created=True)

    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().filter(member=member, team=team, week=week.start).first()
        if checkin is None:
            # The version names a check-in that no longer exists: treat as a first submit.
            return checkin_submit(member=member, team=team, week=week, now=now, version=None, answers=answers, **fields)
        if window == "closed":
            raise CheckInClosed()
        if checkin.version != version:
            raise CheckInConflict(checkin)
        CheckIn.objects.filter(pk=checkin.pk).update(updated_at=now, version=F("version") + 1, **fields)
        _save_answers(checkin, cleaned)
        checkin.refresh_from_db()
    return CheckInResult(checkin=checkin, created=False)


def _clean_answers(
    questions: list[Question], fields: dict, answers: dict[str, object] | None
) -> dict[Question, tuple[Decimal | None, str]] | None:
    """Each answer checked against the week's questions; problems named on the form's fields."""
    errors: dict[str, str] = {}
    asked = {q.special for q in questions if q.special}
    for name in SPECIAL_FIELDS:
        if fields[name] and name not in asked:
            errors[name] = "This week's check-in doesn't ask this: it is no longer one of the team's questions."
        elif len(fields[name]) > LONG_TEXT_MAX:
            errors[name] = f"Keep this to {LONG_TEXT_MAX:,} characters (it has {len(fields[name]):,})."
    if answers is None:
        if errors:
            raise ValidationError(errors)
        return None
    by_key = {str(q.key): q for q in questions if not q.special}
    unknown = [key for key in answers if key not in by_key]
    if unknown:
        errors["__all__"] = (
            "Some answers are for questions this team doesn't ask this week. The questions below are this week's."
        )
    cleaned: dict[Question, tuple[Decimal | None, str]] = {}
    for question in questions:
        if question.special:
            if question.required and not fields[question.special]:
                errors[question.special] = "This one is needed: a few words are enough."
            continue
        try:
            value = _clean_answer(question, answers.get(str(question.key)))
        except ValidationError as exc:
            errors[question.field_name] = exc.messages[0]
            continue
        if value is None:
            if question.required:
                errors[question.field_name] = "This one is needed."
            continue
        cleaned[question] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_answer(question: Question, raw: object) -> tuple[Decimal | None, str] | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(raw).strip()
        limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            raise ValidationError(f"Keep this to {limit:,} characters (it has {len(text):,}).")
        return None, text
    if kind == QuestionKind.CHOICE:
        if str(raw) not in question.choices:
            raise ValidationError("Choose one of the options shown.")
        return None, str(raw)
    if kind == QuestionKind.YES_NO:
        value = {"yes": 1, "true": 1, "1": 1, "no": 0, "false": 0, "0": 0}.get(str(raw).strip().lower())
        if value is None:
            raise ValidationError("Answer yes or no.")
        return Decimal(value), ""
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        number = None
    if kind == QuestionKind.SCALE:
        if number is None or number not in range(1, 6):
            raise ValidationError("Choose from 1 to 5.")
        return number, ""
    if number is None or not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError("Give a number, like 3 or 2.5.")
    return number.quantize(Decimal("0.0001")), ""


def _save_answers(checkin: CheckIn, cleaned: dict[Question, tuple[Decimal | None, str]] | None) -> None:
    if cleaned is None:
        return
    Answer.objects.filter(checkin=checkin).delete()
    Answer.objects.bulk_create(
        Answer(checkin=checkin, question=question, number=number, text=text)
        for question, (number, text) in cleaned.items()
    )
