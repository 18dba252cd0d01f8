"""Reads for the check-in pages. Each page runs a fixed number of queries, whatever the
length of someone's history."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, RowNumber, TruncWeek

from accountability import counting
from accountability.models import SETTLED_STATUSES, Commitment, CommitmentStatus, Membership, Role, Team, User
from accountability.selectors import Spans, in_spans, is_current_member
from accountability.weeks import Week

from ..models import CheckIn, Comment
from .questions import (  # noqa: F401 - the question reads, one `selectors` for the pages
    QuestionAnswer,
    QuestionColumn,
    QuestionFigures,
    TemplateChoice,
    answer_initial,
    answered,
    checkin_answers,
    csv_member_answers,
    csv_question_columns,
    default_questions,
    question_figures,
    question_set_fingerprint,
    question_templates,
    questions_by_key,
    questions_for_range,
    questions_for_week,
    shared_answers,
    shared_answers_by_team,
    with_answers,
)


@dataclass
class WeekView:
    team: Team
    week: Week
    today: date
    checkin: CheckIn | None
    carried: list[Commitment]  # open, from earlier weeks: waiting for review
    proposals: list[Commitment]
    commitments: list[Commitment]  # made for this week (not proposals)
    # From earlier weeks, their outcome recorded during this week: the week keeps its story
    # (and the undo) instead of the row vanishing once reviewed.
    reviewed: list[Commitment] = field(default_factory=list)
    # The check-in's reply thread; each commitment above carries its own as `.thread`.
    checkin_thread: list[Comment] = field(default_factory=list)
    # Replies not seen yet in threads this page does not show (an earlier week's check-in, a
    # commitment settled long ago): listed on their own, so the page shows every new reply.
    other_new_replies: list[Comment] = field(default_factory=list)
    # The replies to the member this page shows as new: the ones it then marks seen.
    new_reply_ids: list[int] = field(default_factory=list)

    @property
    def new_reply_count(self) -> int:
        return len(self.new_reply_ids)


# The outcomes a review records (SETTLED_STATUSES but a declined proposal).
REVIEWED_STATUSES = SETTLED_STATUSES - {CommitmentStatus.DECLINED}
# What a commitment row on the week page reads: who proposed it, the date it replaced and the
# date it was renegotiated to, so the template reaches through no relation on its own.
ROW_RELATIONS = ("renegotiated_from", "renegotiated_to", "created_by")


def _reviewed_during(week: Week) -> Q:
    """Made for an earlier week and reviewed during this one (a declined proposal is an answer,
    not a review)."""
    return Q(week__lt=week.start, resolved_on__range=(week.start, week.end)) & ~Q(status=CommitmentStatus.DECLINED)


def _is_reviewed_during(commitment: Commitment, week: Week) -> bool:
    return (
        commitment.week < week.start
        and commitment.status in REVIEWED_STATUSES
        and commitment.resolved_on is not None
        and week.start <= commitment.resolved_on <= week.end
    )


def week_for_member(*, member: User, team: Team, week: Week, today: date) -> WeekView:
    """Everything on a member's week page: three queries (the check-in, the commitments, and
    the replies in their threads plus any reply not seen yet)."""
    checkin = (
        CheckIn.objects.filter(member=member, team=team, week=week.start)
        .select_related("acknowledged_by", "support_answered_by")
        .first()
    )
    rows = list(
        Commitment.objects.filter(owner=member, team=team)
        .filter(
            Q(week=week.start)
            | Q(status=CommitmentStatus.PROPOSED)
            | Q(status=CommitmentStatus.OPEN, week__lt=week.start)
            | _reviewed_during(week)
        )
        .select_related(*ROW_RELATIONS)
        .order_by("week", "due_date", "pk")
    )
    view = WeekView(
        team=team,
        week=week,
        today=today,
        checkin=checkin,
        carried=[c for c in rows if c.week < week.start and c.status == CommitmentStatus.OPEN],
        proposals=[c for c in rows if c.status == CommitmentStatus.PROPOSED],
        commitments=[c for c in rows if c.week == week.start and c.status != CommitmentStatus.PROPOSED],
        reviewed=[c for c in rows if _is_reviewed_during(c, week)],
    )
    on_page = Q(commitment_id__in=[c.pk for c in rows])
    if checkin is not None:
        on_page |= Q(checkin_id=checkin.pk)
    new = Q(seen_at__isnull=True) & ~Q(author_id=member.pk)
    replies = list(
        Comment.objects.filter(member=member, team=team)
        .filter(on_page | new)
        .select_related("author", "checkin", "commitment")
        .order_by("created_at", "pk")
    )
    threads: dict[int, list[Comment]] = {}
    for reply in replies:
        if checkin is not None and reply.checkin_id == checkin.pk:
            view.checkin_thread.append(reply)
        elif reply.commitment_id is not None:
            threads.setdefault(reply.commitment_id, []).append(reply)
        else:
            view.other_new_replies.append(reply)
    for commitment in rows:
        commitment.thread = threads.pop(commitment.pk, [])
    # What is left are new replies on commitments not on this page.
    for thread in threads.values():
        view.other_new_replies.extend(thread)
    view.other_new_replies.sort(key=lambda r: (r.created_at, r.pk))
    view.new_reply_ids = [r.pk for r in replies if r.seen_at is None and r.author_id != member.pk]
    return view


def commitment_rows(*, owner: User, ids: list[int]) -> list[Commitment]:
    """Commitment rows as the week page has them (relations and threads), for an htmx answer
    that replaces some rows in place: two queries."""
    rows = list(
        Commitment.objects.filter(owner=owner, pk__in=ids).select_related(*ROW_RELATIONS).order_by("week", "pk")
    )
    return commitments_with_threads(rows)


@dataclass
class HistoryWeek:
    week: Week
    checkin: CheckIn | None = None
    commitments: list[Commitment] = field(default_factory=list)
    # Made for an earlier week, reviewed during this one.
    reviewed: list[Commitment] = field(default_factory=list)


HISTORY_WEEKS_PER_PAGE = 8


def history_for_member(*, member: User, team: Team, through: Week, page_number: int | str | None) -> tuple[Page, list]:
    """Weeks up to `through` (the current week included, once it has anything in it) with a
    check-in, commitments made, or a review of an earlier commitment; newest first, a page at a
    time: four queries (count, weeks, their check-ins, their commitments)."""
    mine = {"owner": member, "team": team}
    # order_by(): a UNION's parts may not carry the models' default ordering.
    weeks_with_checkins = (
        CheckIn.objects.filter(member=member, team=team, week__lte=through.start)
        .order_by()
        .values_list("week", flat=True)
    )
    weeks_with_commitments = (
        Commitment.objects.filter(**mine, week__lte=through.start).order_by().values_list("week", flat=True)
    )
    weeks_with_reviews = (
        Commitment.objects.filter(**mine, resolved_on__lte=through.end)
        .exclude(status=CommitmentStatus.DECLINED)
        # Cast: PostgreSQL truncates a date to a timestamp, which would turn the UNION's weeks too.
        .annotate(reviewed_in=Cast(TruncWeek("resolved_on"), output_field=DateField()))
        .order_by()
        .values_list("reviewed_in", flat=True)
    )
    all_weeks = weeks_with_checkins.union(weeks_with_commitments, weeks_with_reviews).order_by("-week")
    page = Paginator(all_weeks, HISTORY_WEEKS_PER_PAGE).get_page(page_number)
    starts = list(page.object_list)
    by_week = {start: HistoryWeek(week=Week(start)) for start in starts}
    if starts:
        for checkin in CheckIn.objects.filter(member=member, team=team, week__in=starts):
            by_week[checkin.week].checkin = checkin
        made_or_reviewed = Q(week__in=starts) | Q(resolved_on__range=(min(starts), max(starts) + timedelta(days=6)))
        for commitment in (
            Commitment.objects.filter(made_or_reviewed, **mine)
            .select_related("renegotiated_to")
            .order_by("due_date", "pk")
        ):
            if commitment.week in by_week:
                by_week[commitment.week].commitments.append(commitment)
            reviewed_in = by_week.get(Week.containing(commitment.resolved_on).start) if commitment.resolved_on else None
            if reviewed_in is not None and _is_reviewed_during(commitment, reviewed_in.week):
                reviewed_in.reviewed.append(commitment)
    return page, [by_week[start] for start in starts]


# --- Review: a check-in for its managers, and the reply threads -----------------------------


def checkin_for_viewer(*, viewer: User, checkin_id: int) -> CheckIn | None:
    """A check-in with its team, member and reviewers, its team carrying the viewer's role (as
    `teams_with_viewer_role` does), so the permission checks need no further query."""
    role = Membership.objects.filter(team=OuterRef("team_id"), user=viewer).order_by().values("role")[:1]
    checkin = (
        CheckIn.objects.select_related("team", "member", "acknowledged_by", "support_answered_by")
        .annotate(viewer_role=Subquery(role))
        .filter(pk=checkin_id)
        .first()
    )
    if checkin is not None:
        checkin.team.viewer_role = checkin.viewer_role
        checkin.team.viewer_role_of = viewer.pk
    return checkin


@dataclass
class CheckInReview:
    checkin: CheckIn
    week: Week
    # Made for that week, or from an earlier week and settled during it; each carries
    # `reply_count`, the length of its own thread.
    commitments: list[Commitment]
    thread: list[Comment]


def checkin_review(*, checkin: CheckIn) -> CheckInReview:
    """The check-in page: the week's commitments with their reflections, and the thread. Two
    queries, however long the thread or the history."""
    week = Week(checkin.week)
    commitments = list(
        Commitment.objects.filter(owner_id=checkin.member_id, team_id=checkin.team_id)
        .filter(Q(week=week.start) | Q(week__lt=week.start, resolved_on__range=(week.start, week.end)))
        .exclude(status=CommitmentStatus.PROPOSED)
        .select_related("renegotiated_from")
        .annotate(reply_count=Count("comments"))
        .order_by("week", "due_date", "pk")
    )
    return CheckInReview(checkin=checkin, week=week, commitments=commitments, thread=checkin_thread(checkin=checkin))


def checkin_thread(*, checkin: CheckIn) -> list[Comment]:
    return list(Comment.objects.filter(checkin=checkin).select_related("author").order_by("created_at", "pk"))


def commitment_thread(*, commitment: Commitment) -> list[Comment]:
    return list(Comment.objects.filter(commitment=commitment).select_related("author").order_by("created_at", "pk"))


def commitments_with_threads(commitments: list[Commitment]) -> list[Commitment]:
    """Sets `.thread` on each commitment (as the week page has them): one query."""
    threads: dict[int, list[Comment]] = {c.pk: [] for c in commitments}
    if threads:
        for reply in (
            Comment.objects.filter(commitment_id__in=list(threads))
            .select_related("author")
            .order_by("created_at", "pk")
        ):
            threads[reply.commitment_id].append(reply)
    for commitment in commitments:
        commitment.thread = threads[commitment.pk]
    return commitments


# --- Team dashboard ------------------------------------------------------------------------
# Aggregates over a range of weeks for the dashboard app: one query each, whatever the
# number of members or the length of history. What is counted: accountability.counting.


def _replied(person: str = "member") -> Exists:
    """Someone other than the member wrote in the check-in's thread (a manager's reply)."""
    return Exists(Comment.objects.filter(checkin=OuterRef("pk")).exclude(author=OuterRef(person)).order_by())


def checkin_counts(*, spans: Spans, member_id: int | None = None) -> list[dict]:
    """Check-in counts per team, member and week (rows with `team_id`, `member_id`, `week`,
    the counts of counting.checkin_conditions, `ack_seconds`, and `mood_sum` for the mood
    trend), for the members of each team."""
    if not spans:
        return []
    conditions = counting.checkin_conditions()
    qs = CheckIn.objects.filter(in_spans(spans, "week"), is_current_member(person="member"))
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    rows = list(
        qs.annotate(has_reply=_replied())
        .order_by()
        .values("team_id", "member_id", "week")
        .annotate(
            **{key: Count("pk", filter=condition) for key, condition in conditions.items()},
            ack_duration=Sum(counting.ACK_DURATION, output_field=DurationField()),
            mood_sum=Sum("mood"),
        )
    )
    for row in rows:
        duration = row.pop("ack_duration")
        row["ack_seconds"] = duration.total_seconds() if duration else 0.0
    return rows


SUPPORT = "support"
BLOCKER = "blocker"
UNACKNOWLEDGED = "unacknowledged"


def checkins_needing_attention(*, team: Team, start: date, end: date, limit: int) -> list[CheckIn]:
    """For "Needs you": every support request not yet answered and every blocker not yet
    acknowledged, whatever the week (they wait until someone answers, however old they are or
    whichever weeks the dashboard shows), then the other check-ins of the range's weeks not yet
    acknowledged. Each check-in appears once, under the first of these that fits; the first
    `limit` of each kind, oldest first, each row carrying `kind` and `kind_total`. One query."""
    return checkins_needing_attention_by_team(spans={team.pk: (start, end)}, limit=limit).get(team.pk, [])


def checkins_needing_attention_by_team(*, spans: Spans, limit: int) -> dict[int, list[CheckIn]]:
    """checkins_needing_attention for many teams, each with its own range, in one query (the
    weekly digest): the teams in each branch, so each reads its own index (the partial ones of
    open support requests and open blockers, and (team, week) for the ranges)."""
    if not spans:
        return {}
    open_support = ~Q(support_requested="") & Q(support_answered_at__isnull=True)
    open_blocker = ~Q(blockers="") & Q(acknowledged_at__isnull=True)
    kind = Case(
        When(open_support, then=Value(SUPPORT)),
        When(open_blocker, then=Value(BLOCKER)),
        default=Value(UNACKNOWLEDGED),
        output_field=CharField(),
    )
    in_teams = Q(team_id__in=list(spans))
    unacknowledged_in_range = Q(acknowledged_at__isnull=True) & in_spans(spans, "week")
    found: dict[int, list[CheckIn]] = {team_id: [] for team_id in spans}
    rows = (
        CheckIn.objects.filter((in_teams & open_support) | (in_teams & open_blocker) | unacknowledged_in_range)
        .filter(is_current_member(person="member"))
        .select_related("member")
        .only(
            "week",
            "team_id",
            "blockers",
            "support_requested",
            "submitted_at",
            "is_late",
            "acknowledged_at",
            "member__email",
            "member__display_name",
        )
        .annotate(
            kind=kind,
            kind_total=Window(Count("pk"), partition_by=[F("team_id"), kind]),
            kind_rank=Window(
                RowNumber(), partition_by=[F("team_id"), kind], order_by=[F("submitted_at").asc(), F("pk").asc()]
            ),
        )
        .filter(kind_rank__lte=limit)
        .order_by("submitted_at", "pk")
    )
    for row in rows:
        found[row.team_id].append(row)
    return found


def member_checkins(*, team: Team, member_id: int, start: date, end: date) -> list[CheckIn]:
    """A member's check-ins over the weeks of a range, newest first, with `reply_count`."""
    return list(
        CheckIn.objects.filter(team=team, member_id=member_id, week__range=(start, end))
        .annotate(reply_count=Count("comments"))
        .order_by("-week")
    )


def checkins_visible_to(viewer: User) -> QuerySet[CheckIn]:
    """Every check-in the person may open (permissions.can_view_checkin): their own, in any
    team, and those of the teams they manage. Newest week first. For the REST API's lists."""
    managed = Membership.objects.filter(user=viewer, role=Role.MANAGER).order_by().values("team_id")
    return (
        CheckIn.objects.filter(Q(member=viewer) | Q(team_id__in=managed))
        .select_related("team", "member")
        .order_by("-week", "-pk")
    )
