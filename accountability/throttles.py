"""Throttles on top of django-allauth's rate limits (ACCOUNT_RATE_LIMITS in settings), which count
in the shared cache (Redis), so every web process sees the same counts.

allauth refuses once a limit is reached; these helpers add when it opens again, for the message
people read, and the invitation limits, which allauth has no view for.
"""

import math
import time
from datetime import datetime, timedelta

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

ACCOUNT_APP = "allauth.account"


def retry_after(request: HttpRequest, *, action: str, key: str | None = None, user=None) -> float:
    """Seconds until `action` is allowed again for this client (and key/user); 0 if it is now.

    allauth keeps, per limit, the times of the recent hits (newest first) for the limit's
    window; a full window opens again when the oldest hit that still counts ages out."""
    now = time.time()
    wait = 0.0
    for rate in allauth_ratelimit.get_rates(app=ACCOUNT_APP, action=action):
        if rate.per == "key" and key is None:
            continue
        if rate.per == "user" and user is None and not request.user.is_authenticated:
            continue
        cache_key = allauth_ratelimit.get_cache_key(
            request, app=ACCOUNT_APP, action=action, rate=rate, key=key, user=user
        )
        history = [hit for hit in cache.get(cache_key, []) if hit > now - rate.duration]
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return wait


def retry_phrase(seconds: float) -> str:
    """ "after 16:42 (in 13 minutes)", in the active time zone."""
    minutes = max(1, math.ceil(seconds / 60))
    at: datetime = timezone.localtime(timezone.now() + timedelta(seconds=seconds))
    if minutes >= 120:
        span = f"{round(minutes / 60)} hours"
    else:
        span = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"after {at:%H:%M} ({timezone.get_current_timezone_name()}), in about {span}"


def invitation_consume(request: HttpRequest, *, email: str) -> bool:
    """Count one invitation from the signed-in sender to `email`; False when the sender's daily
    limit, or the limit for that address, is reached (and then nothing is counted)."""
    return ratelimit.consume(request, action="invite", key=email.strip().lower(), user=request.user)
