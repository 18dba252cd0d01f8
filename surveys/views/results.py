"""A round's results, as a page and as CSV: only when round_results says they may be shown."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accountability.exports import csv_stream, neutralise

from .. import charts, selectors
from ..forms import AGREEMENT_WORDS
from ..models import QuestionKind, Strategy
from .scoping import charts_json, get_round_for


@login_required
@require_safe
def survey_results(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's results, only when round_results says they may be shown. Otherwise the page
    says why and shows no figure at all (not even how many answered)."""
    round = get_round_for(request.user, round_id)
    results = selectors.round_results(round)
    chart = charts.trend_chart(selectors.strategy_trend(round.team, until=round)) if results.visible else None
    return render(
        request,
        "surveys/results.html",
        {
            "round": round,
            "team": round.team,
            "results": results,
            "questions": _question_rows(results) if results.visible else [],
            "strategies": _strategy_rows(results) if results.visible else [],
            "chart": chart,
            "charts_json": charts_json(chart),
        },
    )


def _share(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def _question_rows(results: selectors.RoundResults) -> list[dict]:
    rows = []
    for item in results.questions:
        q = item.question
        shown = bool(item.comments) if q.kind == QuestionKind.TEXT else bool(item.distribution)
        if q.kind == QuestionKind.AGREEMENT:
            labels = [f"{value}, {words}" for value, words in AGREEMENT_WORDS.items()]
        else:
            labels = [label for label, _ in item.distribution]
        rows.append(
            {
                "question": q,
                "shown": shown,
                "count": item.count if shown else None,
                "mean": item.mean,
                "options": [
                    {"label": label, "count": count, "share": _share(count, item.count)}
                    for label, (_, count) in zip(labels, item.distribution, strict=False)
                ],
                "comments": item.comments,
            }
        )
    return rows


# A strategy pools statements, some reverse-scored: its spread is of scores, not of answers.
STRATEGY_SCORE_LABELS = {"1": "1, least favourable", "5": "5, most favourable"}


def _strategy_rows(results: selectors.RoundResults) -> list[dict]:
    names = dict(Strategy.choices)
    rows = []
    for key, mean in results.strategies.items():
        distribution = results.strategy_distributions.get(key, [])
        total = sum(count for _, count in distribution)
        rows.append(
            {
                "key": key,
                "name": names[key],
                "mean": mean,
                "count": total,
                "options": [
                    {"label": STRATEGY_SCORE_LABELS.get(score, score), "count": count, "share": _share(count, total)}
                    for score, count in distribution
                ],
            }
        )
    return rows


@login_required
@require_safe
def survey_results_export(request: HttpRequest, round_id: int) -> HttpResponse:
    """The results as CSV, only when they may be shown at all (404 otherwise: below the
    threshold there is nothing to export)."""
    round = get_round_for(request.user, round_id)
    results = selectors.round_results(round)
    if not results.visible:
        raise Http404
    closed_on = round.closes_at.astimezone(round.team.tz).date()
    filename = f"{round.team.slug}-survey-{closed_on.isoformat()}.csv"
    return StreamingHttpResponse(
        csv_stream(_results_csv_rows(results)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


def _results_csv_rows(results: selectors.RoundResults):
    """One line per figure: participation, each question's options, each strategy's scores,
    and the comments. Every cell neutralised against spreadsheet formulas."""
    names = dict(Strategy.choices)
    yield ["Section", "Question", "Strategy", "Reverse-scored", "Answers", "Mean", "Option", "Count", "Comment"]

    def line(*cells) -> list[str]:
        return [neutralise(cell) for cell in cells]

    participation = "" if results.participation is None else f"{results.participation * 100:.1f}%"
    yield line("Participation", "", "", "", results.responses, "", f"of {results.invited} invited", participation, "")
    for row in _question_rows(results):
        q = row["question"]
        common = (q.text, names.get(q.strategy, ""), "yes" if q.reverse_scored else "no")
        if not row["shown"]:
            yield line("Question", *common, "", "", "Not shown: too few answers to keep them anonymous", "", "")
            continue
        mean = "" if row["mean"] is None else f"{row['mean']:.2f}"
        for option in row["options"]:
            yield line("Question", *common, row["count"], mean, option["label"], option["count"], "")
        for comment in row["comments"]:
            yield line("Comment", *common, row["count"], "", "", "", comment)
    for row in _strategy_rows(results):
        for option in row["options"]:
            yield line(
                "Strategy",
                "",
                row["name"],
                "",
                row["count"],
                f"{row['mean']:.2f}",
                option["label"],
                option["count"],
                "",
            )
