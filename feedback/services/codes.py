"""The writer's follow-up codes, and the throttles and single-use pages around them: all in
the cache as expiring keyed hashes, never in the database, never logged."""

import base64
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accountability.models import User

DAILY_LIMIT = 5  # anonymous submissions per writer per day
WRONG_CODE_LIMIT = 10  # wrong follow-up codes per client per window
WRONG_CODE_WINDOW_SECONDS = 15 * 60


# --- Codes -------------------------------------------------------------------------------


def code_new() -> str:
    """A 120-bit random code, easy to copy: six groups of four letters and digits."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode()  # 24 characters, no padding
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def code_normalise(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(code_normalise(code).encode()).hexdigest()


# --- Throttling (cache only, keyed hashes, expiring) ---------------------------------------


def _keyed(purpose: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"fb:{purpose}:{digest}"


def _writer_key(writer: User, today: date) -> str:
    return _keyed("writer", f"{writer.pk}:{today.isoformat()}")


def submissions_left(*, writer: User, today: date | None = None) -> int:
    # The limit's day is UTC's: the same for every writer, whatever zone their pages use.
    today = today or timezone.now().date()
    return max(DAILY_LIMIT - (cache.get(_writer_key(writer, today)) or 0), 0)


def count_submission(writer: User, today: date) -> None:
    key = _writer_key(writer, today)
    # Expires after the day (plus slack for time zones); never written to the database.
    if not cache.add(key, 1, timeout=36 * 3600):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=36 * 3600)


def wrong_code_throttled(*, client_key: str) -> bool:
    return (cache.get(_keyed("code", client_key)) or 0) >= WRONG_CODE_LIMIT


def wrong_code_record(*, client_key: str) -> None:
    key = _keyed("code", client_key)
    if not cache.add(key, 1, timeout=WRONG_CODE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=WRONG_CODE_WINDOW_SECONDS)


# --- Shown once (post/redirect/get for the writer's pages) ------------------------------------

SHOWN_ONCE_SECONDS = 5 * 60


def shown_once_put(*, value: dict, now: datetime | None = None) -> str:
    """Keep `value` (the follow-up code to show, or which conversation to show) in the shared
    cache for the one page that shows it, under a random single-use token the writer's browser
    is redirected to. Never the session, a cookie or a URL: the token is worth nothing once
    that page has been shown, and a few minutes later in any case. The expiry is checked here
    as well as by the cache, so it holds whatever the cache's own clock does."""
    token = secrets.token_urlsafe(18)
    expires = (now or timezone.now()) + timedelta(seconds=SHOWN_ONCE_SECONDS)
    cache.set(_keyed("once", token), {**value, "expires": expires.timestamp()}, timeout=SHOWN_ONCE_SECONDS)
    return token


def shown_once_take(*, token: str, now: datetime | None = None) -> dict | None:
    """The value kept under the token, once: None if it was taken already, or has expired.
    Of two requests racing for it, only the one whose delete removed it gets it."""
    key = _keyed("once", token or "")
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    if value.pop("expires", 0) <= (now or timezone.now()).timestamp():
        return None
    return value
