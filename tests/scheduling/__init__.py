"""Scheduled email (issue 7): dispatchers that act at each team's local time, and an outbox that
delivers each email once. Small helpers shared by the modules here."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from accountability.models import OutboundEmail


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(day: date, at: time, zone: str) -> datetime:
    """A wall-clock time in a zone as a UTC instant (first of two on the night clocks go back)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def walk_clock(start: datetime, end: datetime, step: timedelta, each: Callable[[datetime], None]) -> None:
    """What beat does: call `each(now)` at start, start + step, ... up to end, the clock frozen
    at each step."""
    with time_machine.travel(start, tick=False) as traveller:
        now = start
        while now <= end:
            traveller.move_to(now)
            each(now)
            now += step


def first_run(moment: datetime, start: datetime, step: timedelta) -> datetime:
    """The first step of a walk from `start` that is at or after `moment`."""
    if moment <= start:
        return start
    return start - ((start - moment) // step) * step


def outbox_log() -> list[tuple[str, str, datetime]]:
    """(kind, recipient, created at) of every outbox row, in a stable order."""
    return sorted(OutboundEmail.objects.values_list("kind", "to_email", "created_at"))
