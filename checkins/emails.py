"""One function per email kind of the check-ins app (see accountability/outbox.py)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue
from accountability.weeks import Week


def replies(*, team: Team, member: User, author: User, window: int, send_after: datetime) -> OutboundEmail | None:
    """ "You have replies": one per member, team and batch window. It names who replied and
    links to the week page; the replies themselves stay in the app."""
    return outbox_enqueue(
        kind="replies",
        dedupe_key=f"replies:{member.pk}:{team.pk}:{window}",
        to_email=member.email,
        recipient=member,
        send_after=send_after,
        context={
            "team": team,
            "member": member,
            "author": author,
            "url": settings.SITE_URL + reverse("this_week", args=[team.slug]),
        },
    )


def checkin_reminder(
    *, kind: str, team: Team, member: User, week: Week, due_at: datetime, closes_at: datetime, dedupe_key: str
) -> OutboundEmail | None:
    """The check-in reminder (at the team's check-in time) or the nudge (before the week
    closes), to a member who hasn't checked in. Times read in the member's own zone."""
    return outbox_enqueue(
        kind=kind,
        dedupe_key=dedupe_key,
        to_email=member.email,
        recipient=member,
        schedule=False,
        context={
            "team": team,
            "member": member,
            "week": week,
            "due_at": due_at,
            "closes_at": closes_at,
            "url": settings.SITE_URL + reverse("this_week", args=[team.slug]),
        },
    )
