"""One function per email kind of the updates app (see accountability/outbox.py)."""

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue


def recognition_received(*, recognition, recipient: User, values: list) -> OutboundEmail | None:
    """Someone thanked them. The message is plain text: escaped in the HTML part."""
    return outbox_enqueue(
        kind="recognition_received",
        dedupe_key=f"recognition:{recognition.pk}:{recipient.pk}",
        to_email=recipient.email,
        recipient=recipient,
        context={
            "recipient": recipient,
            "giver": recognition.giver,
            "message": recognition.message,
            "values": values,
            "url": settings.SITE_URL + reverse("recognition_mine"),
        },
    )


def update_question(*, update, asker: User) -> OutboundEmail | None:
    """To an update's author: someone has a question about it (named: questions are owned)."""
    author = update.author
    if author is None or not author.is_active:
        return None
    return outbox_enqueue(
        kind="update_question",
        dedupe_key=f"update-question:{update.pk}:{asker.pk}",
        to_email=author.email,
        recipient=author,
        context={
            "author": author,
            "asker": asker,
            "update": update,
            "team": update.team,
            "url": settings.SITE_URL + reverse("update_detail", args=[update.pk]),
        },
    )


def updates_digest(*, member: User, team: Team, updates: list, dedupe_key: str) -> OutboundEmail | None:
    """The updates a member has not read, posted last week: titles and their sanitised text."""
    return outbox_enqueue(
        kind="updates_digest",
        dedupe_key=dedupe_key,
        to_email=member.email,
        recipient=member,
        context={
            "member": member,
            "team": team,
            "updates": updates,
            "site_url": settings.SITE_URL,
            "url": settings.SITE_URL + reverse("team_updates", args=[team.slug]),
        },
    )
