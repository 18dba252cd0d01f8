"""Reads for the survey pages, and the figures other apps may show.

Nothing here returns anything about who answered: invitations say who was asked and whether
they answered, responses and answers say what was answered, and no read joins the two. Counts
and results leave the database only once a round has closed with at least the team's
anonymity threshold of responses (with_participation, round_results).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import BooleanField, Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from accountability.models import ANONYMITY_THRESHOLD_FLOOR, Membership, Role, Team, User
from accountability.weeks import Week, local_instant

from .models import (
    AGREEMENT_MAX,
    QuestionKind,
    Strategy,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
    agreement_score,
    favourable_answer,
)


def trust_figures(*, team: Team, weeks: list[Week]) -> dict[str, dict]:
    """Figures for the dashboard's trust metrics, as numerator/denominator pairs:

    * survey_participation: responses out of invitations, over rounds closed in the period
      with at least the threshold of responses (a round below it shows through no figure);
    * survey_empowerment: favourable answers (models.favourable_answer) to empowerment
      statements, over rounds closed in the period with at least the threshold of responses.
    """
    if not weeks:
        return {}
    start, end = weeks[0].start, weeks[-1].end
    tz = team.tz
    # Only rounds whose results may be shown count, participation included: a round below the
    # threshold must not show through a period's total (see with_participation).
    rounds = list(
        with_participation(
            SurveyRound.objects.filter(
                team=team,
                closed=True,
                closes_at__gte=local_instant(start, time(0, 0), tz),
                closes_at__lt=local_instant(end + timedelta(days=1), time(0, 0), tz),
            )
        )
        .filter(results_visible=True)
        .values("pk", "shown_invited", "shown_responses")
    )
    visible = [r["pk"] for r in rounds]
    empowerment = SurveyAnswer.objects.filter(
        response__round_id__in=visible,
        question__strategy=Strategy.EMPOWERMENT,
        question__kind=QuestionKind.AGREEMENT,
        value__isnull=False,
    ).aggregate(total=Count("id"), favourable=Count("id", filter=favourable_answer()))
    return {
        "survey_participation": {
            "numerator": sum(r["shown_responses"] for r in rounds),
            "denominator": sum(r["shown_invited"] for r in rounds),
        },
        "survey_empowerment": {"numerator": empowerment["favourable"], "denominator": empowerment["total"]},
    }


@dataclass
class QuestionResult:
    question: SurveyQuestion
    count: int
    mean: float | None = None  # agreement (reverse scoring applied) and 0-10 scales
    distribution: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass
class RoundResults:
    round: SurveyRound
    threshold: int
    # How many were invited and answered: None unless the results are visible. An open round's
    # count, or one below the threshold, is never handed to a page.
    invited: int | None
    responses: int | None
    visible: bool
    reason: str = ""  # why results are hidden: "open" or "too-few"
    questions: list[QuestionResult] = field(default_factory=list)
    strategies: dict[str, float] = field(default_factory=dict)  # strategy -> mean (1-5)
    # strategy -> [(score, answers)] for scores 1 to 5, reverse scoring applied
    strategy_distributions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def participation(self) -> float | None:
        return self.responses / self.invited if self.invited and self.responses is not None else None


def round_results(round: SurveyRound) -> RoundResults:
    """Results of a round, or the reason there are none.

    Shown only when the round has closed (live results would let a reader watch each answer
    arrive) and at least the team's anonymity threshold answered; until then the result holds
    no count at all, not even how many answered. A question answered by fewer than the
    threshold (an optional comment, say) is left out the same way. Comments come in random-id
    order, never in the order they were written. At most three queries.
    """
    threshold = round.team.anonymity_minimum
    result = RoundResults(round=round, threshold=threshold, invited=None, responses=None, visible=False)
    if not round.closed:
        result.reason = "open"  # not even counted: nothing here may move while answers arrive
        return result
    responses = round.responses.count()
    if responses < threshold:
        result.reason = "too-few"
        return result
    result.visible = True
    result.responses = responses
    result.invited = round.invitations.count()
    questions = list(round.template.questions.all())
    counts: dict[int, dict[int, int]] = {}
    texts: dict[int, list[str]] = {}
    rows = (
        SurveyAnswer.objects.filter(response__round=round)
        .values("question_id", "value", "text")
        .order_by("question_id", "id")
    )
    for row in rows:
        if row["value"] is not None:
            bucket = counts.setdefault(row["question_id"], {})
            bucket[row["value"]] = bucket.get(row["value"], 0) + 1
        elif row["text"]:
            texts.setdefault(row["question_id"], []).append(row["text"])
    by_strategy: dict[str, dict[int, int]] = {}  # strategy -> score -> answers
    for q in questions:
        if q.kind == QuestionKind.TEXT:
            comments = texts.get(q.pk, [])
            item = QuestionResult(question=q, count=len(comments))
            if len(comments) >= threshold:
                item.comments = comments
            result.questions.append(item)
            continue
        bucket = counts.get(q.pk, {})
        total = sum(bucket.values())
        item = QuestionResult(question=q, count=total)
        if total >= threshold:
            if q.kind == QuestionKind.CHOICE:
                item.distribution = [(label, bucket.get(i, 0)) for i, label in enumerate(q.choices)]
            else:
                low, high = (1, AGREEMENT_MAX) if q.kind == QuestionKind.AGREEMENT else (0, 10)
                item.distribution = [(str(v), bucket.get(v, 0)) for v in range(low, high + 1)]
                if q.kind == QuestionKind.AGREEMENT:
                    scored = [(agreement_score(v, reverse_scored=q.reverse_scored), n) for v, n in bucket.items()]
                    item.mean = sum(s * n for s, n in scored) / total
                    if q.strategy:
                        scores = by_strategy.setdefault(q.strategy, {})
                        for score, n in scored:
                            scores[score] = scores.get(score, 0) + n
                else:
                    item.mean = sum(v * n for v, n in bucket.items()) / total
        result.questions.append(item)
    result.strategies = _strategy_means(by_strategy)
    result.strategy_distributions = {
        key: [(str(score), scores.get(score, 0)) for score in range(1, AGREEMENT_MAX + 1)]
        for key, scores in by_strategy.items()
        if sum(scores.values())
    }
    return result


def _strategy_means(by_strategy: dict[str, dict[int, int]]) -> dict[str, float]:
    # In the order strategies are listed, whatever order the questions come in.
    means = {}
    for key in Strategy.values:
        scores = by_strategy.get(key) or {}
        total = sum(scores.values())
        if total:
            means[key] = sum(score * n for score, n in scores.items()) / total
    return means


def _count_per_round(model) -> Coalesce:
    """How many rows of `model` belong to the outer round: a subquery, so counting two tables
    joins neither (a join of both would multiply rows)."""
    rows = model.objects.filter(round=OuterRef("pk")).order_by().values("round").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_participation(rounds: QuerySet[SurveyRound]) -> QuerySet[SurveyRound]:
    """Rounds annotated with `results_visible` (closed, with at least the team's anonymity
    minimum of responses: Team.anonymity_minimum, in SQL) and, for those only, `shown_responses`
    and `shown_invited`; None for every other round.

    Below the threshold, or while a round is open, the counts never leave the database: no
    page, export or email can show them by mistake. An open round's live count would let a
    reader watch each answer arrive, and tie it to whoever was just seen leaving a meeting."""
    minimum = Greatest(F("team__anonymity_threshold"), Value(ANONYMITY_THRESHOLD_FLOOR))
    visible = Q(closed=True, n_responses__gte=minimum)
    return rounds.alias(
        n_responses=_count_per_round(SurveyResponse), n_invited=_count_per_round(SurveyInvitation)
    ).annotate(
        results_visible=Case(When(visible, then=Value(True)), default=Value(False), output_field=BooleanField()),
        shown_responses=Case(When(visible, then=F("n_responses")), default=None, output_field=IntegerField()),
        shown_invited=Case(When(visible, then=F("n_invited")), default=None, output_field=IntegerField()),
    )


def rounds_for_team(team: Team) -> QuerySet[SurveyRound]:
    """A team's rounds, newest first, with participation where it may be shown
    (with_participation)."""
    return with_participation(SurveyRound.objects.filter(team=team).select_related("template")).order_by("-opens_at")


def strategy_trend(team: Team, limit: int = 12, *, until: SurveyRound | None = None) -> list[RoundResults]:
    """The last `limit` closed rounds with visible results (up to `until`, when given), oldest
    first, for the trend chart: each with its strategy means, computed exactly as
    round_results does (statements answered by fewer than the threshold left out), but
    without the per-question detail. Two queries, however many rounds."""
    threshold = team.anonymity_minimum
    rounds = SurveyRound.objects.filter(team=team, closed=True)
    if until is not None:
        rounds = rounds.filter(closes_at__lte=until.closes_at)
    rounds = list(with_participation(rounds).filter(results_visible=True).order_by("-closes_at", "-pk")[:limit])
    rounds.reverse()
    rows = (
        SurveyAnswer.objects.filter(
            response__round__in=[r.pk for r in rounds],
            question__kind=QuestionKind.AGREEMENT,
            value__isnull=False,
        )
        .exclude(question__strategy="")
        .values("response__round_id", "question_id", "question__strategy", "question__reverse_scored", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    # round -> question -> (strategy, score -> answers)
    per_round: dict[int, dict[int, tuple[str, dict[int, int]]]] = {}
    for row in rows:
        questions = per_round.setdefault(row["response__round_id"], {})
        strategy, scores = questions.setdefault(row["question_id"], (row["question__strategy"], {}))
        score = agreement_score(row["value"], reverse_scored=row["question__reverse_scored"])
        scores[score] = scores.get(score, 0) + row["n"]
    trend = []
    for round in rounds:
        by_strategy: dict[str, dict[int, int]] = {}
        for strategy, scores in per_round.get(round.pk, {}).values():
            if sum(scores.values()) < threshold:
                continue
            pooled = by_strategy.setdefault(strategy, {})
            for score, n in scores.items():
                pooled[score] = pooled.get(score, 0) + n
        round.team = team
        trend.append(
            RoundResults(
                round=round,
                threshold=threshold,
                invited=round.shown_invited,
                responses=round.shown_responses,
                visible=True,
                strategies=_strategy_means(by_strategy),
            )
        )
    return trend


def round_state(round: SurveyRound, now: datetime) -> str:
    """ "scheduled", "open" or "closed", as the managers' pages say it."""
    if round.closed or now >= round.closes_at:
        return "closed"
    if round.invited or now >= round.opens_at:
        return "open"
    return "scheduled"


