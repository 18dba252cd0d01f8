"""The team dashboard, a member's drill-down, the managers' overview and the CSV export.

Composed from reads only: accountability.selectors and checkins.selectors aggregate in SQL,
accountability.metrics defines what is counted and computes every figure from the counts,
and feedback.selectors contributes the anonymous-feedback and survey figures once it exists.

Cost: each kind of figure is one query over the range, grouped by team, person and week, so
the number of queries is the same for 5 or 200 members and for any length of history, and
the rows read follow the range (at most MAX_WEEKS weeks), not the history. Python only adds
up those cells (members × weeks) into the team's weekly totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from checkins import selectors as checkin_selectors

from . import metrics, selectors
from .exports import neutralise
from .metrics import DEFINITIONS, STRATEGIES, Definition, Scorecard, WeekCounts
from .models import Commitment, Membership, Team
from .weeks import Week, local_date, week_range

try:  # The feedback app's figures, where that app provides them.
    from feedback import selectors as feedback_selectors
except ImportError:  # pragma: no cover - depends on the apps installed
    feedback_selectors = None
from surveys import selectors as survey_selectors

DEFAULT_WEEKS = 8
MAX_WEEKS = 52
# The range form's shortcuts ("last N weeks").
SHORTCUTS = [4, 8, 13, 26, 52]
# The figures on top of a dashboard and on each overview card.
HEADLINE = ["participation", "on_time", "acknowledged", "follow_through"]
# Each "Needs you" list shows this many, then "and N more".
NEEDS_LIMIT = 5
# Declined proposals stay in "Needs you" this long: a chance to talk, not a to-do forever.
DECLINED_RECENT_DAYS = 14

# Calm, colour-blind-safe colours; nothing red for what did not get done (DESIGN.md).
COLOURS = {
    "done_on_time": "#0072b2",
    "renegotiated_in_time": "#009e73",
    "done_late": "#56b4e9",
    "renegotiated_late": "#8fd3bf",
    "not_done": "#b4a7d6",
    "let_go": "#bdbdbd",
    "participation": "#0072b2",
    "on_time": "#009e73",
    "acknowledged": "#6a51a3",
    "mood": "#6a51a3",
}


# --- The range of weeks ----------------------------------------------------------------------


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


# --- Each member's weekly counts -------------------------------------------------------------


@dataclass
class MemberFigures:
    membership: Membership
    weekly: list[WeekCounts]
    checked_in: list[int]
    mood_sums: list[int]
    card: Scorecard | None = None
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
        return self.card.total.overdue_open if self.card else 0


def _collect(
    teams: list[Team],
    ranges: Mapping[int, WeekRange],
    now: datetime,
    *,
    memberships: list[Membership] | None = None,
) -> dict[int, list[MemberFigures]]:
    """Every member's counts for every week of their team's range: four queries (memberships,
    check-ins, commitment outcomes, commitments made) whatever the number of teams."""
    person_id = memberships[0].user_id if memberships and len(memberships) == 1 else None
    if memberships is None:
        memberships = selectors.dashboard_memberships([team.pk for team in teams])
    by_team: dict[int, list[MemberFigures]] = {team.pk: [] for team in teams}
    cells: dict[tuple[int, int], MemberFigures] = {}
    index = {team_id: {week.start: i for i, week in enumerate(r.weeks)} for team_id, r in ranges.items()}
    for membership in memberships:
        n = ranges[membership.team_id].count
        figures = MemberFigures(membership, [WeekCounts() for _ in range(n)], [0] * n, [0] * n)
        by_team[membership.team_id].append(figures)
        cells[membership.team_id, membership.user_id] = figures
    if not cells:
        return by_team

    spans = {team_id: (r.start, r.end) for team_id, r in ranges.items()}
    today = {team.pk: team.today(now) for team in teams}

    def cell(team_id: int, person: int, week_start: date) -> tuple[MemberFigures, int] | tuple[None, None]:
        figures = cells.get((team_id, person))
        i = index[team_id].get(week_start)
        return (figures, i) if figures is not None and i is not None else (None, None)

    for row in checkin_selectors.checkin_counts(spans=spans, member_id=person_id):
        figures, i = cell(row["team_id"], row["member_id"], row["week"])
        if figures is not None:
            figures.weekly[i].update(row)
            figures.checked_in[i] = 1 if row["checkins"] else 0
            figures.mood_sums[i] = row["mood_sum"] or 0
    for row in selectors.commitment_outcome_counts(spans=spans, today=today, owner_id=person_id):
        figures, i = cell(row["team_id"], row["owner_id"], Week.containing(row["due_date"]).start)
        if figures is not None:
            figures.weekly[i].update(row)
    for row in selectors.commitment_made_counts(spans=spans, owner_id=person_id):
        figures, i = cell(row["team_id"], row["owner_id"], row["week"])
        if figures is not None:
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
        for figures in by_team[team.pk]:
            joined = Week.containing(local_date(figures.membership.joined_at, team.tz))
            absences = away.get(figures.membership.user_id, [])
            for i, week in enumerate(weeks):
                # Expected once they were in the team and the week's check-in was due, unless
                # they were away on its check-in day; a check-in given anyway (early, or for a
                # week before they joined) counts too, so participation never passes 100%.
                checkin_day = week.day(team.checkin_weekday)
                figures.away[i] = any(starts <= checkin_day <= ends for starts, ends in absences)
                expected = joined <= week and (week < current or due_passed) and not figures.away[i]
                figures.weekly[i].expected = 1 if expected or figures.checked_in[i] else 0
            figures.card = metrics.scorecard(figures.weekly, [figures.streak_series])
    return by_team


def _team_card(members: list[MemberFigures], n_weeks: int) -> Scorecard:
    weekly = [WeekCounts() for _ in range(n_weeks)]
    for figures in members:
        for total, counts in zip(weekly, figures.weekly, strict=True):
            total.add(counts)
    return metrics.scorecard(weekly, [figures.streak_series for figures in members])


def _mood_trend(members: list[MemberFigures], n_weeks: int, *, minimum: int) -> list[float | None]:
    """The team's average mood each week; a week with fewer than `minimum` moods shows none."""
    trend = []
    for i in range(n_weeks):
        count = sum(figures.checked_in[i] for figures in members)
        total = sum(figures.mood_sums[i] for figures in members if figures.checked_in[i])
        trend.append(round(total / count, 2) if count and count >= minimum else None)
    return trend


