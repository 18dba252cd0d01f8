"""Reads for the feedback pages, and the figures other apps may show.

Nothing here returns anything about who wrote: threads carry their team, category, status and
day, and messages a position and, for managers' replies, the manager.

Readers (managers, admins, and every figure, digest and export made for them) see only what the
daily release has shown them (`released_on` set; models.py): `released_threads` and
`released_messages` are where every such read starts. Only the writer's own page, opened with
the code, shows what still waits (`writer_conversation`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Substr

from accountability.counting import ANSWER_WITHIN_DAYS
from accountability.models import ANONYMITY_THRESHOLD_FLOOR, Membership, Role, Team, User
from accountability.weeks import Week, local_date, local_instant

from .models import (
    Author,
    FeedbackMessage,
    FeedbackThread,
    QuestionKind,
    Strategy,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
)


def with_feedback_counts(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams annotated with what decides where anonymous feedback to them goes (see
    services.goes_to_admins): their active members besides the managers, and their managers."""
    return teams.annotate(
        feedback_members=Count(
            "memberships", filter=Q(memberships__role=Role.MEMBER, memberships__user__is_active=True)
        ),
        feedback_managers=Count(
            "memberships", filter=Q(memberships__role=Role.MANAGER, memberships__user__is_active=True)
        ),
    )


def teams_for_writing() -> QuerySet[Team]:
    """Every team of the organisation: anyone may write to any team's managers."""
    return with_feedback_counts(Team.objects.order_by("name"))


def released_threads() -> QuerySet[FeedbackThread]:
    """Threads the daily release has shown to their readers."""
    return FeedbackThread.objects.filter(released_on__isnull=False)


def released_messages() -> QuerySet[FeedbackMessage]:
    """Messages the daily release has shown (managers' replies are released as they are sent)."""
    return FeedbackMessage.objects.filter(released_on__isnull=False)


def inbox_threads(user: User, *, status: str | None = None) -> QuerySet[FeedbackThread]:
    """Threads this person handles: their managed teams', and, for organisation admins, those
    routed to the admins. Each carries its number of messages, who wrote the last one
    (`last_author`, so the inbox can say which wait for an answer) and the start of the first
    (`opening`)."""
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("team_id")
    visible = Q(team_id__in=managed, to_admins=False)
    if user.is_staff:
        visible |= Q(to_admins=True)
    messages = released_messages().filter(thread=OuterRef("pk"))
    last_author = messages.order_by("-position").values("author_kind")[:1]
    opening = messages.filter(position=1).annotate(start=Substr("body", 1, 200)).values("start")[:1]
    qs = (
        released_threads()
        .filter(visible)
        .select_related("team", "signed_by")
        .annotate(
            message_count=Count("messages", filter=Q(messages__released_on__isnull=False)),
            last_author=Subquery(last_author),
            opening=Subquery(opening),
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_on", "id")


def thread_messages(thread: FeedbackThread) -> QuerySet[FeedbackMessage]:
    """The conversation as its readers see it: released messages only."""
    return released_messages().filter(thread=thread).select_related("manager").order_by("position")


def writer_conversation(thread: FeedbackThread) -> list[FeedbackMessage]:
    """The conversation as its writer sees it: everything released, then their own messages
    still waiting for the release (each with `pending` set), in the order they wrote them."""
    messages = sorted(
        FeedbackMessage.objects.filter(thread=thread).select_related("manager"),
        key=lambda message: (message.released_on is None, message.position),
    )
    for message in messages:
        message.pending = message.released_on is None
    return messages


def published_for_team(team: Team) -> QuerySet[FeedbackThread]:
    """ "You said, we did" for a team page."""
    return FeedbackThread.objects.filter(team=team, published_on__isnull=False).order_by("-published_on", "id")


def trust_figures(*, team: Team, weeks: list[Week]) -> dict[str, dict]:
    """Figures for the dashboard's trust metrics, as numerator/denominator pairs:

    * feedback_answered: of the anonymous threads to the team's managers that reached them (the
      daily release) in the period, those with a manager's first reply dated at most 7 days
      after that;
    * survey_participation: responses out of invitations, over rounds closed in the period
      with at least the threshold of responses (a round below it shows through no figure);
    * survey_empowerment: favourable answers (4 or 5 after reverse scoring) to empowerment
      statements, over rounds closed in the period with at least the threshold of responses.
    """
    if not weeks:
        return {}
    start, end = weeks[0].start, weeks[-1].end
    threads = list(
        released_threads()
        .filter(team=team, to_admins=False, released_on__range=(start, end))
        .annotate(first_answer=Min("messages__created_on", filter=Q(messages__author_kind=Author.MANAGER)))
        .values_list("released_on", "first_answer")
    )
    answered = sum(
        1 for released, first in threads if first is not None and first - released <= timedelta(days=ANSWER_WITHIN_DAYS)
    )
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
    ).aggregate(
        total=Count("id"),
        favourable=Count(
            "id",
            filter=(Q(question__reverse_scored=False, value__gte=4) | Q(question__reverse_scored=True, value__lte=2)),
        ),
    )
    return {
        "feedback_answered": {"numerator": answered, "denominator": len(threads)},
        "survey_participation": {
            "numerator": sum(r["shown_responses"] for r in rounds),
            "denominator": sum(r["shown_invited"] for r in rounds),
        },
        "survey_empowerment": {"numerator": empowerment["favourable"], "denominator": empowerment["total"]},
    }


# --- Survey results ------------------------------------------------------------------------

FAVOURABLE = (4, 5)  # agreement answers (after reverse scoring) that count as favourable
AGREEMENT_MAX = 5


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


def _scored(question: SurveyQuestion, value: int) -> int:
    return 6 - value if question.reverse_scored else value


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
                low, high = (1, 5) if q.kind == QuestionKind.AGREEMENT else (0, 10)
                item.distribution = [(str(v), bucket.get(v, 0)) for v in range(low, high + 1)]
                if q.kind == QuestionKind.AGREEMENT:
                    scored = [(_scored(q, v), n) for v, n in bucket.items()]
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
        score = 6 - row["value"] if row["question__reverse_scored"] else row["value"]
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


@dataclass
class TrendChart:
    """A Chart.js line chart (see static/js/dashboard.js and accountability/_chart.html)
    and the same figures as a table."""

    key: str
    title: str
    summary: str
    config: dict
    columns: list[str]
    rows: list[list[str]]


def trend_chart(trend: list[RoundResults]) -> TrendChart | None:
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

    return TrendChart(
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


def new_feedback_count(*, team: Team, start: date, end: date) -> int:
    """How many anonymous threads reached the team's managers (were released to them) between
    two team-local dates: a count only, for the weekly digest. Never what still waits."""
    return released_threads().filter(team=team, to_admins=False, released_on__range=(start, end)).count()
