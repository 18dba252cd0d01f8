"""Pulse-survey rows for tests, written straight to the database (the services are what the
tests are about, so these stay out of their way)."""

import importlib
import secrets
from datetime import datetime, timedelta

from django.apps import apps as django_apps
from django.utils import timezone

from surveys import services
from surveys.models import (
    QuestionKind,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
)


class _SurveysApps:
    """The app registry as that migration knew it: it was written while the survey models lived
    in the feedback app (they now live in surveys, in the same tables)."""

    @staticmethod
    def get_model(app_label: str, model_name: str):
        return django_apps.get_model("surveys" if app_label == "feedback" else app_label, model_name)


def trust_pulse() -> SurveyTemplate:
    """The built-in "Team trust pulse", as its data migration writes it. Written again when
    missing: a transactional test (`transaction=True`) empties every table when it ends, the
    migration's rows with them."""
    template = SurveyTemplate.objects.filter(built_in=True, name="Team trust pulse").first()
    if template is None:
        importlib.import_module("feedback.migrations.0003_trust_pulse_template").create(_SurveysApps, None)
        template = SurveyTemplate.objects.get(built_in=True, name="Team trust pulse")
    return template


def make_template(questions: list[dict], *, name: str = "Our own pulse", created_by=None) -> SurveyTemplate:
    template = SurveyTemplate.objects.create(name=name, created_by=created_by)
    for position, q in enumerate(questions, start=1):
        SurveyQuestion.objects.create(template=template, position=position, **q)
    return template


def make_round(
    team,
    *,
    template: SurveyTemplate | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    closed: bool = False,
    invited: bool = True,
    repeat_every_weeks: int | None = None,
    created_by=None,
) -> SurveyRound:
    """An open round by default (opened yesterday, closing in six days)."""
    now = timezone.now()
    return SurveyRound.objects.create(
        team=team,
        template=template or trust_pulse(),
        opens_at=opens_at or now - timedelta(days=1),
        closes_at=closes_at or now + timedelta(days=6),
        closed=closed,
        invited=invited,
        repeat_every_weeks=repeat_every_weeks,
        created_by=created_by,
    )


def invite(round: SurveyRound, user, *, answered: bool = False) -> str:
    """Invite someone; returns the token of their link."""
    token = secrets.token_urlsafe(24)
    SurveyInvitation.objects.create(
        round=round, user=user, token_hash=services.survey_token_hash(token), answered=answered
    )
    return token


def add_response(round: SurveyRound, answers: dict[SurveyQuestion, int | str]) -> SurveyResponse:
    response = SurveyResponse.objects.create(round=round)
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                response=response,
                question=q,
                value=None if q.kind == QuestionKind.TEXT else value,
                text=value if q.kind == QuestionKind.TEXT else "",
            )
            for q, value in answers.items()
        ]
    )
    return response


def add_responses(round: SurveyRound, count: int, *, value: int = 4, comment: str = "", users=()) -> None:
    """`count` responses answering every agreement statement with `value` (the comment, when
    given, on the text question), and as many answered invitations (to `users`, else to no one
    in particular: invitations need people, so pass them when participation matters)."""
    questions = list(round.template.questions.all())
    for _ in range(count):
        answers = {}
        for q in questions:
            if q.kind == QuestionKind.AGREEMENT:
                answers[q] = value
            elif q.kind == QuestionKind.SCALE_10:
                answers[q] = value * 2
            elif q.kind == QuestionKind.CHOICE:
                answers[q] = 0
            elif comment:
                answers[q] = comment
        add_response(round, answers)
    for user in users:
        invite(round, user, answered=True)


def answer_everything(round: SurveyRound, value: int = 4, comment: str = "") -> dict[str, str]:
    """POST data for the answering page: every statement answered with `value`."""
    data = {}
    for q in round.template.questions.all():
        if q.kind == QuestionKind.AGREEMENT:
            data[f"q{q.pk}"] = str(value)
        elif q.kind == QuestionKind.SCALE_10:
            data[f"q{q.pk}"] = str(value * 2)
        elif q.kind == QuestionKind.CHOICE:
            data[f"q{q.pk}"] = "0"
        elif comment:
            data[f"q{q.pk}"] = comment
    return data


def service_answers(round: SurveyRound, value: int = 4, comment: str = "") -> dict[int, str]:
    """The same, as services.response_submit takes it."""
    return {int(key[1:]): answer for key, answer in answer_everything(round, value, comment).items()}
