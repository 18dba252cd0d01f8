"""Reads for the meetings pages, the dashboard and the digest. Each page runs a fixed number
of queries, whatever the length of a series' history."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accountability.models import SETTLED_STATUSES, Membership, Role, Team, User
from accountability.registry import Suggestion, suggestions_for
from accountability.weeks import Week, local_instant

from .models import ActionItem, AgendaPoint, Kind, Meeting, PrivateNote, Series, Status

# The series page lists this many past meetings (the rest are a link away, one at a time).
PAST_SHOWN = 12
# Suggested talking points look back this far.
SUGGESTIONS_SINCE = timedelta(weeks=4)


def series_for_user(user: User) -> list[Series]:
    """A person's one-to-ones (running first) and their teams' meetings: one query."""
    teams = Membership.objects.filter(user=user).values("team_id")
    return list(
        Series.objects.filter(
            Q(kind=Kind.ONE_TO_ONE) & (Q(manager=user) | Q(member=user)) | Q(kind=Kind.TEAM, team_id__in=teams)
        )
        .select_related("team", "manager", "member", "transfer_to")
        .order_by("ended_at", "kind", "team__name", "pk")
    )


def series_people_choices(user: User) -> list[tuple[Team, list[User]]]:
    """Who this person may start a one-to-one with, per team: a manager's members, a member's
    managers. Two queries."""
    mine = list(Membership.objects.filter(user=user).select_related("team"))
    roles = {ms.team_id: ms.role for ms in mine}
    others = Membership.objects.filter(team_id__in=roles).exclude(user=user).select_related("user")
    by_team: dict[int, list[User]] = {}
    for ms in others.order_by("user__display_name", "user__email"):
        if {ms.role, roles[ms.team_id]} == {Role.MANAGER, Role.MEMBER}:
            by_team.setdefault(ms.team_id, []).append(ms.user)
    return [(ms.team, by_team[ms.team_id]) for ms in mine if by_team.get(ms.team_id)]


@dataclass
class SeriesPage:
    series: Series
    meeting: Meeting | None  # the meeting on the page (the next one, unless one is chosen)
    points: list[AgendaPoint]
    action_items: list[ActionItem]
    private_note: PrivateNote | None
    past: list[Meeting]
    suggestions: list[Suggestion] = field(default_factory=list)
    attendee_ids: set[int] = field(default_factory=set)
    members: list[User] = field(default_factory=list)
    earlier: int = 0


def transfer_candidates(*, series: Series) -> list[User]:
    """The managers a one-to-one series could move to: the team's other managers. One query."""
    return [
        membership.user
        for membership in Membership.objects.filter(team_id=series.team_id, role=Role.MANAGER)
        .exclude(user_id=series.manager_id)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    ]


def series_page(*, series: Series, viewer: User, meeting_id: int | None = None, now: datetime) -> SeriesPage:
    """The series page: the chosen meeting (default: the next planned, else the last) with its
    agenda, action items and the viewer's own private note; the recent meetings with counts;
    for a one-to-one, talking points suggested from the member's recent check-ins."""
    meetings = series.meetings.all()
    if meeting_id is not None:
        meeting = meetings.filter(pk=meeting_id).first()
    else:
        meeting = (
            meetings.filter(status=Status.PLANNED).order_by("starts_at").first()
            or meetings.order_by("-starts_at").first()
        )
    past = list(
        meetings.filter(starts_at__lte=now)
        .exclude(pk=getattr(meeting, "pk", None))
        .annotate(
            point_count=Count("points", distinct=True),
            carried=Count("points", filter=Q(points__carried_to__isnull=False), distinct=True),
            item_count=Count("action_items", distinct=True),
        )
        .order_by("-starts_at")[: PAST_SHOWN + 1]
    )
    page = SeriesPage(
        series=series,
        meeting=meeting,
        points=[],
        action_items=[],
        private_note=None,
        past=past[:PAST_SHOWN],
        earlier=len(past) > PAST_SHOWN,
    )
    if meeting is None:
        return page
    page.points = list(
        AgendaPoint.objects.filter(meeting=meeting)
        .select_related("author", "carried_from__meeting")
        .annotate(carried_on=Exists(AgendaPoint.objects.filter(carried_from_id=OuterRef("pk"))))
    )
    page.action_items = list(
        ActionItem.objects.filter(meeting=meeting).select_related("commitment__owner").order_by("created_at", "pk")
    )
    # Only the viewer's own note is ever loaded.
    page.private_note = PrivateNote.objects.filter(meeting=meeting, author=viewer).first()
    if series.is_one_to_one:
        if meeting.status == Status.PLANNED and series.is_running:
            offered = suggestions_for(
                member=series.member, team=series.team, since=series.team.today(now) - SUGGESTIONS_SINCE
            )
            written = {p.text for p in page.points}
            page.suggestions = [s for s in offered if " ".join(s.text.split()) not in written]
    else:
        page.attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
        page.members = [
            ms.user
            for ms in Membership.objects.filter(team=series.team).select_related("user").order_by("user__display_name")
        ]
    return page


# --- The dashboard's figures (definitions in dashboard/metrics.py) -------------------------


def _held_counts(*, team: Team, kind: str, start: date, end: date, today: date, manager_id: int | None = None) -> dict:
    qs = Meeting.objects.filter(team=team, series__kind=kind, on__range=(start, min(end, today)))
    if manager_id is not None:
        qs = qs.filter(series__manager_id=manager_id)
    # A meeting on today's date counts once it is recorded (it may be later today).
    qs = qs.exclude(on=today, status=Status.PLANNED)
    return qs.aggregate(due=Count("pk"), held=Count("pk", filter=Q(status=Status.HELD)))


