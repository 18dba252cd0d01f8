"""The team's own check-in questions on the dashboard: per question over the chosen weeks.

* a scale or a number: the team's weekly average, as a trend; a yes/no: the share of yes;
* a choice: how often each option was chosen;
* text: the latest answers, week by week, for the team's managers only.

Figures are pooled by a question's series (checkins.models.Question): a rewording starts new
figures unless the manager said it means the same. Organisation admins see a week's figure only
when at least the team's anonymity threshold of people answered, and no text: never one
person's answer. Three queries (checkins.selectors.question_figures), whatever the number of
questions or weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

from accountability.charts import Chart
from accountability.models import Team
from accountability.weeks import Week
from checkins import selectors as checkin_selectors
from checkins.selectors import QuestionFigures

from .charts import COLOURS


@dataclass
class QuestionCard:
    figures: QuestionFigures
    chart: Chart | None
    distribution: list[tuple[str, int, int]]  # option, count, percent
    hidden_below: int | None  # the threshold that hid some weeks (admins), if any

    @property
    def texts_by_week(self) -> list[tuple[Week, list]]:
        weeks: dict = {}
        for answer in self.figures.texts:
            weeks.setdefault(answer.checkin.week, []).append(answer)
        return [(Week(start), answers) for start, answers in weeks.items()]


def question_cards(*, team: Team, weeks: list[Week], individual: bool) -> list[QuestionCard]:
    minimum = 1 if individual else team.anonymity_minimum
    cards = []
    for index, figures in enumerate(checkin_selectors.question_figures(team=team, weeks=weeks, texts=individual)):
        hidden = None
        weekly = []
        for value, count in figures.weekly:
            if value is not None and count < minimum:
                hidden = minimum
                value = None
            weekly.append(value)
        chart = None
        if figures.kind in ("scale", "number", "yes_no"):
            chart = _trend_chart(index, figures, weeks, weekly)
        distribution = []
        total = sum(figures.distribution.values())
        if figures.kind == "choice" and total >= minimum:
            distribution = [(option, n, round(100 * n / total)) for option, n in figures.distribution.items()]
            distribution.sort(key=lambda item: -item[1])
        elif figures.kind == "choice" and total:
            hidden = minimum
        cards.append(QuestionCard(figures=figures, chart=chart, distribution=distribution, hidden_below=hidden))
    return cards


def _trend_chart(index: int, figures: QuestionFigures, weeks: list[Week], weekly: list[float | None]) -> Chart:
    labels = [week.label for week in weeks]
    share = figures.kind == "yes_no"
    data = [None if v is None else round(v * 100 if share else v, 2) for v in weekly]
    known = [v for v in data if v is not None]
    unit = "% yes" if share else ""
    if known:
        summary = f"Between {min(known):g}{unit} and {max(known):g}{unit} over these weeks."
    else:
        summary = "No answers to show yet."
    config = {
        "type": "line",
        "labels": labels,
        "datasets": [
            {
                "label": "Share answering yes (%)" if share else "Team average",
                "data": data,
                "borderColor": COLOURS["participation"],
                "backgroundColor": COLOURS["participation"],
                "clip": False,
            }
        ],
    }
    if figures.kind == "scale":
        config.update({"min": 1, "max": 5})
    elif share:
        config["percent"] = True
    return Chart(
        key=f"question-{index}",
        title=figures.label,
        summary=summary,
        config=config,
        columns=["Week", "Share answering yes" if share else "Team average", "Answers"],
        rows=[
            [label, "—" if v is None else f"{v:g}{unit}", str(count)]
            for label, v, (_, count) in zip(labels, data, figures.weekly, strict=True)
        ],
    )
