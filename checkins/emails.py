"""One function per email kind of the check-ins app (see accountability/outbox.py)."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue


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
