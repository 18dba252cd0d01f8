"""A chart on a page: the one chart class every app draws with.

The core holds it because the dashboard and the survey results both draw charts, and an app
in the middle layer may not import the dashboard. Drawn by static/js/dashboard.js from the
page's JSON island and by templates/accountability/_chart.html, always with the same figures as
a table beside it, so a chart is never the only way to read them.
"""

from dataclasses import dataclass


@dataclass
class Chart:
    """A Chart.js chart (its config goes to the page's JSON island) and its table equivalent."""

    key: str
    title: str
    summary: str
    config: dict
    columns: list[str]
    rows: list[list[str]]
