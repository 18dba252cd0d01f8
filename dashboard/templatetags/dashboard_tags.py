"""Small pieces of the dashboard pages: figures as words, and sparklines as inline SVG."""

from datetime import date

from django import template

from accountability.weeks import Week
from dashboard import metrics

register = template.Library()

SPARK_WIDTH = 96
SPARK_HEIGHT = 24


@register.filter
def metric(value: float | None, key: str) -> str:
    """A figure as the dashboard says it: `{{ value|metric:"participation" }}` -> "75%"."""
    return metrics.format_value(key, value)


@register.filter
def metric_value(card: metrics.Scorecard, key: str) -> str:
    """`{{ card|metric_value:"follow_through" }}`: a scorecard's figure, formatted."""
    return metrics.format_value(key, card.values.get(key))


@register.inclusion_tag("dashboard/_sparkline.html")
def sparkline(values: list[float | None] | None, label: str, maximum: float = 1.0, key: str = "") -> dict:
    """A small line for a weekly series (gaps where a week has no figure), with its numbers
    as the image's accessible name. `maximum` is the top of the scale (1.0 for shares)."""
    values = list(values or [])
    known = [v for v in values if v is not None]
    top = max([maximum, *known]) or 1.0
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    segments, current = [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = SPARK_HEIGHT - 2 - (value / top) * (SPARK_HEIGHT - 4)
        current.append(f"{i * step:.1f},{y:.1f}")
    if current:
        segments.append(current)

    def word(v: float | None) -> str:
        if v is None:
            return "no figure"
        return metrics.format_value(key, v) if key in metrics.DEFINITIONS else f"{v:g}"

    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "lines": [" ".join(points) for points in segments if len(points) > 1],
        "dots": [points[0] for points in segments if len(points) == 1],
        "description": f"{label}, week by week: " + ", ".join(word(v) for v in values) if values else label,
        "empty": not known,
    }


@register.filter
def iso_week(day: date) -> str:
    """The label of the week a date falls in: 2026-W05."""
    return Week.containing(day).label


@register.filter
def dot_split(point: str) -> list[str]:
    return point.split(",")
