"""Emails of the meetings app, written by meetings.services.dispatch through the outbox. All
three kinds are optional (registered in apps.py) and carry a one-click unsubscribe link."""

from django.conf import settings
from django.urls import reverse

from accountability.models import Commitment, OutboundEmail, User
from accountability.outbox import outbox_enqueue

from .models import AgendaPoint, Meeting


def _context(meeting: Meeting, user: User) -> dict:
    series = meeting.series
    return {
        "meeting": meeting,
        "series": series,
        "team": series.team,
        "user": user,
        "with_whom": series.other_person(user) if series.is_one_to_one else None,
        "url": settings.SITE_URL + reverse("meeting_series", args=[series.pk]),
    }


def meeting_agenda(*, meeting: Meeting, user: User, points: list[AgendaPoint], dedupe_key: str) -> OutboundEmail | None:
    return outbox_enqueue(
        kind="meeting_agenda",
        dedupe_key=dedupe_key,
        to_email=user.email,
        recipient=user,
        context={**_context(meeting, user), "points": points},
    )


def meeting_talking_points(*, meeting: Meeting, user: User, dedupe_key: str) -> OutboundEmail | None:
    return outbox_enqueue(
        kind="meeting_talking_points",
        dedupe_key=dedupe_key,
        to_email=user.email,
        recipient=user,
        context=_context(meeting, user),
    )


def meeting_action_items(
    *, meeting: Meeting, user: User, items: list[Commitment], dedupe_key: str
) -> OutboundEmail | None:
    return outbox_enqueue(
        kind="meeting_action_items",
        dedupe_key=dedupe_key,
        to_email=user.email,
        recipient=user,
        context={**_context(meeting, user), "items": items},
    )
