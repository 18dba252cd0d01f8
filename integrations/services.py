"""Every write of the integrations app: endpoints and channels, the event listener that turns
what the services emit into outbox rows, test events, and the HTTP sender the outbox calls."""

import json
import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accountability.models import OutboundEmail, Team, Transport, User
from accountability.outbox.posts import outbox_post, outbox_post_row
from accountability.registry import DeliveryRefused, event_id_for

from . import events, outbound, permissions, selectors
from .formats import Message, channel_body
from .models import TEST_EVENT, ChannelKind, Event, TeamChannel, WebhookEndpoint, new_secret

OUTBOX_KIND = "webhook"
logger = logging.getLogger(__name__)


def _check_url(url: str, field: str = "url") -> str:
    url = (url or "").strip()
    try:
        outbound.url_check(url)
    except outbound.UnsafeURL as exc:
        raise ValidationError({field: str(exc)}) from None
    return url


def _hint(url: str) -> str:
    """Enough of a secret URL to recognise it: scheme, host and the path's first characters."""
    target = outbound.url_check(url, resolve=False)
    return f"{target.scheme}://{target.host}{target.path[:12]}…"


# --- Webhook endpoints (organisation admins) --------------------------------------------------


def endpoint_create(
    *, actor: User, name: str, url: str, events: list[str], team: Team | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown to the admin once)."""
    if not permissions.can_manage_webhooks(actor):
        raise ValidationError("Only organisation admins register webhooks.")
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Give the endpoint a name you'll recognise."
    unknown = set(events) - set(Event.values)
    if not events or unknown:
        errors["events"] = "Choose at least one event to send."
    try:
        url = _check_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        name=name[:100],
        url=url,
        events=[e for e in Event.values if e in events],
        team=team,
        secret=secret,
        created_by=actor,
    )
    return endpoint, secret


def endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret (shown once); deliveries from now on are signed with it."""
    if not permissions.can_manage_webhooks(actor):
        raise ValidationError("Only organisation admins manage webhooks.")
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint.secret


def endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint; its queued deliveries fail when their turn comes (no secret to sign)."""
    if not permissions.can_manage_webhooks(actor):
        raise ValidationError("Only organisation admins manage webhooks.")
    endpoint.delete()


# --- Team channels (a team's managers) -------------------------------------------------------


def channel_connect(
    *,
    actor: User,
    team: Team,
    kind: str,
    name: str,
    url: str,
    post_week_summary: bool = True,
    post_updates: bool = True,
    post_recognition: bool = True,
    post_meetings: bool = True,
) -> TeamChannel:
    if not permissions.can_manage_channels(actor, team):
        raise ValidationError("Only the team's managers connect its channels.")
    errors = {}
    if kind not in ChannelKind.values:
        errors["kind"] = "Choose where the channel is."
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Give the channel a label, like “#team-alpha”."
    try:
        url = _check_url(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return TeamChannel.objects.create(
        team=team,
        kind=kind,
        name=name[:100],
        url=url,
        url_hint=_hint(url),
        post_week_summary=post_week_summary,
        post_updates=post_updates,
        post_recognition=post_recognition,
        post_meetings=post_meetings,
        created_by=actor,
    )


def channel_disconnect(*, actor: User, channel: TeamChannel) -> None:
    if not permissions.can_manage_channel(actor, channel):
        raise ValidationError("Only the team's managers disconnect its channels.")
    channel.delete()


# --- Deliveries -----------------------------------------------------------------------------


def _headers(*, name: str, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        outbound.EVENT_ID_HEADER: event_id,
        outbound.EVENT_TYPE_HEADER: name,
    }


def rows_build(
    *,
    name: str,
    event_id: str,
    team: Team | None,
    data: dict,
    message: Message,
    url: str,
    endpoints: list[WebhookEndpoint],
    channels: list[TeamChannel],
    at: datetime,
) -> list[OutboundEmail]:
    """One outbox row per endpoint and channel; the dedupe key is the target and the event id."""
    rows = []
    headers = _headers(name=name, event_id=event_id)
    if endpoints:
        body = json.dumps(
            events.envelope(name=name, event_id=event_id, team=team, data=data, url=url, at=at),
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for endpoint in endpoints:
            rows.append(
                outbox_post_row(
                    kind=OUTBOX_KIND,
                    dedupe_key=f"hook:{endpoint.ref}:{event_id}",
                    url=endpoint.url,
                    body=body,
                    target_ref=endpoint.ref,
                    subject=name,
                    headers=headers,
                )
            )
    for channel in channels:
        envelope = events.envelope(name=name, event_id=event_id, team=channel.team, data=data, url=url, at=at)
        rows.append(
            outbox_post_row(
                kind=OUTBOX_KIND,
                dedupe_key=f"hook:{channel.ref}:{event_id}",
                url=channel.url,
                body=channel_body(kind=channel.kind, message=message, envelope=envelope),
                target_ref=channel.ref,
                subject=f"{name}: {message.title}",
                headers=headers,
            )
        )
    return rows


def event_deliver(*, name: str, team: Team | None, payload: dict, event_id: str) -> int:
    """The listener registered with the core (accountability.registry.event_emit): write one
    outbox row per subscribed endpoint and channel, in the emitter's transaction. Set-based:
    one query for the endpoints, one for the channels (none for events channels don't post),
    what the event needs only if someone listens, and one insert."""
    team_id = team.pk if team is not None else payload.get("team_id")
    endpoints = selectors.endpoints_for(name=name, team_id=team_id)
    channels = selectors.channels_for(name=name, team_id=team_id, people=payload.get("people"))
    if not endpoints and not channels:
        return 0
    try:
        # A savepoint: should telling fail (a bug here), the emitter's own change still commits
        # and the failure is logged, rather than a check-in being lost to a webhook.
        with transaction.atomic():
            if team is None and team_id is not None:
                team = Team.objects.get(pk=team_id)
            described = events.describe(name=name, team=team, payload=payload)
            if described is None:
                return 0
            data, message, url = described
            rows = rows_build(
                name=name,
                event_id=event_id,
                team=team,
                data=data,
                message=message,
                url=url,
                endpoints=endpoints,
                channels=channels,
                at=timezone.now(),
            )
            return len(outbox_post(rows))
    except Exception:
        logger.exception("Event %s (%s) could not be queued for its webhooks and channels", name, event_id)
        return 0


@transaction.atomic
def endpoint_send_test(*, actor: User, endpoint: WebhookEndpoint) -> OutboundEmail | None:
    """The "send test event" button: a `ping` with a fresh event id, through the outbox."""
    if not permissions.can_manage_webhooks(actor):
        raise ValidationError("Only organisation admins manage webhooks.")
    return _send_test(endpoints=[endpoint], channels=[], team=endpoint.team)


@transaction.atomic
def channel_send_test(*, actor: User, channel: TeamChannel) -> OutboundEmail | None:
    if not permissions.can_manage_channel(actor, channel):
        raise ValidationError("Only the team's managers test its channels.")
    return _send_test(endpoints=[], channels=[channel], team=channel.team)


def _send_test(*, endpoints: list, channels: list, team: Team | None) -> OutboundEmail | None:
    event_id = event_id_for(TEST_EVENT, None)
    data, message, url = events.describe(name=TEST_EVENT, team=team, payload={})
    rows = rows_build(
        name=TEST_EVENT,
        event_id=event_id,
        team=team,
        data=data,
        message=message,
        url=url,
        endpoints=endpoints,
        channels=channels,
        at=timezone.now(),
    )
    inserted = outbox_post(rows)
    return inserted[0] if inserted else None


def _secret_for(ref: str) -> str:
    kind, _, pk = ref.partition(":")
    model = {"endpoint": WebhookEndpoint, "channel": TeamChannel}.get(kind)
    target = model.objects.filter(pk=pk, active=True).only("secret").first() if model and pk.isdigit() else None
    if target is None:
        raise DeliveryRefused("The endpoint or channel was removed or turned off.")
    return target.secret


def http_send(row: OutboundEmail) -> None:
    """The outbox's sender for `http` rows (registered in apps.py): sign the body with the
    target's current secret and a fresh timestamp, and POST it (outbound.post: the address
    checked and connected to, no redirects, timeouts, a capped read). Raises when not taken."""
    if row.transport != Transport.HTTP:
        raise DeliveryRefused(f"not an HTTP row: {row.transport}")
    body = row.body_text.encode()
    headers = dict(row.headers or {})
    headers[outbound.SIGNATURE_HEADER] = outbound.signature(
        secret=_secret_for(row.target_ref), timestamp=outbound.now_timestamp(), body=body
    )
    outbound.post(url=row.target_url, body=body, headers=headers)
