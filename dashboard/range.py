"""The range of weeks a dashboard page shows, read from the request's query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from accountability.weeks import Week, week_range

DEFAULT_WEEKS = 8
MAX_WEEKS = 52
# The range form's shortcuts ("last N weeks").
SHORTCUTS = [4, 8, 13, 26, 52]


@dataclass(frozen=True)
class WeekRange:
    first: Week
    last: Week

    @classmethod
    def ending(cls, last: Week, count: int) -> WeekRange:
        return cls(Week(last.start - timedelta(weeks=count - 1)), last)

    @property
    def count(self) -> int:
        return (self.last.start - self.first.start).days // 7 + 1

    @property
    def weeks(self) -> list[Week]:
        return week_range(self.last, self.count)

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def end(self) -> date:
        return self.last.end

    @property
    def label(self) -> str:
        return self.first.label if self.first == self.last else f"{self.first.label} to {self.last.label}"

    @property
    def query(self) -> str:
        return urlencode({"from": self.first.label, "to": self.last.label})


def parse_range(params: Mapping[str, str], *, current: Week) -> tuple[WeekRange, str | None]:
    """The range a request asks for, or the default (the last DEFAULT_WEEKS weeks, this one
    included) and a message saying why. `?weeks=N` counts back from the current week;
    `?from=2026-W40&to=2026-W47` names both ends (either may be left out)."""
    default = WeekRange.ending(current, DEFAULT_WEEKS)
    instead = f" Showing the last {DEFAULT_WEEKS} weeks instead."
    first_label = (params.get("from") or "").strip()
    last_label = (params.get("to") or "").strip()
    if first_label or last_label:
        try:
            last = Week.from_label(last_label) if last_label else current
        except ValueError:
            return default, f"“{last_label[:20]}” is not a week like {current.label}.{instead}"
        try:
            first = Week.from_label(first_label) if first_label else WeekRange.ending(last, DEFAULT_WEEKS).first
        except ValueError:
            return default, f"“{first_label[:20]}” is not a week like {current.label}.{instead}"
        except OverflowError:
            return default, f"{last.label} is too long ago.{instead}"
        if last > current:
            return default, f"{last.label} hasn't started yet.{instead}"
        if first > last:
            return default, f"The range starts ({first.label}) after it ends ({last.label}).{instead}"
        chosen = WeekRange(first, last)
        if chosen.count > MAX_WEEKS:
            return default, f"That is {chosen.count} weeks; the dashboard shows up to {MAX_WEEKS} at a time.{instead}"
        return chosen, None
    raw = (params.get("weeks") or "").strip()
    if not raw:
        return default, None
    try:
        count = int(raw)
    except ValueError:
        return default, f"“{raw[:20]}” is not a number of weeks.{instead}"
    if not 1 <= count <= MAX_WEEKS:
        return default, f"Choose between 1 and {MAX_WEEKS} weeks.{instead}"
    return WeekRange.ending(current, count), None