# --- Trust metrics -------------------------------------------------------------------------


@dataclass
class TrustMetric:
    definition: Definition
    value: float | None
    trend: list[float | None] | None  # None: no weekly series for this one

    @property
    def display(self) -> str:
        return metrics.format_value(self.definition.key, self.value)

    @property
    def trend_display(self) -> list[str]:
        return [metrics.format_value(self.definition.key, v) if v is not None else "—" for v in self.trend or []]


@dataclass
class Strategy:
    key: str
    name: str
    metrics: list[TrustMetric]


def _feedback_figures(team: Team, weeks: list[Week]) -> dict[str, tuple[float | None, list | None]]:
    """The feedback and survey apps' figures as (value, weekly trend or None). Their
    `trust_figures` give numerator/denominator pairs (optionally a `trend`); absent app or
    function: no data."""
    figures = {}
    for source in (feedback_selectors, survey_selectors):
        trust_figures = getattr(source, "trust_figures", None)
        if trust_figures is not None:
            figures.update(trust_figures(team=team, weeks=weeks) or {})
    result = {}
    for key, raw in figures.items():
        if key not in metrics.FEEDBACK_KEYS:
            continue
        if isinstance(raw, Mapping):
            value = metrics.share(raw.get("numerator") or 0, raw.get("denominator") or 0)
            result[key] = (value, raw.get("trend"))
        elif isinstance(raw, int | float):
            result[key] = (float(raw), None)
    return result


def trust_strategies(card: Scorecard, feedback: Mapping[str, tuple] | None = None) -> list[Strategy]:
    """Every metric of metrics.DEFINITIONS, grouped by strategy, with its value and trend."""
    feedback = feedback or {}
    grouped: dict[str, list[TrustMetric]] = {key: [] for key in STRATEGIES}
    for key, definition in DEFINITIONS.items():
        if key in metrics.FEEDBACK_KEYS:
            value, trend = feedback.get(key, (None, None))
        else:
            value, trend = card.values.get(key), card.trends.get(key)
        grouped[definition.strategy].append(TrustMetric(definition, value, trend))
    return [Strategy(key, STRATEGIES[key], items) for key, items in grouped.items()]


# --- Charts ----------------------------------------------------------------------------------


