"""Starting, changing, transferring and ending a series; keeping its next meeting in place."""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accountability.models import Membership, Role, Team, User

from ..models import AgendaPoint, Cadence, Kind, Meeting, Series, Status, slot_after

# However long a series went unattended, catching up makes at most this many missed slots
# (a year of weekly meetings); older ones are not invented.
CATCH_UP_LIMIT = 53


def _check_cadence(*, cadence: str, weekday: int, local_time: time | None) -> None:
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": "Choose how often you meet."})
    if weekday is None or not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": "Choose the day you meet."})
    if local_time is None:
        raise ValidationError({"local_time": "Choose the time you meet."})


def _first_date(*, team: Team, weekday: int, local_time: time, now: datetime):
    """The first date with this weekday whose meeting time is still ahead."""
    today = team.today(now)
    day = today + (weekday - today.weekday()) % 7 * timedelta(days=1)
    if day == today and Series(team=team, local_time=local_time).starts_at(day) <= now:
        day += timedelta(days=7)
    return day


def _role(team: Team, user: User) -> str | None:
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


@transaction.atomic
def series_start(
    *,
    team: Team,
    actor: User,
    other: User,
    cadence: str,
    weekday: int,
    local_time: time,
    now: datetime | None = None,
) -> Series:
    """A one-to-one between a manager of the team and a member of it; either may start it.
    Starting one that runs already returns the running one."""
    now = now or timezone.now()
    _check_cadence(cadence=cadence, weekday=weekday, local_time=local_time)
    roles = {actor.pk: _role(team, actor), other.pk: _role(team, other)}
    if actor.pk == other.pk:
        raise ValidationError({"other": "A one-to-one needs two people."})
    if None in roles.values():
        raise ValidationError({"other": "Both people need to be in this team."})
    if sorted(roles.values()) != [Role.MANAGER, Role.MEMBER]:
        raise ValidationError({"other": "A one-to-one is between one of the team's managers and a member."})
    manager, member = (actor, other) if roles[actor.pk] == Role.MANAGER else (other, actor)
    running = Series.objects.filter(
        kind=Kind.ONE_TO_ONE, team=team, manager=manager, member=member, ended_at__isnull=True
    ).first()
    if running is not None:
        return running
    first = _first_date(team=team, weekday=weekday, local_time=local_time, now=now)
    try:
        with transaction.atomic():
            series = Series.objects.create(
                kind=Kind.ONE_TO_ONE,
                team=team,
                manager=manager,
                member=member,
                cadence=cadence,
                weekday=weekday,
                local_time=local_time,
                anchor=first,
                started_on=first,
                created_by=actor,
                created_at=now,
            )
    except IntegrityError:
        # Both started it at the same moment: theirs stands.
        return Series.objects.get(kind=Kind.ONE_TO_ONE, team=team, manager=manager, member=member, ended_at=None)
    meetings_ensure(series=series, now=now)
    return series


@transaction.atomic
def team_series_start(
    *, team: Team, actor: User, cadence: str, weekday: int, local_time: time, now: datetime | None = None
) -> Series:
    """The team's regular meeting, planned by one of its managers (one running per team)."""
    now = now or timezone.now()
    _check_cadence(cadence=cadence, weekday=weekday, local_time=local_time)
    if _role(team, actor) != Role.MANAGER:
        raise ValidationError("Only the team's managers can plan its meetings.")
    running = Series.objects.filter(kind=Kind.TEAM, team=team, ended_at__isnull=True).first()
    if running is not None:
        return running
    first = _first_date(team=team, weekday=weekday, local_time=local_time, now=now)
    series = Series.objects.create(
        kind=Kind.TEAM,
        team=team,
        manager=actor,
        cadence=cadence,
        weekday=weekday,
        local_time=local_time,
        anchor=first,
        started_on=first,
        created_by=actor,
        created_at=now,
    )
    meetings_ensure(series=series, now=now)
    return series


def _lock(series: Series) -> Series:
    return Series.objects.select_for_update().select_related("team").get(pk=series.pk)


def meetings_ensure(*, series: Series, now: datetime | None = None) -> Meeting | None:
    """Make a row for every cadence slot from the last one made up to the first still ahead,
    and return that next planned meeting (None once the series has ended). Call it inside a
    transaction that holds the series (or just created it)."""
    now = now or timezone.now()
    if series.ended_at is not None:
        return None
    last = series.meetings.order_by("-on", "-pk").first()
    upcoming = series.meetings.filter(status=Status.PLANNED, starts_at__gt=now).order_by("starts_at").first()
    if upcoming is not None:
        return upcoming
    day = series.anchor if last is None or last.on < series.anchor else None
    if day is None:
        day = slot_after(cadence=series.cadence, anchor=series.anchor, weekday=series.weekday, after=last.on)
    rows = []
    while len(rows) < CATCH_UP_LIMIT:
        starts = series.starts_at(day)
        rows.append(Meeting(series=series, team_id=series.team_id, starts_at=starts, on=day))
        if starts > now:
            break
        day = slot_after(cadence=series.cadence, anchor=series.anchor, weekday=series.weekday, after=day)
    Meeting.objects.bulk_create(rows)
    return rows[-1]


