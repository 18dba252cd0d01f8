"""Emails of the feedback app (see accountability/outbox/). They carry counts and links,
never what anyone wrote."""

from datetime import date

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue


def daily_digest_key(*, recipient: User, team: Team, to_admins: bool, through: date) -> str:
    """One digest per reader, team (or the admins' copy) and day the release covered."""
    return f"feedback-digest:{recipient.pk}:{team.pk}:{int(to_admins)}:{through.isoformat()}"


def daily_digest(
    *,
    recipient: User,
    team: Team,
    through: date,
    first_day: date,
    last_day: date,
    threads: int,
    answers: int,
    to_admins: bool,
    dedupe_key: str,
) -> OutboundEmail | None:
    """What the daily release just showed a reader: new threads and answers from writers, and
    the days they were written (`through` is the last day the release covered). Queued inside
    the release's transaction, delivered by the sweep the release asks for."""
    return outbox_enqueue(
        kind="feedback_digest",
        dedupe_key=dedupe_key,
        to_email=recipient.email,
        recipient=recipient,
        context={
            "recipient": recipient,
            "team": team,
            "first_day": first_day,
            "last_day": last_day,
            "count": threads,
            "answers": answers,
            "to_admins": to_admins,
            "url": settings.SITE_URL + reverse("feedback_inbox"),
        },
    )
