"""Managers shape their team's check-in questions; a change applies from the next week.

Every change is made to "the set asked from next week" (`_next_set`): a version already asked
is closed at the next week's Monday and a new version opens there (copy on write), a version
not yet asked is changed in place. So a past week, and this one, always read as they were
asked, and two edits in one week make one new version. Edits of one team are serialised on its
row (select_for_update), so two managers cannot interleave positions.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accountability.models import Team, User

from ..models import Question, QuestionKind, QuestionTemplate, Visibility
from ..question_sets import MAX_CHOICES, MAX_QUESTIONS, default_key, question_fields
from ..selectors.questions import default_questions

LABEL_MAX = 200
EMPTY_SET = (
    "Keep at least one question besides mood and energy: a check-in needs room for people to say how the week went."
)


def _next_set(team: Team, now: datetime) -> tuple[object, list[Question]]:
    """Lock the team's questions and return (the next week's Monday, the versions asked from
    then), writing the default set's first versions if the team never changed its questions."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    start = team.current_week(now).next().start
    if not Question.objects.filter(team=team).exists():
        for question in default_questions(team):
            question.save()
    rows = list(
        Question.objects.filter(team=team, valid_from__lte=start)
        .exclude(valid_until__lte=start)
        .order_by("position", "pk")
    )
    return start, rows


def _revise(question: Question, start, **changes) -> Question:
    """The version asked from `start` with these changes: in place if not asked yet."""
    if question.valid_from >= start:
        for name, value in changes.items():
            setattr(question, name, value)
        question.save()
        return question
    Question.objects.filter(pk=question.pk).update(valid_until=start)
    fresh = Question(
        team_id=question.team_id,
        key=question.key,
        series=question.series,
        kind=question.kind,
        label=question.label,
        help_text=question.help_text,
        required=question.required,
        visibility=question.visibility,
        choices=question.choices,
        low_label=question.low_label,
        high_label=question.high_label,
        special=question.special,
        position=question.position,
        valid_from=start,
    )
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.save()
    return fresh


def _retire(question: Question, start) -> None:
    if question.valid_from >= start:
        question.delete()
    else:
        Question.objects.filter(pk=question.pk).update(valid_until=start)


def _renumber(rows: list[Question], start) -> None:
    for position, question in enumerate(rows):
        if question.position != position:
            _revise(question, start, position=position)


def _find(rows: list[Question], key: uuid.UUID | str) -> Question:
    for question in rows:
        if str(question.key) == str(key):
            return question
    raise ValidationError("That question is no longer in next week's check-in (someone changed it meanwhile?).")


def question_clean(
    *,
    kind: str,
    label: str,
    help_text: str = "",
    visibility: str = Visibility.PRIVATE,
    choices: list[str] | None = None,
    low_label: str = "",
    high_label: str = "",
    special: str = "",
) -> dict:
    """A question's fields, checked: each problem is named on its field."""
    errors: dict[str, str] = {}
    label = (label or "").strip()
    choices = [c.strip() for c in (choices or []) if c and c.strip()]
    if kind not in QuestionKind.values:
        errors["kind"] = "Choose what kind of answer the question asks for."
    if not label:
        errors["label"] = "Write the question."
    elif len(label) > LABEL_MAX:
        errors["label"] = f"Keep the question to {LABEL_MAX} characters (it has {len(label)})."
    for name, value in (("help_text", help_text), ("low_label", low_label), ("high_label", high_label)):
        if len(value or "") > LABEL_MAX:
            errors[name] = f"Keep this to {LABEL_MAX} characters (it has {len(value)})."
    if kind == QuestionKind.CHOICE:
        if len(choices) < 2:
            errors["choices"] = "A choice question needs at least two choices, one a line."
        elif len(choices) > MAX_CHOICES:
            errors["choices"] = f"Offer at most {MAX_CHOICES} choices."
        elif any(len(c) > LABEL_MAX for c in choices):
            errors["choices"] = f"Keep each choice to {LABEL_MAX} characters."
        elif len(set(choices)) != len(choices):
            errors["choices"] = "Each choice once, please: two are the same."
    else:
        choices = []
    if special and visibility == Visibility.SHARED:
        errors["visibility"] = "Highlights, blockers and support requests stay between a person and their managers."
    if visibility not in Visibility.values:
        errors["visibility"] = "Choose who sees the answers."
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "label": label,
        "help_text": (help_text or "").strip(),
        "visibility": visibility,
        "choices": choices,
        "low_label": (low_label or "").strip() if kind == QuestionKind.SCALE else "",
        "high_label": (high_label or "").strip() if kind == QuestionKind.SCALE else "",
    }


def question_add(
    *,
    team: Team,
    kind: str,
    label: str,
    help_text: str = "",
    required: bool = False,
    visibility: str = Visibility.PRIVATE,
    choices: list[str] | None = None,
    low_label: str = "",
    high_label: str = "",
    now: datetime | None = None,
) -> Question:
    """Add a question at the end of the check-in, from next week."""
    now = now or timezone.now()
    fields = question_clean(
        kind=kind,
        label=label,
        help_text=help_text,
        visibility=visibility,
        choices=choices,
        low_label=low_label,
        high_label=high_label,
    )
    with transaction.atomic():
        start, rows = _next_set(team, now)
        if len(rows) >= MAX_QUESTIONS:
            raise ValidationError(
                f"A check-in has at most {MAX_QUESTIONS} questions besides mood and energy, so it stays quick. "
                "Retire one to make room."
            )
        return Question.objects.create(team=team, required=required, position=len(rows), valid_from=start, **fields)