@dataclass
class Chart:
    """A Chart.js chart (its config goes to the page's JSON island) and its table equivalent."""

    key: str
    title: str
    summary: str
    config: dict
    columns: list[str]
    rows: list[list[str]]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def checkins_chart(weeks: list[Week], card: Scorecard) -> Chart:
    keys = ["participation", "on_time", "acknowledged"]
    labels = [week.label for week in weeks]
    values = metrics.format_value
    return Chart(
        key="checkins",
        title="Check-ins",
        summary=(
            f"Over these weeks: participation {values('participation', card.values['participation'])}, "
            f"on time {values('on_time', card.values['on_time'])}, "
            f"acknowledged {values('acknowledged', card.values['acknowledged'])}."
        ),
        config={
            "type": "line",
            "percent": True,
            "labels": labels,
            "datasets": [
                {
                    "label": DEFINITIONS[key].label,
                    "data": [_percent(v) for v in card.trends.get(key, [])],
                    "borderColor": COLOURS[key],
                    "backgroundColor": COLOURS[key],
                    "borderDash": [] if i == 0 else [6, 3] if i == 1 else [2, 2],
                    "pointStyle": ["circle", "rect", "triangle"][i],
                }
                for i, key in enumerate(keys)
            ],
        },
        columns=["Week"] + [DEFINITIONS[key].label for key in keys],
        rows=[
            [label] + [_percent_text(card.trends[key][i]) for key in keys] if card.trends else [label]
            for i, label in enumerate(labels)
        ],
    )


FOLLOW_THROUGH_PARTS = ["done_on_time", "renegotiated_in_time", "done_late", "renegotiated_late", "not_done", "let_go"]


def _part_count(counts: WeekCounts, key: str) -> int:
    if key == "not_done":
        return counts.partly_done + counts.not_done + counts.overdue_open
    return getattr(counts, key)


def follow_through_chart(weeks: list[Week], card: Scorecard) -> Chart:
    labels = [week.label for week in weeks]
    total = card.total
    return Chart(
        key="follow_through",
        title="Follow-through by due week",
        summary=(
            f"{total.came_due} commitments came due: "
            + ", ".join(f"{_part_count(total, key)} {DEFINITIONS[key].label.lower()}" for key in FOLLOW_THROUGH_PARTS)
            + "."
        ),
        config={
            "type": "bar",
            "stacked": True,
            "labels": labels,
            "datasets": [
                {
                    "label": DEFINITIONS[key].label,
                    "data": [_part_count(counts, key) for counts in card.weekly],
                    "backgroundColor": COLOURS[key],
                }
                for key in FOLLOW_THROUGH_PARTS
            ],
        },
        columns=["Week", "Came due"] + [DEFINITIONS[key].label for key in FOLLOW_THROUGH_PARTS],
        rows=[
            [label, str(counts.came_due)] + [str(_part_count(counts, key)) for key in FOLLOW_THROUGH_PARTS]
            for label, counts in zip(labels, card.weekly, strict=True)
        ],
    )


def mood_chart(
    weeks: list[Week], trend: list[float | None], *, title: str = "Mood and energy (team average, 1 to 5)"
) -> Chart:
    labels = [week.label for week in weeks]
    known = [v for v in trend if v is not None]
    return Chart(
        key="mood",
        title=title,
        summary=(
            f"Between {min(known):.1f} and {max(known):.1f} over these weeks." if known else "No moods to show yet."
        ),
        config={
            "type": "line",
            "min": 1,
            "max": 5,
            "labels": labels,
            "datasets": [
                {
                    "label": "Average mood",
                    "data": trend,
                    "borderColor": COLOURS["mood"],
                    "backgroundColor": COLOURS["mood"],
                    "clip": False,  # points on 1 and 5 are drawn whole
                }
            ],
        },
        columns=["Week", "Average mood"],
        rows=[[label, "—" if v is None else f"{v:.1f}"] for label, v in zip(labels, trend, strict=True)],
    )


# --- Needs you -------------------------------------------------------------------------------


