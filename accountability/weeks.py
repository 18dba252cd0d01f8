"""Weeks, due times and deadlines in a team's time zone. All such arithmetic lives here.

A team's week is the ISO week (Monday to Sunday) in the team's time zone. It is identified by
the date of its Monday (`Week.start`), which is what the database stores.

Local wall-clock times are turned into instants with `zoneinfo` and `fold=0`: on the night a
clock goes back, 01:30 happens twice and we take the first; on the night it goes forward, a
time that does not exist (02:30 in New York in March) is read with the offset before the jump,
which lands an hour later on the wall clock. Either way each week has exactly one due instant,
so a daylight-saving change can neither skip nor double a deadline.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class Week:
    start: date  # the Monday

    def __post_init__(self) -> None:
        if self.start.weekday() != 0:
            raise ValueError(f"{self.start} is not a Monday")

    @classmethod
    def containing(cls, day: date) -> "Week":
        return cls(day - timedelta(days=day.weekday()))

    @classmethod
    def from_label(cls, label: str) -> "Week":
        """Parse '2026-W48'. Raises ValueError for anything that is not a real ISO week."""
        match = _WEEK_LABEL.match(label)
        if not match:
            raise ValueError(f"{label!r} is not a week like 2026-W48")
        year, number = int(match[1]), int(match[2])
        try:
            return cls(date.fromisocalendar(year, number, 1))
        except ValueError as exc:
            raise ValueError(f"{label!r} is not a week of {year}") from exc

    @property
    def end(self) -> date:
        """The Sunday."""
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        year, number, _ = self.start.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def number(self) -> int:
        return self.start.isocalendar()[1]

    def next(self) -> "Week":
        return Week(self.start + timedelta(days=7))

    def previous(self) -> "Week":
        return Week(self.start - timedelta(days=7))

    def day(self, weekday: int) -> date:
        return self.start + timedelta(days=weekday)

    def __str__(self) -> str:
        return self.label


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a day in a zone (see the module docstring)."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def current_week(tz: ZoneInfo, now: datetime) -> Week:
    return Week.containing(local_date(now, tz))


def week_opens_at(week: Week, tz: ZoneInfo) -> datetime:
    return local_instant(week.start, time(0, 0), tz)


def week_closes_at(week: Week, tz: ZoneInfo) -> datetime:
    """The instant the week ends: midnight at the start of the next Monday, local time."""
    return local_instant(week.next().start, time(0, 0), tz)


def checkin_due_at(week: Week, tz: ZoneInfo, weekday: int, at: time) -> datetime:
    return local_instant(week.day(weekday), at, tz)


def week_range(last: Week, count: int) -> list[Week]:
    """`count` weeks ending with `last`, oldest first."""
    return [Week(last.start - timedelta(days=7 * i)) for i in reversed(range(count))]
