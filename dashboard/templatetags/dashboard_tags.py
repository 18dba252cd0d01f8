"""Small pieces of the dashboard pages: figures as words, and sparklines as inline SVG."""

from datetime import date

from django import template
from django.utils.html import format_html, format_html_join

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


@register.simple_tag
def sparkline(values: list[float | None] | None, label: str, maximum: float = 1.0, key: str = "") -> str:
    """A small line for a weekly series (gaps where a week has no figure), with its numbers
    as the image's accessible name. `maximum` is the top of the scale (1.0 for shares).

    Built here with format_html rather than an inclusion template: the dashboard draws one per
    member row and per trust metric, and a template with loops per sparkline was most of the
    page's rendering time (bench/pages.py)."""
    values = list(values or [])
    known = [v for v in values if v is not None]

    def word(v: float | None) -> str:
        if v is None:
            return "no figure"
        return metrics.format_value(key, v) if key in metrics.DEFINITIONS else f"{v:g}"

    description = f"{label}, week by week: " + ", ".join(word(v) for v in values) if values else label
    if not known:
        return format_html(
            '<span class="text-body-secondary">—<span class="visually-hidden"> {}</span></span>', description
        )
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
        current.append((f"{i * step:.1f}", f"{y:.1f}"))
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5" />',
        ((" ".join(f"{x},{y}" for x, y in points),) for points in segments if len(points) > 1),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="2" fill="currentColor" />',
        (points[0] for points in segments if len(points) == 1),
    )
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{d}"'
        ' focusable="false"><title>{d}</title>'
        '<line class="baseline" x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="currentColor" />{lines}{dots}</svg>',
        w=SPARK_WIDTH,
        h=SPARK_HEIGHT,
        d=description,
        base=SPARK_HEIGHT - 2,
        lines=lines,
        dots=dots,
    )


@register.filter
def iso_week(day: date) -> str:
    """The label of the week a date falls in: 2026-W05."""
    return Week.containing(day).label
