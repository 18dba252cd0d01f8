"""The counts the database aggregates for a member or a team in a week (`WeekCounts`) and the
arithmetic that turns them into figures and scorecards. A figure whose denominator is zero is
`None`, shown as "not enough data yet", never as 0%."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from .definitions import ACK_CONSISTENT_SHARE, DEFINITIONS


@dataclass
class WeekCounts:
    """What the database counts for one member (or a whole team) in one week.

    Check-in counts belong to the week of the check-in; commitment outcomes to the week of the
    commitment's due date; `made`/`self_set` to the week the commitment was made for.
    """

    expected: int = 0
    checkins: int = 0
    on_time: int = 0
    acknowledged: int = 0
    ack_seconds: float = 0.0
    with_reply: int = 0
    support_requests: int = 0
    support_answered: int = 0
    support_open: int = 0  # asked for support, not answered yet (not a metric: "needs you")
    came_due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    renegotiated_in_time: int = 0
    renegotiated_late: int = 0
    partly_done: int = 0
    not_done: int = 0
    let_go: int = 0
    overdue_open: int = 0
    made: int = 0
    self_set: int = 0

    def __add__(self, other: WeekCounts) -> WeekCounts:
        result = WeekCounts(**{name: getattr(self, name) for name in COUNT_FIELDS})
        result.add(other)
        return result

    def add(self, other: WeekCounts) -> None:
        """In place: a dashboard adds up a few thousand cells (members × weeks)."""
        mine, theirs = self.__dict__, other.__dict__
        for name in COUNT_FIELDS:
            mine[name] += theirs[name]

    def update(self, row: dict) -> None:
        """Add the counts of an aggregate row (keys that are not counts are ignored). A row
        has a few keys, the counts twenty: loop over the row's."""
        mine = self.__dict__
        for name, value in row.items():
            if value and name in COUNT_NAMES:
                mine[name] += value

    @classmethod
    def zero(cls) -> WeekCounts:
        """Zero counts, made without dataclass __init__'s twenty keyword defaults: a team of
        500 over a range needs thousands of cells."""
        counts = cls.__new__(cls)
        counts.__dict__.update(ZERO_COUNTS)
        return counts

    @classmethod
    def total(cls, items: Iterable[WeekCounts]) -> WeekCounts:
        result = cls()
        for item in items:
            result.add(item)
        return result


COUNT_FIELDS = tuple(f.name for f in fields(WeekCounts))
COUNT_NAMES = frozenset(COUNT_FIELDS)
ZERO_COUNTS = {f.name: f.default for f in fields(WeekCounts)}


def share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def figures(counts: WeekCounts) -> dict[str, float | None]:
    """Every per-period metric that follows from counts alone."""
    came_due = counts.came_due
    return {
        "replies": share(counts.with_reply, counts.checkins),
        "support_answered": share(counts.support_answered, counts.support_requests),
        "participation": share(counts.checkins, counts.expected),
        "on_time": share(counts.on_time, counts.checkins),
        "acknowledged": share(counts.acknowledged, counts.checkins),
        "ack_hours": (counts.ack_seconds / counts.acknowledged / 3600) if counts.acknowledged else None,
        "follow_through": share(counts.done_on_time + counts.renegotiated_in_time, came_due),
        "done_on_time": share(counts.done_on_time, came_due),
        "done_late": share(counts.done_late, came_due),
        "renegotiated_in_time": share(counts.renegotiated_in_time, came_due),
        "renegotiated_late": share(counts.renegotiated_late, came_due),
        "not_done": share(counts.partly_done + counts.not_done + counts.overdue_open, came_due),
        "let_go": share(counts.let_go, came_due),
        "self_set": share(counts.self_set, counts.made),
    }


def streak(weekly_checkins: Sequence[int | None]) -> int:
    """Consecutive weeks with a check-in, counting back from the last one in the sequence.
    A week marked None (time away) neither counts nor breaks the streak."""
    count = 0
    for n in reversed(weekly_checkins):
        if n is None:
            continue
        if not n:
            break
        count += 1
    return count


def median_streak(per_member_weekly_checkins: Iterable[Sequence[int]]) -> float | None:
    streaks = [streak(weeks) for weeks in per_member_weekly_checkins]
    return statistics.median(streaks) if streaks else None


def steadiness(weekly: Sequence[WeekCounts]) -> float | None:
    """Standard deviation (percentage points) of weekly follow-through; needs two weeks."""
    rates = [figures(w)["follow_through"] for w in weekly]
    rates = [r * 100 for r in rates if r is not None]
    return statistics.pstdev(rates) if len(rates) >= 2 else None


def week_acknowledged(week: WeekCounts) -> bool | None:
    """Whether managers acknowledged enough of a week's check-ins (None: no check-ins)."""
    return week.acknowledged / week.checkins >= ACK_CONSISTENT_SHARE if week.checkins else None


def ack_consistency(weekly: Sequence[WeekCounts]) -> float | None:
    flags = [flag for flag in map(week_acknowledged, weekly) if flag is not None]
    return share(sum(flags), len(flags))


def streak_trend(per_member_weekly_checkins: Sequence[Sequence[int]]) -> list[float | None]:
    """The median streak as it stood at the end of each week."""
    if not per_member_weekly_checkins:
        return []
    running = [0] * len(per_member_weekly_checkins)
    trend: list[float | None] = []
    for index in range(len(per_member_weekly_checkins[0])):
        pairs = zip(running, per_member_weekly_checkins, strict=True)
        running = [run if weeks[index] is None else (run + 1) if weeks[index] else 0 for run, weeks in pairs]
        trend.append(statistics.median(running))
    return trend


@dataclass
class Scorecard:
    """A period's metrics, for a team or a member, with the weekly series behind them."""

    total: WeekCounts
    weekly: list[WeekCounts]
    values: dict[str, float | None] = field(default_factory=dict)
    trends: dict[str, list[float | None]] = field(default_factory=dict)


def scorecard(weekly: Sequence[WeekCounts], per_member_weekly_checkins: Iterable[Sequence[int]]) -> Scorecard:
    weekly = list(weekly)
    presence = [list(weeks) for weeks in per_member_weekly_checkins]
    total = WeekCounts.total(weekly)
    values = figures(total)
    values["streak"] = median_streak(presence)
    values["steadiness"] = steadiness(weekly)
    values["ack_consistency"] = ack_consistency(weekly)
    per_week = [figures(w) for w in weekly]
    trends = {key: [week[key] for week in per_week] for key in per_week[0]} if per_week else {}
    if per_week:
        trends["streak"] = streak_trend(presence) if presence else [None] * len(weekly)
        # Steadiness is the swing of the weekly follow-through: that series is its trend.
        trends["steadiness"] = trends["follow_through"]
        trends["ack_consistency"] = [None if flag is None else float(flag) for flag in map(week_acknowledged, weekly)]
    return Scorecard(total=total, weekly=weekly, values=values, trends=trends)


def format_value(key: str, value) -> str:
    if value is None:
        return "not enough data yet"
    unit = DEFINITIONS[key].unit
    if unit == "n":
        return f"{value:g}"
    if unit == "values":
        # [(value name, count)], in the values' order: team totals only.
        return " · ".join(f"{name} {count}" for name, count in value) if value else "none yet"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "h":
        return f"{value:.1f} h"
    if unit == "pp":
        return f"±{value:.0f} pts"
    return f"{value:g} weeks"
