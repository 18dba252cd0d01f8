"""The survey trend chart (strategy means round by round), for the rounds and results pages."""

from accountability.charts import Chart
from accountability.weeks import local_date

from .models import Strategy
from .selectors import RoundResults

# Calm, colour-blind-safe colours (Okabe-Ito), one per strategy, and a point shape each, so
# colour is never the only way to tell the lines apart.
STRATEGY_COLOURS = {
    Strategy.OPEN_COMMUNICATION: "#0072b2",
    Strategy.TRANSPARENCY: "#009e73",
    Strategy.ACCOUNTABILITY: "#e69f00",
    Strategy.EMPOWERMENT: "#56b4e9",
    Strategy.CONSISTENCY: "#cc79a7",
    Strategy.PSYCHOLOGICAL_SAFETY: "#6a51a3",
}
POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot"]


def trend_chart(trend: list[RoundResults]) -> Chart | None:
    """Strategy means (1 to 5, reverse scoring applied) round by round, labelled with each
    round's closing day in the team's time zone."""
    if not trend:
        return None
    keys = [key for key in Strategy.values if any(key in item.strategies for item in trend)]
    days = [local_date(item.round.closes_at, item.round.team.tz) for item in trend]
    labels = [f"{day.day} {day:%b %Y}" for day in days]
    names = dict(Strategy.choices)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return Chart(
        key="survey_trend",
        title="Trust by strategy, round by round (average, 1 to 5)",
        summary=(
            f"{len(trend)} round{'s' if len(trend) != 1 else ''} with enough answers to show. "
            "Higher is better; reverse-scored statements are counted the right way round."
        ),
        config={
            "type": "line",
            "min": 1,
            "max": 5,
            "labels": labels,
            "datasets": [
                {
                    "label": names[key],
                    "data": [rounded(item.strategies.get(key)) for item in trend],
                    "borderColor": STRATEGY_COLOURS[key],
                    "backgroundColor": STRATEGY_COLOURS[key],
                    "pointStyle": POINT_STYLES[i % len(POINT_STYLES)],
                }
                for i, key in enumerate(keys)
            ],
        },
        columns=["Round closed"] + [names[key] for key in keys],
        rows=[
            [label] + ["—" if key not in item.strategies else f"{item.strategies[key]:.1f}" for key in keys]
            for label, item in zip(labels, trend, strict=True)
        ],
    )
