"""The five trust strategies on a page: every metric definition with its value and trend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from accountability import selectors as core_selectors
from accountability.models import Team
from accountability.weeks import Week, local_instant
from feedback import selectors as feedback_selectors
from meetings import selectors as meeting_selectors
from surveys import selectors as survey_selectors
from updates import selectors as update_selectors

from . import metrics
from .metrics import DEFINITIONS, STRATEGIES, Definition, Scorecard


@dataclass
class TrustMetric:
    definition: Definition
    value: float | None
    trend: list[float | None] | None  # None: no weekly series for this one

    @property
    def display(self) -> str:
        return metrics.format_value(self.definition.key, self.value)


@dataclass
class Strategy:
    key: str
    name: str
    metrics: list[TrustMetric]


def feedback_figures(team: Team, weeks: list[Week]) -> dict[str, tuple[float | None, list | None]]:
    """The feedback and survey apps' figures as (value, weekly trend or None). Their
    `trust_figures` give numerator/denominator pairs (optionally a `trend`); keys the metric
    definitions do not know are left out."""
    figures = {
        **feedback_selectors.trust_figures(team=team, weeks=weeks),
        **survey_selectors.trust_figures(team=team, weeks=weeks),
        **meeting_selectors.trust_figures(team=team, weeks=weeks),
    }
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


def updates_figures(team: Team, weeks: list[Week], now: datetime | None = None) -> dict[str, tuple]:
    """The team-level transparency and consistency figures (metrics.UPDATES_KEYS) as (value,
    None): updates posted and read, from the updates app; manager changes, from the core's
    leadership events; recognition for each value, team totals. Four queries."""
    if not weeks:
        return {}
    start = local_instant(weeks[0].start, time(0), team.tz)
    end = local_instant(weeks[-1].next().start, time(0), team.tz)
    raw = update_selectors.trust_figures(team=team, start=start, end=end, now=now)
    return _updates_figures(raw, core_selectors.manager_changes(team=team, start=start, end=end))


def updates_figures_by_team(teams: list[Team], weeks: Mapping[int, list[Week]], now: datetime) -> dict[int, dict]:
    """updates_figures for many teams, each over its own weeks (its own zone): five queries
    whatever the number of teams (the weekly digest)."""
    spans = {
        team.pk: (
            local_instant(weeks[team.pk][0].start, time(0), team.tz),
            local_instant(weeks[team.pk][-1].next().start, time(0), team.tz),
        )
        for team in teams
        if weeks.get(team.pk)
    }
    raw = update_selectors.trust_figures_by_team(spans=spans, now=now)
    changes = core_selectors.manager_changes_by_team(spans=spans)
    return {team_id: _updates_figures(raw[team_id], changes[team_id]) for team_id in spans}


def _updates_figures(raw: dict, manager_changes: int) -> dict[str, tuple]:
    read = raw["updates_read"]
    return {
        "updates_posted": (float(raw["updates_posted"]), None),
        "updates_read": (metrics.share(read["numerator"], read["denominator"]), None),
        "manager_changes": (float(manager_changes), None),
        "recognition_by_value": (raw["recognition_by_value"], None),
    }


def trust_strategies(card: Scorecard, feedback: Mapping[str, tuple] | None = None) -> list[Strategy]:
    """Every metric of metrics.DEFINITIONS, grouped by strategy, with its value and trend."""
    feedback = feedback or {}
    grouped: dict[str, list[TrustMetric]] = {key: [] for key in STRATEGIES}
    for key, definition in DEFINITIONS.items():
        if key in metrics.UPDATES_KEYS and key not in feedback:
            # The team's figures only (a member's drill-down has none: no count per person).
            continue
        if key in metrics.FEEDBACK_KEYS or key in metrics.UPDATES_KEYS:
            value, trend = feedback.get(key, (None, None))
        else:
            value, trend = card.values.get(key), card.trends.get(key)
        grouped[definition.strategy].append(TrustMetric(definition, value, trend))
    return [Strategy(key, STRATEGIES[key], items) for key, items in grouped.items()]