def trust_figures(*, team: Team, weeks: list[Week], now: datetime | None = None) -> dict[str, dict]:
    """Numerator/denominator pairs, three queries whatever the history:

    * team_meetings_held / one_to_ones_held: meetings held, out of the cadence's meetings whose
      date (team-local, after any move) fell in the period and has passed; a skipped one and
      one not recorded count as not held;
    * action_items_closed: meeting action items due in the period (and by today) whose
      commitment is settled (done, partly, not done, renegotiated, let go).
    """
    if not weeks:
        return {}
    now = now or timezone.now()
    start, end, today = weeks[0].start, weeks[-1].end, team.today(now)
    one = _held_counts(team=team, kind=Kind.ONE_TO_ONE, start=start, end=end, today=today)
    group = _held_counts(team=team, kind=Kind.TEAM, start=start, end=end, today=today)
    items = ActionItem.objects.filter(
        meeting__team=team, commitment__due_date__range=(start, min(end, today))
    ).aggregate(due=Count("pk"), closed=Count("pk", filter=Q(commitment__status__in=SETTLED_STATUSES)))
    return {
        "one_to_ones_held": {"numerator": one["held"], "denominator": one["due"]},
        "team_meetings_held": {"numerator": group["held"], "denominator": group["due"]},
        "action_items_closed": {"numerator": items["closed"], "denominator": items["due"]},
    }


def one_to_ones_by_manager(*, team: Team, weeks: list[Week], now: datetime | None = None) -> list[dict]:
    """One-to-ones held against their cadence per manager of the team, over the weeks: one query."""
    if not weeks:
        return []
    now = now or timezone.now()
    today = team.today(now)
    rows = (
        Meeting.objects.filter(
            team=team, series__kind=Kind.ONE_TO_ONE, on__range=(weeks[0].start, min(weeks[-1].end, today))
        )
        .exclude(on=today, status=Status.PLANNED)
        .values("series__manager_id", "series__manager__display_name", "series__manager__email")
        .annotate(due=Count("pk"), held=Count("pk", filter=Q(status=Status.HELD)))
        .order_by("series__manager__display_name")
    )
    return [
        {
            "manager": r["series__manager__display_name"] or r["series__manager__email"].split("@")[0],
            "held": r["held"],
            "due": r["due"],
        }
        for r in rows
    ]


def one_to_ones_due_by_manager(*, weeks: dict[tuple[Team, User], Week]) -> dict[tuple[int, int], list[Meeting]]:
    """one_to_ones_due for many (team, manager) pairs at once, keyed by (team id, manager id):
    one query whatever the number of pairs (the digest asks for a chunk of managers)."""
    if not weeks:
        return {}
    windows = {
        (team.pk, manager.pk): (
            local_instant(week.start, time(0, 0), team.tz),
            local_instant(week.end + timedelta(days=1), time(0, 0), team.tz),
        )
        for (team, manager), week in weeks.items()
    }
    found: dict[tuple[int, int], list[Meeting]] = {pair: [] for pair in windows}
    meetings = (
        Meeting.objects.filter(
            team_id__in={team_id for team_id, _ in windows},
            series__manager_id__in={manager_id for _, manager_id in windows},
            series__kind=Kind.ONE_TO_ONE,
            series__ended_at__isnull=True,
            status=Status.PLANNED,
            starts_at__gte=min(start for start, _ in windows.values()),
            starts_at__lt=max(end for _, end in windows.values()),
        )
        .select_related("series__member")
        .order_by("starts_at")
    )
    for meeting in meetings:
        pair = (meeting.team_id, meeting.series.manager_id)
        if pair in windows and windows[pair][0] <= meeting.starts_at < windows[pair][1]:
            found[pair].append(meeting)
    return found


def action_items_for(*, commitment_ids: list[int]) -> dict[int, Meeting]:
    """Which meeting each commitment came from (for pages that mark them): one query."""
    return {
        item.commitment_id: item.meeting
        for item in ActionItem.objects.filter(commitment_id__in=commitment_ids).select_related("meeting__series")
    }


def team_meeting_summary(*, meeting_id: int) -> dict | None:
    """What a team's channel is told once a team meeting was held: when, its agenda points and
    decisions, how many attended. None for a one-to-one (it is two people's only). Two queries."""
    meeting = Meeting.objects.select_related("series").filter(pk=meeting_id, series__kind=Kind.TEAM).first()
    if meeting is None:
        return None
    points = list(meeting.points.order_by("created_at", "pk").values_list("text", "resolved"))
    return {
        "id": meeting.pk,
        "series_id": meeting.series_id,
        "on": meeting.on.isoformat(),
        "starts_at": meeting.starts_at.isoformat(),
        "status": meeting.status,
        "agenda": [{"text": text, "resolved": resolved} for text, resolved in points],
        "decisions": meeting.decisions,
    }


def meetings_for_user(*, user: User, start: datetime, end: datetime) -> list[Meeting]:
    """The meetings of a person's series (series_for_user: their one-to-ones, their teams'
    meetings) starting in [start, end), with series and team: one query. For calendar feeds."""
    teams = Membership.objects.filter(user=user).values("team_id")
    return list(
        Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .filter(
            Q(series__kind=Kind.ONE_TO_ONE) & (Q(series__manager=user) | Q(series__member=user))
            | Q(series__kind=Kind.TEAM, series__team_id__in=teams)
        )
        .select_related("series__team", "series__manager", "series__member")
        .order_by("starts_at", "pk")
    )
