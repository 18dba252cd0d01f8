"""The team dashboard, a member's drill-down and the managers' overview.

Composed from reads only: accountability.selectors and checkins.selectors aggregate in SQL
(dashboard/collect.py), dashboard/metrics/ defines what is counted and computes every figure
from the counts; feedback.selectors gives the anonymous-feedback figures and surveys.selectors
the survey figures (dashboard/trust.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.utils import timezone

from accountability import selectors
from accountability.charts import Chart
from accountability.models import Commitment, Membership, Team
from accountability.weeks import Week
from checkins import selectors as checkin_selectors

from . import metrics
from .charts import FOLLOW_THROUGH_PARTS, checkins_chart, follow_through_chart, mood_chart, part_count
from .collect import MemberFigures, collect, team_card
from .collect import mood_trend as team_mood_trend
from .metrics import DEFINITIONS, UPDATES_KEYS, Definition, Scorecard
from .needs import NeedsList, needs_you
from .questions import QuestionCard, question_cards
from .range import WeekRange, parse_range
from .trust import Strategy, TrustMetric, feedback_figures, trust_strategies, updates_figures

# The figures on top of a dashboard and on each overview card.
HEADLINE = ["participation", "on_time", "acknowledged", "follow_through"]
# The People table's rows a page: a team of 500 gets pages, not a 600 KB table. The team's
# figures still count everyone (only the rows shown compute their own scorecard).
MEMBERS_PER_PAGE = 25


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
    members_page: Page | None = None
    # The team's own check-in questions (dashboard/questions.py), each with its chart if any.
    questions: list[QuestionCard] = field(default_factory=list)

    @property
    def breakdown(self) -> list[tuple[Definition, int, str]]:
        total = self.card.total
        return [
            (DEFINITIONS[key], part_count(total, key), metrics.format_value(key, self.card.values[key]))
            for key in FOLLOW_THROUGH_PARTS
        ]

    @property
    def headline(self) -> list[tuple[Definition, str]]:
        return [(DEFINITIONS[key], metrics.format_value(key, self.card.values[key])) for key in HEADLINE]

    @property
    def updates_metrics(self) -> list[TrustMetric]:
        """The team-level transparency and consistency figures, for the digest."""
        items = [item for strategy in self.strategies for item in strategy.metrics]
        return [item for item in items if item.definition.key in UPDATES_KEYS]

    @property
    def needs_total(self) -> int:
        return sum(needs.total for needs in self.needs)

    @property
    def chart_configs(self) -> dict:
        return {chart.key: chart.config for chart in self.charts}


def team_dashboard(
    *,
    team: Team,
    week_range: WeekRange,
    individual: bool,
    now: datetime | None = None,
    needs: bool = True,
    people_page: str | int | None = None,
) -> TeamDashboard:
    """A team's dashboard. `individual`: the viewer is one of the team's managers, who sees
    individual moods and "Needs you"; organisation admins see the team's figures only.
    `people_page`: which page of the People table (MEMBERS_PER_PAGE rows) to show."""
    now = now or timezone.now()
    weeks = week_range.weeks
    members = collect([team], {team.pk: week_range}, now)[team.pk]
    card = team_card(members, len(weeks))
    # Without individual access a week's average is shown only when it hides who said what.
    mood_trend = team_mood_trend(members, len(weeks), minimum=1 if individual else team.anonymity_minimum)
    strategies = trust_strategies(card, {**feedback_figures(team, weeks), **updates_figures(team, weeks, now)})
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
        members_page=Paginator(members, MEMBERS_PER_PAGE).get_page(people_page),
    )
    if individual and needs:
        dashboard.needs, dashboard.overdue = needs_you(team, week_range, team.today(now))
    if needs:
        dashboard.questions = question_cards(team=team, weeks=weeks, individual=individual)
        dashboard.charts += [card.chart for card in dashboard.questions if card.chart]
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
    figures = collect([team], {team.pk: week_range}, now, memberships=[membership])[team.pk][0]
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
    members = collect(teams, ranges, now)
    cards = [
        TeamCard(team, ranges[team.pk], team_card(members[team.pk], ranges[team.pk].count), len(members[team.pk]))
        for team in teams
    ]
    return cards, problem
