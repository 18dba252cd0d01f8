"""The meetings' scheduled work, run by beat every few minutes (meetings.tasks): series whose
people left end, missed slots get their rows, and the emails that are due are written through
the outbox with dedupe keys, so a run twice or late sends nothing twice.

* the agenda, to both people (a team meeting: to the team), in the day before the meeting;
* a reminder to add talking points, in the two days before that;
* the action items, an hour after the meeting was recorded as held (so items added right
  after it are in), and only within two days of that.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accountability.models import Commitment, Membership, Role, User
from accountability.outbox import outbox_dispatch

from .. import emails
from ..models import ActionItem, AgendaPoint, Kind, Meeting, Series, Status
from .series import meetings_ensure, series_end

AGENDA_BEFORE = timedelta(days=1)
TALKING_POINTS_BEFORE = timedelta(days=3)
ACTION_ITEMS_AFTER = timedelta(hours=1)
ACTION_ITEMS_RELEVANT_FOR = timedelta(days=2)


def series_end_departed(*, now: datetime | None = None) -> int:
    """A one-to-one ends when its member left the team or its manager no longer manages it;
    the history stays for both. One query finds them."""
    now = now or timezone.now()
    member_in = Membership.objects.filter(team_id=OuterRef("team_id"), user_id=OuterRef("member_id"))
    manager_in = Membership.objects.filter(
        team_id=OuterRef("team_id"), user_id=OuterRef("manager_id"), role=Role.MANAGER
    )
    gone = list(
        Series.objects.filter(kind=Kind.ONE_TO_ONE, ended_at__isnull=True)
        .filter(~Exists(member_in) | ~Exists(manager_in))
        .annotate(member_in=Exists(member_in))
        .select_related("member", "manager")
    )
    for series in gone:
        who = series.manager if series.member_in else series.member
        what = "left the team" if not series.member_in else "no longer manages the team"
        series_end(series=series, actor=None, reason=f"{who.name} {what}", now=now)
    return len(gone)


def series_meetings_catch_up(*, now: datetime | None = None) -> int:
    """Running series with no planned meeting ahead get their missed slots and the next one."""
    now = now or timezone.now()
    ahead = Meeting.objects.filter(series_id=OuterRef("pk"), status=Status.PLANNED, starts_at__gt=now)
    behind = list(Series.objects.filter(ended_at__isnull=True).filter(~Exists(ahead)).select_related("team"))
    for series in behind:
        meetings_ensure(series=series, now=now)
    return len(behind)


def _people(meetings: list[Meeting]) -> dict[int, list[User]]:
    """Who each meeting's emails go to: a one-to-one's two people, a team meeting's team."""
    team_ids = {m.team_id for m in meetings if m.series.kind == Kind.TEAM}
    by_team: dict[int, list[User]] = defaultdict(list)
    for ms in Membership.objects.filter(team_id__in=team_ids, user__is_active=True).select_related("user"):
        by_team[ms.team_id].append(ms.user)
    result = {}
    for m in meetings:
        if m.series.kind == Kind.TEAM:
            result[m.pk] = by_team[m.team_id]
        else:
            result[m.pk] = [u for u in (m.series.manager, m.series.member) if u.is_active]
    return result


def _planned_between(start: datetime, end: datetime) -> list[Meeting]:
    return list(
        Meeting.objects.filter(status=Status.PLANNED, starts_at__gt=start, starts_at__lte=end, series__ended_at=None)
        .select_related("series__team", "series__manager", "series__member")
        .order_by("pk")
    )


def meetings_dispatch(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    series_end_departed(now=now)
    series_meetings_catch_up(now=now)
    queued = 0

    agenda = _planned_between(now, now + AGENDA_BEFORE)
    points: dict[int, list[AgendaPoint]] = defaultdict(list)
    for point in AgendaPoint.objects.filter(meeting__in=agenda).select_related("author").order_by("created_at", "pk"):
        points[point.meeting_id].append(point)
    people = _people(agenda)
    queued += outbox_dispatch(
        [(m, u) for m in agenda for u in people[m.pk]],
        key=lambda mu: f"meeting-agenda:{mu[0].pk}:{mu[1].pk}:{mu[0].starts_at:%Y%m%d%H%M}",
        write=lambda mu, key: emails.meeting_agenda(meeting=mu[0], user=mu[1], points=points[mu[0].pk], dedupe_key=key),
    )

    soon = _planned_between(now + AGENDA_BEFORE, now + TALKING_POINTS_BEFORE)
    people = _people(soon)
    queued += outbox_dispatch(
        [(m, u) for m in soon for u in people[m.pk]],
        key=lambda mu: f"meeting-talking-points:{mu[0].pk}:{mu[1].pk}",
        write=lambda mu, key: emails.meeting_talking_points(meeting=mu[0], user=mu[1], dedupe_key=key),
    )

    held = list(
        Meeting.objects.filter(
            Q(status=Status.HELD),
            recorded_at__lte=now - ACTION_ITEMS_AFTER,
            recorded_at__gt=now - ACTION_ITEMS_AFTER - ACTION_ITEMS_RELEVANT_FOR,
        )
        .filter(Exists(ActionItem.objects.filter(meeting_id=OuterRef("pk"))))
        .select_related("series__team", "series__manager", "series__member")
        .order_by("pk")
    )
    items: dict[int, list[Commitment]] = defaultdict(list)
    for item in ActionItem.objects.filter(meeting__in=held).select_related("commitment__owner").order_by("pk"):
        items[item.meeting_id].append(item.commitment)
    people = _people(held)
    queued += outbox_dispatch(
        [(m, u) for m in held for u in people[m.pk]],
        key=lambda mu: f"meeting-action-items:{mu[0].pk}:{mu[1].pk}",
        write=lambda mu, key: emails.meeting_action_items(
            meeting=mu[0], user=mu[1], items=items[mu[0].pk], dedupe_key=key
        ),
    )
    return queued