@dataclass
class NeedsList:
    key: str
    title: str
    empty: str
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _needs_you(team: Team, week_range: WeekRange, today: date) -> tuple[list[NeedsList], NeedsList]:
    checkins = checkin_selectors.checkins_needing_attention(
        team=team, start=week_range.start, end=week_range.end, limit=NEEDS_LIMIT
    )
    commitments = selectors.commitments_needing_attention(
        team=team,
        start=week_range.start,
        end=week_range.end,
        today=today,
        declined_since=today - timedelta(days=DECLINED_RECENT_DAYS),
        limit=NEEDS_LIMIT,
    )
    lists = {
        checkin_selectors.SUPPORT: NeedsList("support", "Asked for support", "No open support requests."),
        checkin_selectors.BLOCKER: NeedsList("blockers", "Blockers, not yet acknowledged", "No blockers waiting."),
        checkin_selectors.UNACKNOWLEDGED: NeedsList(
            "unacknowledged", "Check-ins waiting for acknowledgement", "Every check-in is acknowledged."
        ),
        selectors.DECLINED: NeedsList(
            "declined",
            f"Proposals declined in the last {DECLINED_RECENT_DAYS} days",
            "No proposals declined lately.",
        ),
    }
    overdue = NeedsList("overdue", "Past their due date, still open", "Nothing is past its due date.")
    for item in [*checkins, *commitments]:
        target = overdue if item.kind == selectors.OVERDUE else lists[item.kind]
        target.items.append(item)
        target.total = item.kind_total
    return list(lists.values()), overdue


# --- The pages -------------------------------------------------------------------------------


@dataclass
class TeamDashboard:
    team: Team
    range: WeekRange
    weeks: list[Week]
    card: Scorecard
    members: list[MemberFigures]
    mood_trend: list[float | None]
    strategies: list[Strategy]
    charts: list[Chart]
    individual: bool  # the viewer manages the team: individual moods and "Needs you"
    needs: list[NeedsList] = field(default_factory=list)
    overdue: NeedsList | None = None

    @property
    def breakdown(self) -> list[tuple[Definition, int, str]]:
        total = self.card.total
        return [
            (DEFINITIONS[key], _part_count(total, key), metrics.format_value(key, self.card.values[key]))
            for key in FOLLOW_THROUGH_PARTS
        ]

    @property
    def headline(self) -> list[tuple[Definition, str]]:
        return [(DEFINITIONS[key], metrics.format_value(key, self.card.values[key])) for key in HEADLINE]

    @property
    def needs_total(self) -> int:
        return sum(needs.total for needs in self.needs)

    @property
    def chart_configs(self) -> dict:
        return {chart.key: chart.config for chart in self.charts}


def team_dashboard(
    *, team: Team, week_range: WeekRange, individual: bool, now: datetime | None = None, needs: bool = True
) -> TeamDashboard:
    """A team's dashboard. `individual`: the viewer is one of the team's managers, who sees
    individual moods and "Needs you"; organisation admins see the team's figures only."""
    now = now or timezone.now()
    weeks = week_range.weeks
    members = _collect([team], {team.pk: week_range}, now)[team.pk]
    card = _team_card(members, len(weeks))
    # Without individual access a week's average is shown only when it hides who said what.
    mood_trend = _mood_trend(members, len(weeks), minimum=1 if individual else team.anonymity_minimum)
    strategies = trust_strategies(card, _feedback_figures(team, weeks))
    dashboard = TeamDashboard(
        team=team,
        range=week_range,
        weeks=weeks,
        card=card,
        members=members,
        mood_trend=mood_trend,
        strategies=strategies,
        charts=[checkins_chart(weeks, card), follow_through_chart(weeks, card), mood_chart(weeks, mood_trend)],
        individual=individual,
    )
    if individual and needs:
        dashboard.needs, dashboard.overdue = _needs_you(team, week_range, team.today(now))
    return dashboard


@dataclass
class MemberDashboard:
    team: Team
    range: WeekRange
    weeks: list[Week]
    figures: MemberFigures
    strategies: list[Strategy]
    charts: list[Chart]
    individual: bool
    checkins: list = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def chart_configs(self) -> dict:
        return {chart.key: chart.config for chart in self.charts}

    @property
    def rows(self) -> list[dict]:
        """One row a week for the table of weekly figures."""
        card = self.figures.card
        result = []
        for i, week in enumerate(self.weeks):
            counts = self.figures.weekly[i]
            result.append(
                {
                    "week": week,
                    "checked_in": bool(self.figures.checked_in[i]),
                    "expected": bool(counts.expected),
                    "on_time": bool(counts.on_time),
                    "acknowledged": bool(counts.acknowledged),
                    "mood": self.figures.moods[i],
                    "came_due": counts.came_due,
                    "kept": counts.done_on_time + counts.renegotiated_in_time,
                    "follow_through": metrics.format_value("follow_through", card.trends["follow_through"][i])
                    if counts.came_due
                    else "—",
                    "made": counts.made,
                }
            )
        return list(reversed(result))


