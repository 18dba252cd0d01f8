"""One function per email kind of the core app. Each writes an outbox row (see outbox/) in
the caller's transaction and returns it, or None when the dedupe key says it exists already.

Templates: templates/emails/<kind>_subject.txt, <kind>_body.txt and <kind>_body.html.
"""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .models import Commitment, Invitation, OutboundEmail, Team, User
from .outbox import outbox_enqueue

# Repeated password-reset requests for one account within this window send one email.
PASSWORD_RESET_WINDOW_SECONDS = 5 * 60


def invitation(*, invitation: Invitation, url: str, invited_by: User | None, day: date) -> OutboundEmail | None:
    # At most one copy a day, however often a manager presses "invite".
    return outbox_enqueue(
        kind="invitation",
        dedupe_key=f"invitation:{invitation.pk}:{day.isoformat()}",
        to_email=invitation.email,
        context={"invitation": invitation, "team": invitation.team, "url": url, "invited_by": invited_by},
    )


def added_to_team(*, team: Team, user: User, invited_by: User | None) -> OutboundEmail | None:
    membership_id = user.memberships.get(team=team).pk
    return outbox_enqueue(
        kind="added_to_team",
        dedupe_key=f"added-to-team:{membership_id}",
        to_email=user.email,
        recipient=user,
        context={
            "team": team,
            "user": user,
            "invited_by": invited_by,
            "url": settings.SITE_URL + reverse("team_detail", args=[team.slug]),
        },
    )


def password_reset(*, user: User, url: str) -> OutboundEmail | None:
    window = int(timezone.now().timestamp()) // PASSWORD_RESET_WINDOW_SECONDS
    return outbox_enqueue(
        kind="password_reset",
        dedupe_key=f"password-reset:{user.pk}:{window}",
        to_email=user.email,
        recipient=user,
        context={"user": user, "url": url},
    )


def commitment_overdue(*, commitment: Commitment, team: Team, dedupe_key: str) -> OutboundEmail | None:
    return outbox_enqueue(
        kind="commitment_overdue",
        dedupe_key=dedupe_key,
        to_email=commitment.owner.email,
        recipient=commitment.owner,
        context={
            "team": team,
            "commitment": commitment,
            "member": commitment.owner,
            "url": settings.SITE_URL + reverse("commitment_detail", args=[commitment.pk]),
            "week_url": settings.SITE_URL + reverse("this_week", args=[team.slug]),
        },
    )


def data_export_ready(*, export, url: str) -> OutboundEmail | None:
    """The link to a person's data export (a key to it: the body is blanked once sent)."""
    return outbox_enqueue(
        kind="data_export_ready",
        dedupe_key=f"data-export:{export.pk}",
        to_email=export.user.email,
        recipient=export.user,
        context={"user": export.user, "export": export, "url": url},
    )