def question_update(
    *,
    team: Team,
    key: uuid.UUID | str,
    label: str,
    help_text: str = "",
    required: bool = False,
    visibility: str = Visibility.PRIVATE,
    choices: list[str] | None = None,
    low_label: str = "",
    high_label: str = "",
    same_meaning: bool = False,
    now: datetime | None = None,
) -> Question:
    """Reword or adjust a question from next week. Its kind stays (retire it and add another
    to ask something else). A new wording starts new figures unless `same_meaning`."""
    now = now or timezone.now()
    with transaction.atomic():
        start, rows = _next_set(team, now)
        question = _find(rows, key)
        fields = question_clean(
            kind=question.kind,
            label=label,
            help_text=help_text,
            visibility=visibility,
            choices=choices,
            low_label=low_label,
            high_label=high_label,
            special=question.special,
        )
        fields.pop("kind")
        changes = {name: value for name, value in fields.items() if getattr(question, name) != value}
        if question.required != required:
            changes["required"] = required
        if not changes:
            return question
        if "label" in changes and not same_meaning:
            # A version already asked under the old wording keeps its figures to itself.
            asked = question.valid_from < start or Question.objects.filter(team=team, key=question.key).count() > 1
            if asked:
                changes["series"] = uuid.uuid4()
        return _revise(question, start, **changes)


def question_move(*, team: Team, key: uuid.UUID | str, offset: int, now: datetime | None = None) -> None:
    """Move a question up (-1) or down (+1) in the check-in, from next week."""
    now = now or timezone.now()
    with transaction.atomic():
        start, rows = _next_set(team, now)
        question = _find(rows, key)
        index = rows.index(question)
        target = max(0, min(len(rows) - 1, index + offset))
        rows.insert(target, rows.pop(index))
        _renumber(rows, start)


def question_retire(*, team: Team, key: uuid.UUID | str, now: datetime | None = None) -> None:
    """Stop asking a question from next week. Its answers stay in history and exports."""
    now = now or timezone.now()
    with transaction.atomic():
        start, rows = _next_set(team, now)
        question = _find(rows, key)
        if len(rows) <= 1:
            raise ValidationError(EMPTY_SET)
        _retire(question, start)
        rows.remove(question)
        _renumber(rows, start)


def question_set_replace(*, team: Team, questions: list[dict], now: datetime | None = None) -> list[Question]:
    """Start from a template: from next week the check-in asks these questions. A question
    the team already asks in the same words (and the special ones: highlights, blockers,
    support) carries on as the same question, so its figures continue."""
    now = now or timezone.now()
    if not questions:
        raise ValidationError(EMPTY_SET)
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError(f"A check-in has at most {MAX_QUESTIONS} questions besides mood and energy.")
    specs = []
    for spec in questions:
        fields = question_fields(spec)
        cleaned = question_clean(**{k: v for k, v in fields.items() if k != "required"})
        specs.append({**cleaned, "required": bool(fields["required"]), "special": fields["special"]})
    with transaction.atomic():
        start, rows = _next_set(team, now)
        kept: dict[str, Question] = {}
        for question in rows:
            kept.setdefault(question.special or f"{question.kind}:{question.label}", question)
        result = []
        used = set()
        for position, spec in enumerate(specs):
            match = kept.get(spec["special"] or f"{spec['kind']}:{spec['label']}")
            if match is not None and match.pk not in used:
                used.add(match.pk)
                changes = {k: v for k, v in spec.items() if getattr(match, k) != v}
                if match.position != position:
                    changes["position"] = position
                if "label" in changes:
                    changes["series"] = uuid.uuid4()
                result.append(_revise(match, start, **changes) if changes else match)
            else:
                key = default_key(team.pk, spec["special"]) if spec["special"] else uuid.uuid4()
                if spec["special"] and Question.objects.filter(team=team, key=key, valid_from=start).exists():
                    key = uuid.uuid4()
                result.append(Question.objects.create(team=team, key=key, position=position, valid_from=start, **spec))
        for question in rows:
            if question.pk not in used:
                _retire(question, start)
        return result


def question_template_save(*, name: str, description: str = "", team: Team, actor: User) -> QuestionTemplate:
    """An organisation admin keeps a team's next-week questions as a template other teams can
    start from."""
    name = (name or "").strip()
    if not actor.is_staff:
        raise ValidationError("Only organisation admins keep question sets for everyone.")
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name to 100 characters."})
    if len(description or "") > LABEL_MAX:
        raise ValidationError({"description": f"Keep the description to {LABEL_MAX} characters."})
    if QuestionTemplate.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A template of that name exists already: choose another name."})
    start = team.current_week().next().start
    rows = list(
        Question.objects.filter(team=team, valid_from__lte=start).exclude(valid_until__lte=start).order_by("position")
    ) or default_questions(team)
    questions = [
        {name_: getattr(q, name_) for name_ in question_fields({"kind": "", "label": ""})}
        | {"kind": str(q.kind), "visibility": str(q.visibility), "special": str(q.special)}
        for q in rows
    ]
    return QuestionTemplate.objects.create(
        name=name, description=(description or "").strip(), questions=questions, created_by=actor
    )


__all__ = [
    "EMPTY_SET",
    "question_add",
    "question_clean",
    "question_move",
    "question_retire",
    "question_set_replace",
    "question_template_save",
    "question_update",
]