@transaction.atomic
def series_change_cadence(
    *, series: Series, actor: User, cadence: str, weekday: int, local_time: time, now: datetime | None = None
) -> Series:
    """A new rhythm from the next meeting on: past meetings keep their dates; the next planned
    one moves to the first slot of the new rhythm, with its agenda (a calendar sees it moved)."""
    from ..permissions import can_change_series

    now = now or timezone.now()
    series = _lock(series)
    if not can_change_series(actor, series):
        raise ValidationError("This series can no longer be changed.")
    _check_cadence(cadence=cadence, weekday=weekday, local_time=local_time)
    first = _first_date(team=series.team, weekday=weekday, local_time=local_time, now=now)
    series.cadence, series.weekday, series.local_time, series.anchor = cadence, weekday, local_time, first
    series.save(update_fields=["cadence", "weekday", "local_time", "anchor"])
    upcoming = list(series.meetings.filter(status=Status.PLANNED, starts_at__gt=now).order_by("starts_at"))
    if upcoming:
        keep = upcoming[0]
        keep.starts_at, keep.on, keep.sequence = series.starts_at(first), first, keep.sequence + 1
        keep.save(update_fields=["starts_at", "on", "sequence"])
        # Later planned rows (only made by a move) hand their points over before going.
        AgendaPoint.objects.filter(meeting__in=upcoming[1:]).update(meeting=keep)
        Meeting.objects.filter(pk__in=[m.pk for m in upcoming[1:]]).delete()
    else:
        meetings_ensure(series=series, now=now)
    return series


@transaction.atomic
def series_end(*, series: Series, actor: User | None, reason: str, now: datetime | None = None) -> Series:
    """End a series: its history stays readable for its people; planned meetings still ahead
    are removed (their points stay visible on the last meeting held)."""
    now = now or timezone.now()
    series = _lock(series)
    if series.ended_at is not None:
        return series
    if actor is not None:
        from ..permissions import can_change_series

        if not can_change_series(actor, series):
            raise ValidationError("Only the people of this series can end it.")
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise ValidationError({"reason": "Say in a few words why it ends."})
    series.ended_at, series.end_reason, series.transfer_to = now, reason, None
    series.save(update_fields=["ended_at", "end_reason", "transfer_to"])
    ahead = series.meetings.filter(status=Status.PLANNED, starts_at__gt=now)
    ahead.filter(points__isnull=True).delete()
    return series


@transaction.atomic
def series_transfer_propose(*, series: Series, actor: User, to_manager: User) -> Series:
    """A manager change: the one-to-one moves to another of the team's managers once the member
    agrees (series_transfer_answer). Proposed by a manager of the team."""
    series = _lock(series)
    if not series.is_one_to_one or not series.is_running:
        raise ValidationError("Only a running one-to-one can move to another manager.")
    if _role(series.team, actor) != Role.MANAGER or actor.pk == series.member_id:
        raise ValidationError("Only the team's managers can suggest a new manager for a one-to-one.")
    if to_manager.pk == series.manager_id or _role(series.team, to_manager) != Role.MANAGER:
        raise ValidationError({"to_manager": "Choose another of the team's managers."})
    series.transfer_to = to_manager
    series.save(update_fields=["transfer_to"])
    return series


@transaction.atomic
def series_transfer_answer(*, series: Series, actor: User, accept: bool, now: datetime | None = None) -> Series:
    """The member agrees (the series ends with a note and a new one starts with the new manager,
    same rhythm, unresolved points carried) or declines (the proposal is withdrawn)."""
    now = now or timezone.now()
    series = _lock(series)
    if actor.pk != series.member_id:
        raise ValidationError("Only the member of this one-to-one can answer.")
    if series.transfer_to_id is None or not series.is_running:
        raise ValidationError("There is no change of manager waiting for an answer.")
    new_manager = series.transfer_to
    if not accept:
        series.transfer_to = None
        series.save(update_fields=["transfer_to"])
        return series
    if _role(series.team, new_manager) != Role.MANAGER:
        raise ValidationError(f"{new_manager.name} no longer manages this team.")
    open_points = list(
        AgendaPoint.objects.filter(meeting__series=series, resolved=False, carried_to__isnull=True).order_by(
            "created_at", "pk"
        )
    )
    series_end(series=series, actor=None, reason=f"Continued with {new_manager.name}", now=now)
    successor = Series.objects.create(
        kind=Kind.ONE_TO_ONE,
        team=series.team,
        manager=new_manager,
        member=series.member,
        cadence=series.cadence,
        weekday=series.weekday,
        local_time=series.local_time,
        anchor=_first_date(team=series.team, weekday=series.weekday, local_time=series.local_time, now=now),
        started_on=series.team.today(now),
        created_by=actor,
        created_at=now,
    )
    successor.started_on = successor.anchor
    successor.save(update_fields=["started_on"])
    upcoming = meetings_ensure(series=successor, now=now)
    AgendaPoint.objects.bulk_create(
        [
            AgendaPoint(meeting=upcoming, author_id=p.author_id, text=p.text, created_at=p.created_at, carried_from=p)
            for p in open_points
            # Points are private to the two people: only the member's own travel to the new manager.
            if p.author_id == series.member_id
        ]
    )
    return successor
