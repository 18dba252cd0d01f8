"""Reads of the integrations app: who is subscribed to an event (one query each), and the
delivery logs (the outbox rows of an endpoint or a channel, a page at a time)."""

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accountability.models import OutboundEmail, Team, Transport

from .models import CHANNEL_EVENTS, TeamChannel, WebhookEndpoint

LOG_PER_PAGE = 25


def endpoints_for(*, name: str, team_id: int | None) -> list[WebhookEndpoint]:
    """Active endpoints subscribed to `name` for this team (or organisation-wide). One query:
    endpoints are an admin's few, their subscriptions filtered here."""
    scope = Q(team__isnull=True) | Q(team_id=team_id) if team_id is not None else Q(team__isnull=True)
    return [e for e in WebhookEndpoint.objects.filter(scope, active=True).order_by("pk") if name in (e.events or [])]


def channels_for(*, name: str, team_id: int | None, people: list[int] | None = None) -> list[TeamChannel]:
    """Active channels that post this event: the team's, or for thanks (no team) the channels of
    every team the people thanked are in. One query; none for events channels don't post."""
    switch = CHANNEL_EVENTS.get(name)
    if switch is None:
        return []
    channels = TeamChannel.objects.filter(active=True, **{switch: True}).select_related("team")
    if team_id is not None:
        channels = channels.filter(team_id=team_id)
    elif people:
        channels = channels.filter(team__memberships__user_id__in=people).distinct()
    else:
        return []
    return list(channels.order_by("pk"))


def team_channels(team: Team) -> QuerySet[TeamChannel]:
    return TeamChannel.objects.filter(team=team).order_by("name", "pk")


def endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("team").order_by("name", "pk")


def deliveries(*, ref: str, page_number: int | str | None = None) -> Page:
    """A target's deliveries, newest first: status, attempts, last error. Never the body."""
    rows = (
        OutboundEmail.objects.filter(transport=Transport.HTTP, target_ref=ref)
        .only("pk", "kind", "subject", "status", "attempts", "last_error", "created_at", "sent_at", "next_attempt_at")
        .order_by("-created_at", "-pk")
    )
    return Paginator(rows, LOG_PER_PAGE).get_page(page_number)


def recent_deliveries(*, refs: list[str], per_target: int = 5) -> dict[str, list[OutboundEmail]]:
    """The last few deliveries of each target (a team's channels page): one query."""
    if not refs:
        return {}
    rows = (
        OutboundEmail.objects.filter(transport=Transport.HTTP, target_ref__in=refs)
        .only("pk", "target_ref", "subject", "status", "attempts", "last_error", "created_at")
        .order_by("-created_at", "-pk")[: per_target * len(refs) * 4]
    )
    found: dict[str, list[OutboundEmail]] = {ref: [] for ref in refs}
    for row in rows:
        if len(found[row.target_ref]) < per_target:
            found[row.target_ref].append(row)
    return found
