"""Reachability probes for /healthz and the "emails are waiting" banner."""

import time

import redis
from django.conf import settings

_BROKER_CACHE_SECONDS = 30
_broker_cache: tuple[float, bool] | None = None


def database_ok(connection) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok(*, use_cache: bool = True) -> bool:
    """Can we reach the Celery broker? Pages use a per-process cached answer (30 s) so a dead
    Redis costs one short timeout now and then, not one per request."""
    global _broker_cache
    now = time.monotonic()
    if use_cache and _broker_cache and now - _broker_cache[0] < _BROKER_CACHE_SECONDS:
        return _broker_cache[1]
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        ok = bool(client.ping())
        client.close()
    except Exception:
        ok = False
    _broker_cache = (now, ok)
    return ok
