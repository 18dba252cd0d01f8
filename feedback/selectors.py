"""Reads for the feedback pages, and the figures other apps may show.

Nothing here returns anything about who wrote: threads carry their team, category, status and
day, and messages a position and, for managers' replies, the manager.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from accountability.models import Membership, Role, Team, User
from accountability.weeks import Week, local_instant

from .models import (
    Author,
    FeedbackMessage,
    FeedbackThread,
    QuestionKind,
    Strategy,
    SurveyAnswer,
    SurveyQuestion,
    SurveyRound,
)

ANSWER_WITHIN_DAYS = 7


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


def inbox_threads(user: User, *, status: str | None = None) -> QuerySet[FeedbackThread]:
    """Threads this person handles: their managed teams', and, for organisation admins, those
    routed to the admins. Each carries its number of messages, who wrote the last one
    (`last_author`, so the inbox can say which wait for an answer) and the start of the first
    (`opening`)."""
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("team_id")
    visible = Q(team_id__in=managed, to_admins=False)
    if user.is_staff:
        visible |= Q(to_admins=True)
    messages = FeedbackMessage.objects.filter(thread=OuterRef("pk"))
    last_author = messages.order_by("-position").values("author_kind")[:1]
    opening = messages.filter(position=1).annotate(start=Substr("body", 1, 200)).values("start")[:1]
    qs = (
        FeedbackThread.objects.filter(visible)
        .select_related("team", "signed_by")
        .annotate(message_count=Count("messages"), last_author=Subquery(last_author), opening=Subquery(opening))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_on", "id")


def thread_messages(thread: FeedbackThread):
    return thread.messages.select_related("manager").order_by("position")


def published_for_team(team: Team) -> QuerySet[FeedbackThread]:
    """ "You said, we did" for a team page."""
    return FeedbackThread.objects.filter(team=team, published_on__isnull=False).order_by("-published_on", "id")


def trust_figures(*, team: Team, weeks: list[Week]) -> dict[str, dict]:
    """Figures for the dashboard's trust metrics, as numerator/denominator pairs:

    * feedback_answered: of the anonymous threads to the team's managers that arrived in the
      period, those with a manager's first reply dated at most 7 days after the thread;
    * survey_participation: responses out of invitations, over rounds closed in the period;
    * survey_empowerment: favourable answers (4 or 5 after reverse scoring) to empowerment
      statements, over rounds closed in the period with at least the threshold of responses.
    """
    if not weeks:
        return {}
    start, end = weeks[0].start, weeks[-1].end
    threads = list(
        FeedbackThread.objects.filter(team=team, to_admins=False, created_on__range=(start, end))
        .annotate(first_answer=Min("messages__created_on", filter=Q(messages__author_kind=Author.MANAGER)))
        .values_list("created_on", "first_answer")
    )
    answered = sum(
        1 for created, first in threads if first is not None and first - created <= timedelta(days=ANSWER_WITHIN_DAYS)
    )
    tz = team.tz
    rounds = list(
        SurveyRound.objects.filter(
            team=team,
            closed=True,
            closes_at__gte=local_instant(start, time(0, 0), tz),
            closes_at__lt=local_instant(end + timedelta(days=1), time(0, 0), tz),
        )
        .annotate(invited_count=Count("invitations", distinct=True), response_count=Count("responses", distinct=True))
        .values("pk", "invited_count", "response_count")
    )
    threshold = max(team.anonymity_threshold, 3)
    visible = [r["pk"] for r in rounds if r["response_count"] >= threshold]
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
            "numerator": sum(r["response_count"] for r in rounds),
            "denominator": sum(r["invited_count"] for r in rounds),
        },
        "survey_empowerment": {"numerator": empowerment["favourable"], "denominator": empowerment["total"]},
    }


# --- Survey results ------------------------------------------------------------------------

FAVOURABLE = (4, 5)  # agreement answers (after reverse scoring) that count as favourable


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
    invited: int
    responses: int
    visible: bool
    reason: str = ""  # why results are hidden: "open" or "too-few"
    questions: list[QuestionResult] = field(default_factory=list)
    strategies: dict[str, float] = field(default_factory=dict)  # strategy -> mean (1-5)

    @property
    def participation(self) -> float | None:
        return self.responses / self.invited if self.invited else None


def _scored(question: SurveyQuestion, value: int) -> int:
    return 6 - value if question.reverse_scored else value


def round_results(round: SurveyRound) -> RoundResults:
    """Results of a round, or the reason there are none.

    Shown only when the round has closed (live results would let a reader watch each answer
    arrive) and at least the team's anonymity threshold answered. A question answered by
    fewer than the threshold (an optional comment, say) is left out the same way. Comments
    come in random-id order, never in the order they were written. Three queries.
    """
    threshold = max(round.team.anonymity_threshold, 3)
    invited = round.invitations.count()
    responses = round.responses.count()
    result = RoundResults(round=round, threshold=threshold, invited=invited, responses=responses, visible=False)
    if not round.closed:
        result.reason = "open"
        return result
    if responses < threshold:
        result.reason = "too-few"
        return result
    result.visible = True
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
    by_strategy: dict[str, list[int]] = {}
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
                        by_strategy.setdefault(q.strategy, []).extend(s for s, n in scored for _ in range(n))
                else:
                    item.mean = sum(v * n for v, n in bucket.items()) / total
        result.questions.append(item)
    result.strategies = {key: sum(values) / len(values) for key, values in by_strategy.items() if values}
    return result


def rounds_for_team(team: Team) -> QuerySet[SurveyRound]:
    return (
        SurveyRound.objects.filter(team=team)
        .select_related("template")
        .annotate(invited_count=Count("invitations", distinct=True), response_count=Count("responses", distinct=True))
        .order_by("-opens_at")
    )


def strategy_trend(team: Team, limit: int = 12) -> list[RoundResults]:
    """Closed rounds with visible results, oldest first, for the trend chart."""
    rounds = list(
        SurveyRound.objects.filter(team=team, closed=True)
        .select_related("team", "template")
        .order_by("-closes_at")[:limit]
    )
    return [r for r in (round_results(round) for round in reversed(rounds)) if r.visible]


def new_feedback_count(*, team: Team, start: date, end: date) -> int:
    """How many anonymous threads reached the team's managers between two team-local dates:
    a count only, for the weekly digest."""
    return FeedbackThread.objects.filter(team=team, to_admins=False, created_on__range=(start, end)).count()
