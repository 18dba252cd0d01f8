"""Survey templates: writing them, and editing them without changing what past rounds asked."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from accountability.models import Team, User

from .. import selectors
from ..models import QuestionKind, Strategy, SurveyQuestion, SurveyRound, SurveyTemplate
from ..permissions import require_can_run_surveys

QUESTIONS_MAX = 40  # questions in a template: a pulse survey is short
NAME_MAX = 120
DESCRIPTION_MAX = 2000
QUESTION_TEXT_MAX = 300
CHOICES_MAX = 20


@dataclass(frozen=True)
class CleanTemplate:
    name: str
    description: str
    questions: list[dict]  # the SurveyQuestion fields of each, position aside


def _clean_template(*, name: str, description: str, questions: list[dict]) -> CleanTemplate:
    """Check a template as a whole; every problem at once, each saying where it is. Each
    question: text, kind, and for a single choice its choices; optional strategy,
    reverse_scored (agreement only) and required."""
    name = (name or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append("Give the survey a name.")
    elif len(name) > NAME_MAX:
        errors.setdefault("name", []).append(f"Keep the name to {NAME_MAX} characters.")
    if len(description) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(f"Keep the description to {DESCRIPTION_MAX:,} characters.")
    problems: list[str] = []
    if not questions:
        problems.append("Add at least one question.")
    elif len(questions) > QUESTIONS_MAX:
        problems.append(f"A survey can have at most {QUESTIONS_MAX} questions (this one has {len(questions)}).")
    cleaned = []
    for position, q in enumerate(questions[:QUESTIONS_MAX], start=1):
        kind = q.get("kind") or QuestionKind.AGREEMENT
        text = (q.get("text") or "").strip()
        choices = [c.strip() for c in q.get("choices") or [] if c and c.strip()]
        strategy = q.get("strategy") or ""
        if not text:
            problems.append(f"Question {position} has no text.")
        elif len(text) > QUESTION_TEXT_MAX:
            problems.append(f"Question {position} is too long: keep it to {QUESTION_TEXT_MAX} characters.")
        if kind not in QuestionKind.values:
            problems.append(f"Question {position} has an unknown kind of answer.")
        elif kind == QuestionKind.CHOICE and len(choices) < 2:
            problems.append(f"Question {position} is a single choice: give it at least two choices.")
        elif kind == QuestionKind.CHOICE and len(choices) > CHOICES_MAX:
            problems.append(f"Question {position} has more than {CHOICES_MAX} choices.")
        if strategy not in Strategy.values and strategy != "":
            problems.append(f"Question {position} names an unknown trust strategy.")
        cleaned.append(
            {
                "text": text,
                "kind": kind,
                "choices": choices if kind == QuestionKind.CHOICE else [],
                "strategy": strategy,
                "reverse_scored": bool(q.get("reverse_scored")) and kind == QuestionKind.AGREEMENT,
                "required": bool(q.get("required", kind != QuestionKind.TEXT)),
            }
        )
    if problems:
        errors.setdefault(NON_FIELD_ERRORS, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    return CleanTemplate(name=name, description=description, questions=cleaned)


def _questions_write(template: SurveyTemplate, questions: list[dict]) -> None:
    SurveyQuestion.objects.bulk_create(
        [SurveyQuestion(template=template, position=position, **q) for position, q in enumerate(questions, start=1)]
    )


@transaction.atomic
def template_create(*, actor: User, name: str, description: str, questions: list[dict]) -> SurveyTemplate:
    """A manager's own template (see _clean_template for what a question holds)."""
    clean = _clean_template(name=name, description=description, questions=questions)
    template = SurveyTemplate.objects.create(name=clean.name, description=clean.description, created_by=actor)
    _questions_write(template, clean.questions)
    return template


@dataclass(frozen=True)
class TemplateSaved:
    template: SurveyTemplate  # the one edited, or its new version
    new_version: bool
    changed: bool
    moved_rounds: int = 0  # rounds not opened yet that now ask the new version


@transaction.atomic
def template_update(
    *,
    team: Team,
    template: SurveyTemplate,
    actor: User,
    name: str,
    description: str,
    questions: list[dict],
    now: datetime | None = None,
) -> TemplateSaved:
    """Edit a template: its name, description and questions (add, reword, reorder, remove).

    Until a round using it has opened, the template itself changes (nobody has been asked
    anything yet; rounds scheduled with it will ask the new questions). Once one has, the
    change is a new version: a new template row, `version` + 1, `previous` pointing here; past
    rounds keep this one, so their questions and results stay exactly what they were, and
    rounds not opened yet (a series' next round, say) move to the new version. Saving with no
    change changes nothing.

    The template's rounds are locked first: no round of it opens while this decides."""
    require_can_run_surveys(actor, team)
    now = now or timezone.now()
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if template.built_in:
        raise ValidationError("The built-in surveys can't be changed. Write your own survey instead.")
    if SurveyTemplate.objects.filter(previous=template).exists():
        raise ValidationError("This is an older version of the survey: edit its newest version instead.")
    if not selectors.templates_for_team(team).filter(pk=template.pk).exists():
        raise ValidationError("Only surveys written by this team's managers, or run by the team, can be edited here.")
    clean = _clean_template(name=name, description=description, questions=questions)
    current = [
        {field: getattr(q, field) for field in ("text", "kind", "choices", "strategy", "reverse_scored", "required")}
        for q in template.questions.order_by("position")
    ]
    if (clean.name, clean.description, clean.questions) == (template.name, template.description, current):
        return TemplateSaved(template=template, new_version=False, changed=False)
    rounds = list(SurveyRound.objects.select_for_update().filter(template=template).values_list("pk", flat=True))
    opened = set(
        SurveyRound.objects.filter(pk__in=rounds).filter(selectors.round_opened(now)).values_list("pk", flat=True)
    )
    if not opened:
        template.name, template.description = clean.name, clean.description
        template.save(update_fields=["name", "description"])
        template.questions.all().delete()
        _questions_write(template, clean.questions)
        return TemplateSaved(template=template, new_version=False, changed=True)
    newer = SurveyTemplate.objects.create(
        name=clean.name,
        description=clean.description,
        created_by=actor,
        version=template.version + 1,
        previous=template,
    )
    _questions_write(newer, clean.questions)
    waiting = [pk for pk in rounds if pk not in opened]
    SurveyRound.objects.filter(pk__in=waiting).update(template=newer)
    return TemplateSaved(template=newer, new_version=True, changed=True, moved_rounds=len(waiting))


def newest_version(template: SurveyTemplate) -> SurveyTemplate:
    while (newer := SurveyTemplate.objects.filter(previous=template).first()) is not None:
        template = newer
    return template