def member_dashboard(
    *, team: Team, membership: Membership, week_range: WeekRange, individual: bool, now: datetime | None = None
) -> MemberDashboard:
    now = now or timezone.now()
    weeks = week_range.weeks
    figures = _collect([team], {team.pk: week_range}, now, memberships=[membership])[team.pk][0]
    card = figures.card
    charts = [checkins_chart(weeks, card), follow_through_chart(weeks, card)]
    if individual:
        moods = [None if m is None else float(m) for m in figures.moods]
        charts.append(mood_chart(weeks, moods, title="Mood and energy (1 to 5)"))
    result = MemberDashboard(
        team=team,
        range=week_range,
        weeks=weeks,
        figures=figures,
        strategies=trust_strategies(card),
        charts=charts,
        individual=individual,
    )
    if individual:
        result.checkins = checkin_selectors.member_checkins(
            team=team, member_id=membership.user_id, start=week_range.start, end=week_range.end
        )
        result.commitments = selectors.member_commitments(
            team=team, owner_id=membership.user_id, start=week_range.start, end=week_range.end
        )
    return result


@dataclass
class TeamCard:
    team: Team
    range: WeekRange
    card: Scorecard
    member_count: int

    def value(self, key: str) -> str:
        return metrics.format_value(key, self.card.values.get(key))

    @property
    def headline(self) -> list[tuple[Definition, str]]:
        return [(DEFINITIONS[key], metrics.format_value(key, self.card.values[key])) for key in HEADLINE]

    @property
    def unacknowledged(self) -> int:
        return self.card.total.checkins - self.card.total.acknowledged


def overview(*, teams: list[Team], params: Mapping[str, str], now: datetime | None = None) -> tuple[list, str | None]:
    """One card per team with its headline figures, each team over its own last weeks (its
    own time zone): the same four queries for one team or twenty."""
    now = now or timezone.now()
    problem = None
    ranges = {}
    for team in teams:
        ranges[team.pk], error = parse_range({"weeks": params.get("weeks", "")}, current=team.current_week(now))
        problem = problem or error
    members = _collect(teams, ranges, now)
    cards = [
        TeamCard(team, ranges[team.pk], _team_card(members[team.pk], ranges[team.pk].count), len(members[team.pk]))
        for team in teams
    ]
    return cards, problem


# --- CSV export ------------------------------------------------------------------------------

# Per-member columns, in order; each is a metric of metrics.DEFINITIONS.
CSV_METRICS = [
    "participation",
    "on_time",
    "acknowledged",
    "ack_hours",
    "replies",
    "support_answered",
    "follow_through",
    "done_on_time",
    "done_late",
    "renegotiated_in_time",
    "renegotiated_late",
    "not_done",
    "let_go",
    "self_set",
    "streak",
    "steadiness",
    "ack_consistency",
]
UNIT_HEADERS = {"%": "%", "h": "hours", "weeks": "weeks", "pp": "percentage points"}


# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
def _csv_number(key: str, value: float | None) -> str:
    if value is None:
        return ""
    if DEFINITIONS[key].unit == "%":
        return f"{value * 100:.1f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def csv_rows(dashboard: TeamDashboard) -> Iterator[list[str]]:
    """The per-member figures of a dashboard, a header first and the whole team last."""
    header = ["Member", "Email", "First week", "Last week", "Check-ins", "Check-ins expected", "Commitments due"]
    header += [f"{DEFINITIONS[key].label} ({UNIT_HEADERS[DEFINITIONS[key].unit]})" for key in CSV_METRICS]
    if dashboard.individual:
        header.append("Average mood (1-5)")
    yield header
    first, last = dashboard.range.first.label, dashboard.range.last.label

    def line(name: str, email: str, card: Scorecard, mood: float | None) -> list[str]:
        total = card.total
        cells = [name, email, first, last, total.checkins, total.expected, total.came_due]
        cells += [_csv_number(key, card.values.get(key)) for key in CSV_METRICS]
        if dashboard.individual:
            cells.append("" if mood is None else f"{mood:.1f}")
        return [neutralise(cell) for cell in cells]

    for figures in dashboard.members:
        yield line(figures.user.name, figures.user.email, figures.card, figures.average_mood)
    team_mood = None
    if dashboard.individual and dashboard.card.total.checkins:
        mood_total = sum(sum(figures.mood_sums) for figures in dashboard.members)
        team_mood = mood_total / dashboard.card.total.checkins
    yield line("Whole team", "", dashboard.card, team_mood)
