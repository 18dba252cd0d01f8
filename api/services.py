"""Every write of the API app: access tokens and calendar feeds, made and revoked."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accountability.models import AuditAction, User
from accountability.services.audit import audit_record

from .models import AccessToken, CalendarFeed, Scope, token_hash

TOKEN_PREFIX = "acc_"  # noqa: S105 (a label, not a secret)
# How long a new token may live, in days: the profile page offers these.
TOKEN_LIFETIMES = (7, 30, 90, 365)
# A person's tokens that are neither revoked nor expired, at most.
TOKENS_PER_PERSON = 20
NAME_MAX = 100
_FEED_SALT = "api.calendar-feed"


@dataclass(frozen=True)
class NewToken:
    token: AccessToken
    # The token itself: shown once, never stored.
    raw: str


@transaction.atomic
def access_token_create(
    *, user: User, name: str, scope: str, lifetime_days: int, now: datetime | None = None
) -> NewToken:
    """A new personal access token. Its value is returned once and only its hash is kept."""
    now = now or timezone.now()
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that will use it."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name to {NAME_MAX} characters or fewer."})
    if scope not in Scope.values:
        raise ValidationError({"scope": "Choose read only, or read and write."})
    if lifetime_days not in TOKEN_LIFETIMES:
        raise ValidationError({"lifetime_days": "Choose how long the token lasts."})
    # Locked, so two forms sent at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = AccessToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= TOKENS_PER_PERSON:
        raise ValidationError(f"You have {active} tokens already: revoke one you no longer use first.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(raw),
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    # Who made a key to act as themselves, what it may do and until when; never the value.
    audit_record(
        actor=user,
        action=AuditAction.API_TOKEN_CREATED,
        target=token,
        target_label=name,
        after={"scope": scope, "expires_at": token.expires_at.isoformat()},
    )
    return NewToken(token=token, raw=raw)


def access_token_revoke(*, token: AccessToken, actor: User, now: datetime | None = None) -> AccessToken:
    """Revoke one of the actor's own tokens (revoking twice changes nothing)."""
    if token.user_id != actor.pk:
        raise ValidationError("That is not your token.")
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def access_token_touch(*, token: AccessToken, now: datetime, every: timedelta = timedelta(minutes=5)) -> None:
    """Note when a token was last used, at most once per `every`: not a write per request."""
    if token.last_used_at is None or now - token.last_used_at >= every:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Calendar feeds -----------------------------------------------------------------------


def calendar_feed_token(feed: CalendarFeed) -> str:
    """The secret part of the feed's address (derived, see api.models)."""
    return salted_hmac(_FEED_SALT, feed.key, algorithm="sha256").hexdigest()[:48]


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new private address for the person's calendar feed; any earlier one stops working."""
    key = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=user, key=key)
    feed.token_hash = token_hash(calendar_feed_token(feed))
    CalendarFeed.objects.filter(user=user).delete()
    feed.save()
    return feed


def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def calendar_feed_user(token: str) -> User | None:
    """Whose feed an address opens, or None (unknown, revoked, or the person is inactive)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
