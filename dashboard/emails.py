"""The dashboard's email: the weekly manager digest (dashboard/digest.py queues it)."""

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue


def manager_digest(
    *,
    manager: User,
    team: Team,
    week,
    board,
    new_feedback: int | None,
    dedupe_key: str,
    one_to_ones: list | None = None,
) -> OutboundEmail | None:
    """Last week in a team, for one of its managers: participation, follow-through, what needs
    them, and how many pieces of anonymous feedback arrived (the count only)."""
    return outbox_enqueue(
        kind="manager_digest",
        dedupe_key=dedupe_key,
        to_email=manager.email,
        recipient=manager,
        context={
            "manager": manager,
            "team": team,
            "week": week,
            "board": board,
            "new_feedback": new_feedback,
            "url": settings.SITE_URL + reverse("team_dashboard", args=[team.slug]),
            "inbox_url": settings.SITE_URL + reverse("feedback_inbox"),
            # The manager's one-to-ones planned this week (meetings.selectors.one_to_ones_due_by_manager).
            "one_to_ones": one_to_ones or [],
            "meetings_url": settings.SITE_URL + reverse("meetings_index"),
        },
    )
