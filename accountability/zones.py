"""What is due now, in each time zone: how the beat dispatchers find their teams with a bounded
number of queries, whatever the number of teams.

The design: a dispatcher asks the database for the distinct zones in use (one query: a few
dozen, at most the ~600 of the IANA database, however many teams), computes each zone's local
moment in Python with `zoneinfo` (accountability/weeks.py's rules), and turns the answer into
ONE filter per zone, OR-ed: "teams in Tokyo whose check-in day and time have passed", "managers
in Berlin". One query then returns exactly the due rows, and when nothing is due, nothing.

Why not the alternatives:
* PostgreSQL's `AT TIME ZONE` on the team's column would need no zone list, but the app also
  runs on SQLite (`make run`), and PostgreSQL reads a wall-clock time that happens twice (the
  night clocks go back) as the later instant where weeks.local_instant takes the earlier.
* A `next_due_at` column per team, updated when settings change, is one more thing every
  writer (the settings page, the admin, bulk loads, a zone database update) must remember;
  a missed update silently drops a reminder. Zones are recomputed every tick instead.

Where a team's own columns decide (check-in day and time), the per-zone filter is a slightly
generous candidate filter on the wall clock, and weeks.py's exact instants decide in Python for
the few rows it returns, so daylight-saving nights behave exactly as they always did.
"""

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet


def zones_in_use(queryset: QuerySet, field: str) -> list[str]:
    """The distinct zones in `field` of `queryset` (one query), valid ones only."""
    zones = queryset.order_by().values_list(field, flat=True).distinct()
    return [zone for zone in zones if zone and _valid(zone)]


def _valid(zone: str) -> bool:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_now(zone: str, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def any_of(filters: Iterable[Q | None]) -> Q | None:
    """The OR of the filters given (None ones skipped); None when there is none: nothing is due,
    and the caller asks the database nothing more."""
    present = [f for f in filters if f is not None]
    return reduce(or_, present) if present else None


def per_zone(zones: Iterable[str], now: datetime, build: Callable[[str, datetime], Q | None]) -> Q | None:
    """`build(zone, local now)` for each zone, OR-ed (see any_of)."""
    return any_of(build(zone, local_now(zone, now)) for zone in zones)
