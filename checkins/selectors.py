"""Reads for the check-in pages. Each page runs a fixed number of queries, whatever the
length of someone's history."""

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Q

from accountability.models import Commitment, CommitmentStatus, Team, User
from accountability.weeks import Week

from .models import CheckIn


@dataclass
class WeekView:
    team: Team
    week: Week
    today: date
    checkin: CheckIn | None
    carried: list[Commitment]  # open, from earlier weeks: waiting for review
    proposals: list[Commitment]
    commitments: list[Commitment]  # made for this week (not proposals)


def week_for_member(*, member: User, team: Team, week: Week, today: date) -> WeekView:
    """Everything on a member's week page: two queries."""
    checkin = CheckIn.objects.filter(member=member, team=team, week=week.start).first()
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
    return WeekView(
        team=team,
        week=week,
        today=today,
        checkin=checkin,
        carried=[c for c in rows if c.week < week.start and c.status == CommitmentStatus.OPEN],
        proposals=[c for c in rows if c.status == CommitmentStatus.PROPOSED],
        commitments=[c for c in rows if c.week == week.start and c.status != CommitmentStatus.PROPOSED],
    )


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
