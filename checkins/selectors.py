"""Reads for the check-in pages. Each page runs a fixed number of queries, whatever the
length of someone's history."""

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, Subquery

from accountability.models import Commitment, CommitmentStatus, Membership, Team, User
from accountability.weeks import Week

from .models import CheckIn, Comment


@dataclass
class WeekView:
    team: Team
    week: Week
    today: date
    checkin: CheckIn | None
    carried: list[Commitment]  # open, from earlier weeks: waiting for review
    proposals: list[Commitment]
    commitments: list[Commitment]  # made for this week (not proposals)
    # The check-in's reply thread; each commitment above carries its own as `.thread`.
    checkin_thread: list[Comment] = field(default_factory=list)
    # Replies not seen yet in threads this page does not show (an earlier week's check-in, a
    # commitment settled long ago): listed on their own, so the page shows every new reply.
    other_new_replies: list[Comment] = field(default_factory=list)
    new_reply_count: int = 0


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
        )
        .select_related("renegotiated_from", "created_by")
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
    view.new_reply_count = sum(1 for r in replies if r.seen_at is None and r.author_id != member.pk)
    return view


@dataclass
class HistoryWeek:
    week: Week
    checkin: CheckIn | None = None
    commitments: list[Commitment] = field(default_factory=list)


HISTORY_WEEKS_PER_PAGE = 8


def history_for_member(*, member: User, team: Team, before: Week, page_number: int | str | None) -> tuple[Page, list]:
    """Past weeks (before `before`) that have a check-in or commitments, newest first,
    a page at a time: three queries (count, weeks, their rows)."""
    # order_by(): a UNION's parts may not carry the models' default ordering.
    weeks_with_checkins = (
        CheckIn.objects.filter(member=member, team=team, week__lt=before.start)
        .order_by()
        .values_list("week", flat=True)
    )
    weeks_with_commitments = (
        Commitment.objects.filter(owner=member, team=team, week__lt=before.start)
        .order_by()
        .values_list("week", flat=True)
    )
    all_weeks = weeks_with_checkins.union(weeks_with_commitments).order_by("-week")
    page = Paginator(all_weeks, HISTORY_WEEKS_PER_PAGE).get_page(page_number)
    starts = list(page.object_list)
    by_week = {start: HistoryWeek(week=Week(start)) for start in starts}
    if starts:
        for checkin in CheckIn.objects.filter(member=member, team=team, week__in=starts):
            by_week[checkin.week].checkin = checkin
        for commitment in Commitment.objects.filter(owner=member, team=team, week__in=starts).order_by(
            "due_date", "pk"
        ):
            by_week[commitment.week].commitments.append(commitment)
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
            Comment.objects.filter(commitment_id__in=list(threads)).select_related("author").order_by("created_at", "pk")
        ):
            threads[reply.commitment_id].append(reply)
    for commitment in commitments:
        commitment.thread = threads[commitment.pk]
    return commitments
