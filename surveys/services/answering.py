"""Answering a survey: the single-use links, and the anonymous responses they let in."""

import hashlib
import secrets
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone

from accountability.models import User

from ..models import (
    AGREEMENT_MAX,
    QuestionKind,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
)

# The salt from when surveys lived in the feedback app: thanks links already sent keep working.
THANKS_SALT = "feedback.survey-thanks"


def survey_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def survey_thanks_key(round: SurveyRound) -> str:
    """The thanks page's key: the round's id, signed (no time, nothing about the answerer), so
    the page after answering can name the round without the answering link in its address."""
    return signing.Signer(salt=THANKS_SALT).sign(str(round.pk))


def round_for_thanks_key(key: str) -> SurveyRound | None:
    try:
        round_id = int(signing.Signer(salt=THANKS_SALT).unsign(key))
    except (signing.BadSignature, ValueError):
        return None
    return SurveyRound.objects.select_related("team", "template").filter(pk=round_id).first()


class SurveyUnavailable(Exception):
    """The link is unknown, used, or its round is closed (or not open yet)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related("round__team", "round__template")
        .filter(token_hash=survey_token_hash(token))
        .first()
    )
    if invitation is None:
        raise SurveyUnavailable("unknown")
    if invitation.answered:
        raise SurveyUnavailable("used")
    round = invitation.round
    if round.closed or now >= round.closes_at:
        raise SurveyUnavailable("closed")
    if now < round.opens_at:
        raise SurveyUnavailable("not-open")
    return invitation


def _clean_answers(
    questions: list[SurveyQuestion], answers: dict[int, str]
) -> list[tuple[SurveyQuestion, int | None, str]]:
    cleaned, errors = [], {}
    for q in questions:
        raw = (answers.get(q.pk) or "").strip()
        if not raw:
            if q.required:
                errors[f"q{q.pk}"] = "Please answer this one."
            continue
        if q.kind == QuestionKind.TEXT:
            cleaned.append((q, None, raw[:2000]))
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[f"q{q.pk}"] = "Choose one of the options."
            continue
        low, high = {
            QuestionKind.AGREEMENT: (1, AGREEMENT_MAX),
            QuestionKind.SCALE_10: (0, 10),
            QuestionKind.CHOICE: (0, len(q.choices) - 1),
        }[q.kind]
        if not low <= value <= high:
            errors[f"q{q.pk}"] = "Choose one of the options."
            continue
        cleaned.append((q, value, ""))
    if errors:
        raise ValidationError(errors)
    return cleaned


def invitation_renewable(*, round: SurveyRound, user: User, now: datetime | None = None) -> None:
    """Raises SurveyUnavailable as invitation_renew would, and changes nothing: the reminders'
    page asks with a GET, and only its button (a POST) renews the link."""
    invitation = SurveyInvitation.objects.filter(round=round, user=user).first()
    _check_renewable(invitation, round, now or timezone.now())


def _check_renewable(invitation: SurveyInvitation | None, round: SurveyRound, now: datetime) -> None:
    if invitation is None:
        raise SurveyUnavailable("unknown")
    if invitation.answered:
        raise SurveyUnavailable("used")
    if round.closed or now >= round.closes_at:
        raise SurveyUnavailable("closed")
    if now < round.opens_at:
        raise SurveyUnavailable("not-open")


def invitation_renew(*, round: SurveyRound, user: User, now: datetime | None = None) -> str:
    """A fresh single-use link for someone invited to an open round who hasn't answered (the
    reminders' signed-in page issues it). The link's hash replaces the old one, so the
    emailed link stops working: there is only ever one key to an invitation."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = SurveyInvitation.objects.select_for_update().filter(round=round, user=user).first()
        _check_renewable(invitation, round, now)
        token = secrets.token_urlsafe(24)
        SurveyInvitation.objects.filter(pk=invitation.pk).update(token_hash=survey_token_hash(token))
    return token


def response_submit(*, token: str, answers: dict[int, str], now: datetime | None = None) -> SurveyResponse:
    """Store one anonymous response for an invitation link, once.

    The invitation is marked answered and the response written in one transaction, so a
    double submit stores one response (the second finds the link used). Neither row points at
    the other, and the response carries no time and a random id.

    The round's row is locked first: submits to a round (and closing it) take turns, so no
    answer lands after the round closed. And every invitation of the round is rewritten, not
    only this one: PostgreSQL stamps each row version with the transaction that wrote it
    (`xmin`) and stores it in write order, so rewriting this invitation alone would pair it,
    for anyone reading the database, with the response written in the same transaction.
    Rewritten together, the round's invitations all carry the latest submit's stamp and their
    order says nothing about whose answer came when.
    """
    token_hash = survey_token_hash(token)
    with transaction.atomic():
        round_id = SurveyInvitation.objects.filter(token_hash=token_hash).values_list("round_id", flat=True).first()
        if round_id is None:
            raise SurveyUnavailable("unknown")
        round = SurveyRound.objects.select_for_update(of=("self",)).select_related("template").get(pk=round_id)
        invitation = SurveyInvitation.objects.select_for_update().filter(token_hash=token_hash).first()
        if invitation is None or invitation.round_id != round.pk:  # renewed meanwhile
            raise SurveyUnavailable("unknown")
        invitation_for_token(token, now=now)  # used / closed / not open, with the rows locked
        questions = list(round.template.questions.all())
        cleaned = _clean_answers(questions, answers)
        SurveyInvitation.objects.filter(round=round).update(
            answered=Case(When(pk=invitation.pk, then=True), default=F("answered"))
        )
        response = SurveyResponse.objects.create(round=round)
        SurveyAnswer.objects.bulk_create(
            [SurveyAnswer(response=response, question=q, value=value, text=text) for q, value, text in cleaned]
        )
    return response
