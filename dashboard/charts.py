"""The dashboard's charts: check-ins, follow-through and mood, each with its table."""

from __future__ import annotations

from accountability.charts import Chart
from accountability.weeks import Week

from . import metrics
from .metrics import DEFINITIONS, Scorecard, WeekCounts

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


def part_count(counts: WeekCounts, key: str) -> int:
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
            + ", ".join(f"{part_count(total, key)} {DEFINITIONS[key].label.lower()}" for key in FOLLOW_THROUGH_PARTS)
            + "."
        ),
        config={
            "type": "bar",
            "stacked": True,
            "labels": labels,
            "datasets": [
                {
                    "label": DEFINITIONS[key].label,
                    "data": [part_count(counts, key) for counts in card.weekly],
                    "backgroundColor": COLOURS[key],
                }
                for key in FOLLOW_THROUGH_PARTS
            ],
        },
        columns=["Week", "Came due"] + [DEFINITIONS[key].label for key in FOLLOW_THROUGH_PARTS],
        rows=[
            [label, str(counts.came_due)] + [str(part_count(counts, key)) for key in FOLLOW_THROUGH_PARTS]
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
