"""Each member's weekly counts over a range, and the team's figures added up from them.

Cost: each kind of figure is one query over the range, grouped by team, person and week, so
the number of queries is the same for 5 or 200 members and for any length of history, and
the rows read follow the range (at most MAX_WEEKS weeks), not the history. Python only adds
up those cells (members × weeks) into the team's weekly totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from accountability import selectors
from accountability.models import Membership, Team
from accountability.weeks import Week, local_date
from checkins import selectors as checkin_selectors

from . import metrics
from .metrics import Scorecard, WeekCounts
from .range import WeekRange


@dataclass
class MemberFigures:
    membership: Membership
    weekly: list[WeekCounts]
    checked_in: list[int]
    mood_sums: list[int]
    away: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.away = self.away or [False] * len(self.checked_in)

    @property
    def streak_series(self) -> list[int | None]:
        """Check-ins by week, with weeks that asked for none (away, before joining, or this week
        before its check-in is due) as None: they neither count nor break a streak."""
        return [
            None if not n and (away or not counts.expected) else n
            for n, away, counts in zip(self.checked_in, self.away, self.weekly, strict=True)
        ]

    @cached_property
    def card(self) -> Scorecard:
        """This member's figures, computed when first read: a team of 500 shows a page of
        rows, and the team's own figures need only the weekly counts."""
        return metrics.scorecard(self.weekly, [self.streak_series])

    @property
    def user(self):
        return self.membership.user

    @property
    def moods(self) -> list[int | None]:
        return [mood if checked else None for mood, checked in zip(self.mood_sums, self.checked_in, strict=True)]

    @property
    def average_mood(self) -> float | None:
        moods = [m for m in self.moods if m is not None]
        return sum(moods) / len(moods) if moods else None

    @property
    def overdue(self) -> int:
        return self.card.total.overdue_open


def collect(
    teams: list[Team],
    ranges: Mapping[int, WeekRange],
    now: datetime,
    *,
    memberships: list[Membership] | None = None,
) -> dict[int, list[MemberFigures]]:
    """Every member's counts for every week of their team's range: four queries (memberships,
    check-ins, commitment outcomes, commitments made) whatever the number of teams. A member's
    own scorecard is computed only when read (the overview shows teams' figures only)."""
    person_id = memberships[0].user_id if memberships and len(memberships) == 1 else None
    if memberships is None:
        memberships = selectors.dashboard_memberships([team.pk for team in teams])
    by_team: dict[int, list[MemberFigures]] = {team.pk: [] for team in teams}
    cells: dict[tuple[int, int], MemberFigures] = {}
    index = {team_id: {week.start: i for i, week in enumerate(r.weeks)} for team_id, r in ranges.items()}
    for membership in memberships:
        n = ranges[membership.team_id].count
        figures = MemberFigures(membership, [WeekCounts.zero() for _ in range(n)], [0] * n, [0] * n)
        by_team[membership.team_id].append(figures)
        cells[membership.team_id, membership.user_id] = figures
    if not cells:
        return by_team

    spans = {team_id: (r.start, r.end) for team_id, r in ranges.items()}
    today = {team.pk: team.today(now) for team in teams}

    # A team of 500 reads some 10,000 rows here: the lookups are inlined.
    for row in checkin_selectors.checkin_counts(spans=spans, member_id=person_id):
        figures = cells.get((row["team_id"], row["member_id"]))
        i = index[row["team_id"]].get(row["week"])
        if figures is not None and i is not None:
            figures.weekly[i].update(row)
            figures.checked_in[i] = 1 if row["checkins"] else 0
            figures.mood_sums[i] = row["mood_sum"] or 0
    week_of: dict[date, date] = {}
    for row in selectors.commitment_outcome_counts(spans=spans, today=today, owner_id=person_id):
        due = row["due_date"]
        if due not in week_of:
            week_of[due] = Week.containing(due).start
        figures = cells.get((row["team_id"], row["owner_id"]))
        i = index[row["team_id"]].get(week_of[due])
        if figures is not None and i is not None:
            figures.weekly[i].update(row)
    for row in selectors.commitment_made_counts(spans=spans, owner_id=person_id):
        figures = cells.get((row["team_id"], row["owner_id"]))
        i = index[row["team_id"]].get(row["week"])
        if figures is not None and i is not None:
            figures.weekly[i].update(row)

    away = selectors.absences_between(
        user_ids=sorted({person for _, person in cells}),
        start=min(start for start, _ in spans.values()),
        end=max(end for _, end in spans.values()),
    )
    for team in teams:
        current = team.current_week(now)
        due_passed = now >= team.checkin_due_at(current)
        weeks = ranges[team.pk].weeks
        # Per week, once for the whole team: its check-in day, and whether its check-in was due.
        checkin_days = [week.day(team.checkin_weekday) for week in weeks]
        due = [week < current or due_passed for week in weeks]
        for figures in by_team[team.pk]:
            joined = Week.containing(local_date(figures.membership.joined_at, team.tz))
            absences = away.get(figures.membership.user_id, [])
            for i, week in enumerate(weeks):
                # Expected once they were in the team and the week's check-in was due, unless
                # they were away on its check-in day; a check-in given anyway (early, or for a
                # week before they joined) counts too, so participation never passes 100%.
                if absences:
                    figures.away[i] = any(starts <= checkin_days[i] <= ends for starts, ends in absences)
                expected = due[i] and joined <= week and not figures.away[i]
                figures.weekly[i].expected = 1 if expected or figures.checked_in[i] else 0
    return by_team


def team_card(members: list[MemberFigures], n_weeks: int) -> Scorecard:
    weekly = [WeekCounts.zero() for _ in range(n_weeks)]
    for figures in members:
        for total, counts in zip(weekly, figures.weekly, strict=True):
            total.add(counts)
    return metrics.scorecard(weekly, [figures.streak_series for figures in members])


def mood_trend(members: list[MemberFigures], n_weeks: int, *, minimum: int) -> list[float | None]:
    """The team's average mood each week; a week with fewer than `minimum` moods shows none."""
    trend = []
    for i in range(n_weeks):
        count = sum(figures.checked_in[i] for figures in members)
        total = sum(figures.mood_sums[i] for figures in members if figures.checked_in[i])
        trend.append(round(total / count, 2) if count and count >= minimum else None)
    return trend
