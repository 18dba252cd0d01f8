"""What the API app holds about a person, for "export my data" and deleting a person
(registered in apps.py). Token values and the calendar feed's secret are never exported: only
their hashes are kept, and a hash is no use to anyone."""

from accountability.models import User

from .models import AccessToken, CalendarFeed


def _iso(value):
    return value.isoformat() if value is not None else None


def export(user: User) -> dict:
    return {
        "api_tokens": [
            {
                "name": t.name,
                "scope": t.scope,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in AccessToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "calendar_feed": {"exists": CalendarFeed.objects.filter(user=user).exists()},
    }


def erase(user: User) -> None:
    """A deleted person's tokens and feed go: nothing may sign in as "former member"."""
    AccessToken.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
