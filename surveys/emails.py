"""Emails of the survey app (see accountability/outbox/): the invitation, which carries the
single-use link, and the reminders, which never do."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, User
from accountability.outbox import outbox_enqueue

from .models import SurveyInvitation, SurveyRound


def _survey_context(round: SurveyRound, user: User, url: str) -> dict:
    tz = ZoneInfo(user.time_zone) if user.time_zone else round.team.tz
    return {
        "round": round,
        "team": round.team,
        "user": user,
        "url": url,
        "closes_at_local": round.closes_at.astimezone(tz),
        "tz_name": str(tz),
    }


def survey_invitation_key(*, round_id: int, user_id: int) -> str:
    return f"survey-invite:{round_id}:{user_id}"


def survey_invitation(*, round: SurveyRound, user: User, token: str) -> OutboundEmail | None:
    """The invitation carries the single-use link: the link is the permission to answer."""
    url = settings.SITE_URL + reverse("survey_answer", args=[token])
    return outbox_enqueue(
        kind="survey_invitation",
        dedupe_key=survey_invitation_key(round_id=round.pk, user_id=user.pk),
        to_email=user.email,
        recipient=user,
        context=_survey_context(round, user, url),
    )


def survey_reminder_key(*, invitation: SurveyInvitation, kind: str) -> str:
    return f"survey-reminder:{invitation.round_id}:{invitation.user_id}:{kind}"


def survey_reminder(*, round: SurveyRound, invitation: SurveyInvitation, kind: str) -> OutboundEmail | None:
    """A nudge to someone who hasn't answered. The single-use token is not kept anywhere, so the
    reminder points to the signed-in survey page, which issues a fresh link for them."""
    user = invitation.user
    url = settings.SITE_URL + reverse("survey_open", args=[round.pk])
    return outbox_enqueue(
        kind="survey_reminder",
        dedupe_key=survey_reminder_key(invitation=invitation, kind=kind),
        to_email=user.email,
        recipient=user,
        context={**_survey_context(round, user, url), "reminder": kind},
    )