def templates_for_team(team: Team, *, older_versions: bool = False) -> QuerySet[SurveyTemplate]:
    """The templates a team's managers may run: the built-in ones, those written by any of the
    team's managers, and any the team has run before; only the newest version of each, unless
    `older_versions` (to read what past rounds asked)."""
    managers = Membership.objects.filter(team=team, role=Role.MANAGER).values("user_id")
    templates = SurveyTemplate.objects.filter(
        Q(built_in=True)
        | Q(created_by__in=managers)
        | Q(pk__in=SurveyRound.objects.filter(team=team).values("template_id"))
    )
    if not older_versions:
        templates = templates.filter(next_version__isnull=True)
    return templates.annotate(question_count=Count("questions", distinct=True)).order_by("-built_in", "name", "pk")


def round_opened(now: datetime) -> Q:
    """Rounds that have opened: invitations sent, or their time come, or closed. A template
    used by such a round is edited as a new version (services.template_update)."""
    return Q(invited=True) | Q(closed=True) | Q(opens_at__lte=now)


@dataclass
class TemplateUse:
    opened_rounds: int  # rounds that asked (or are asking) these questions
    waiting_rounds: int  # rounds scheduled with it that haven't opened yet

    @property
    def in_use(self) -> bool:
        return self.opened_rounds > 0


def template_use(template: SurveyTemplate, *, now: datetime) -> TemplateUse:
    """How a template is used, for its pages to say what an edit will do. One query."""
    counts = SurveyRound.objects.filter(template=template).aggregate(
        opened=Count("pk", filter=round_opened(now)), waiting=Count("pk", filter=~round_opened(now))
    )
    return TemplateUse(opened_rounds=counts["opened"], waiting_rounds=counts["waiting"])


def invitations_for_user(user: User, *, now: datetime) -> QuerySet[SurveyInvitation]:
    """Someone's invitations to rounds open now, answered or not (for their "Surveys" page)."""
    return (
        SurveyInvitation.objects.filter(
            user=user, round__closed=False, round__opens_at__lte=now, round__closes_at__gt=now
        )
        .select_related("round__team", "round__template")
        .order_by("round__closes_at", "round_id")
    )
