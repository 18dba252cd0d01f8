"""The dashboard's CSV export: per-member figures, a header first and the whole team last."""

from __future__ import annotations

from collections.abc import Iterator

from accountability.exports import neutralise
from checkins import selectors as checkin_selectors

from .metrics import DEFINITIONS, Scorecard
from .pages import TeamDashboard

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
UNIT_HEADERS = {
    "%": "%",
    "h": "hours",
    "weeks": "weeks",
    "pp": "percentage points",
    "n": "count",
    "values": "per value",
}
# Team-level columns after the per-member ones: filled on the "Whole team" line only (updates,
# leadership and recognition are the team's figures; recognition is never counted per person).
TEAM_ONLY_METRICS = ["updates_posted", "updates_read", "manager_changes", "recognition_by_value"]


# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
def _csv_number(key: str, value: float | None) -> str:
    if value is None:
        return ""
    if DEFINITIONS[key].unit == "values":
        return "; ".join(f"{name}: {count}" for name, count in value)
    if DEFINITIONS[key].unit == "n":
        return f"{value:g}"
    if DEFINITIONS[key].unit == "%":
        return f"{value * 100:.1f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def csv_rows(dashboard: TeamDashboard) -> Iterator[list[str]]:
    """The per-member figures of a dashboard, a header first and the whole team last."""
    header = ["Member", "Email", "First week", "Last week", "Check-ins", "Check-ins expected", "Commitments due"]
    header += [f"{DEFINITIONS[key].label} ({UNIT_HEADERS[DEFINITIONS[key].unit]})" for key in CSV_METRICS]
    if dashboard.individual:
        header.append("Average mood (1-5)")
    header += [f"{DEFINITIONS[key].label} ({UNIT_HEADERS[DEFINITIONS[key].unit]})" for key in TEAM_ONLY_METRICS]
    # One column per check-in question, headed with its wording in those weeks: what each
    # person answered, for the team's managers (organisation admins get the team's figures only).
    columns, answers = [], {}
    if dashboard.individual:
        start, end = dashboard.range.start, dashboard.range.end
        columns = checkin_selectors.csv_question_columns(team=dashboard.team, start=start, end=end)
        answers = checkin_selectors.csv_member_answers(team=dashboard.team, start=start, end=end, columns=columns)
        header += [neutralise(column.header) for column in columns]
    yield header
    team_values = {item.definition.key: item.value for strategy in dashboard.strategies for item in strategy.metrics}
    first, last = dashboard.range.first.label, dashboard.range.last.label

    def line(
        name: str, email: str, card: Scorecard, mood: float | None, *, team: bool = False, user_id: int | None = None
    ) -> list[str]:
        total = card.total
        cells = [name, email, first, last, total.checkins, total.expected, total.came_due]
        cells += [_csv_number(key, card.values.get(key)) for key in CSV_METRICS]
        if dashboard.individual:
            cells.append("" if mood is None else f"{mood:.1f}")
        cells += [_csv_number(key, team_values.get(key)) if team else "" for key in TEAM_ONLY_METRICS]
        if columns:
            cells += answers.get(user_id, [""] * len(columns)) if user_id else [""] * len(columns)
        return [neutralise(cell) for cell in cells]

    for figures in dashboard.members:
        yield line(figures.user.name, figures.user.email, figures.card, figures.average_mood, user_id=figures.user.pk)
    team_mood = None
    if dashboard.individual and dashboard.card.total.checkins:
        mood_total = sum(sum(figures.mood_sums) for figures in dashboard.members)
        team_mood = mood_total / dashboard.card.total.checkins
    yield line("Whole team", "", dashboard.card, team_mood, team=True)
