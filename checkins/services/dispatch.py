"""What Celery beat dispatches for check-ins: reminders and nudges, and batched reply emails."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accountability.models import Absence, Membership, Role, Team, User
from accountability.outbox import outbox_dispatch
from accountability.weeks import Week
from accountability.zones import per_zone, zones_in_use

from .. import emails
from ..models import CheckIn, Comment

# --- Reminders (Celery beat runs the dispatchers every few minutes) -----------------------

# The wall-clock candidate filter looks this far ahead: on the night clocks go back, a check-in
# time already passed (its first occurrence) can be ahead of the wall clock by the shift. The
# exact instants (weeks.py) then decide for the few teams it returns.
CANDIDATE_MARGIN = timedelta(hours=3)


def _reminder_candidates(zone: str, local: datetime) -> Q:
    """Teams in the zone whose check-in day and time this week have (nearly) come: every
    reminder and nudge window starts at the check-in time and ends when the week closes."""
    ahead = local + CANDIDATE_MARGIN
    in_zone = Q(time_zone=zone)
    if Week.containing(ahead.date()) != Week.containing(local.date()):
        return in_zone
    weekday, at = ahead.weekday(), ahead.time().replace(tzinfo=None)
    return in_zone & (Q(checkin_weekday__lt=weekday) | Q(checkin_weekday=weekday, checkin_time__lte=at))


def reminder_moments(team: Team, week: Week) -> dict[str, tuple[datetime, datetime]]:
    """When each check-in email of a week is due, and until when it is still worth sending.

    * the reminder: from the team's check-in time until the nudge is due (or the week closes);
    * the nudge: `nudge_hours_before_close` before the week closes, until it closes; only if
      that falls after the check-in time (a nudge before the reminder would make no sense).
    """
    due = team.checkin_due_at(week)
    closes = team.week_closes_at(week)
    moments = {}
    nudge_at = closes - timedelta(hours=team.nudge_hours_before_close) if team.nudge_hours_before_close else None
    if nudge_at is not None and nudge_at <= due:
        nudge_at = None
    moments["checkin_reminder"] = (due, nudge_at or closes)
    if nudge_at is not None:
        moments["checkin_nudge"] = (nudge_at, closes)
    return moments


@dataclass(frozen=True)
class _Due:
    """A team whose reminder (or nudge) is due now, with its week's instants."""

    team: Team
    week: Week
    kind: str
    due_at: datetime
    closes_at: datetime


def checkin_reminders_dispatch(*, now: datetime | None = None) -> int:
    """Queue the check-in reminders and nudges that are due now.

    Set-based (accountability/zones.py): the zones in use, the teams whose moment has come,
    the members without a check-in in all those teams (one query), the outbox keys (one), the
    people (one per chunk of emails), then bulk inserts. Nothing due: two queries, whatever
    the number of teams.

    Idempotent: each email's dedupe key names the person, team, week and kind, so running this
    twice, concurrently, or after hours of downtime sends each email once, and a reminder
    whose moment has passed (the nudge is due, or the week closed) is not sent late.
    """
    now = now or timezone.now()
    enabled = Team.objects.filter(reminders_enabled=True)
    candidates = per_zone(zones_in_use(enabled, "time_zone"), now, _reminder_candidates)
    if candidates is None:
        return 0
    due: dict[int, _Due] = {}
    for team in enabled.filter(candidates).order_by("pk"):
        week = team.current_week(now)
        for kind, (starts, ends) in reminder_moments(team, week).items():
            if starts <= now < ends:
                due[team.pk] = _Due(team, week, kind, team.checkin_due_at(week), team.week_closes_at(week))
    if not due:
        return 0
    wanted = [(due[team_id], member_id) for team_id, member_id in _missing_checkins(due.values())]
    people: dict[int, User] = {}

    def load(part: list[tuple[_Due, int]]) -> None:
        people.update(User.objects.in_bulk([member_id for _, member_id in part]))

    def write(item: tuple[_Due, int], key: str) -> None:
        d, member_id = item
        emails.checkin_reminder(
            kind=d.kind,
            team=d.team,
            member=people[member_id],
            week=d.week,
            due_at=d.due_at,
            closes_at=d.closes_at,
            dedupe_key=key,
        )

    return outbox_dispatch(
        wanted,
        key=lambda item: f"{item[0].kind}:{item[1]}:{item[0].team.pk}:{item[0].week.label}",
        write=write,
        prepare=load,
    )


def _missing_checkins(due: Iterable[_Due]) -> list[tuple[int, int]]:
    """(team, member) for members (not managers) of the due teams without a check-in for their
    team's week, active and not away on its check-in day. One query: teams sharing a week and a
    check-in day are one branch of a UNION ALL (a handful of branches, never one per team)."""
    groups: dict[tuple[date, date], list[int]] = {}
    for d in due:
        groups.setdefault((d.week.start, d.week.day(d.team.checkin_weekday)), []).append(d.team.pk)
    branches = [
        Membership.objects.filter(team_id__in=team_ids, role=Role.MEMBER, user__is_active=True)
        .exclude(Exists(CheckIn.objects.filter(team_id=OuterRef("team_id"), member_id=OuterRef("user_id"), week=start)))
        .exclude(Exists(Absence.objects.filter(user_id=OuterRef("user_id"), starts_on__lte=day, ends_on__gte=day)))
        .order_by()
        .values_list("team_id", "user_id")
        for (start, day), team_ids in groups.items()
    ]
    rows = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return sorted(rows)


# --- Reply emails (Celery beat runs the dispatcher every minute) -----------------------------

# Replies written in the same window (fixed, REPLY_BATCH_MINUTES long, counted from the epoch)
# reach each person as one email, written once the window is over.
REPLY_BATCH_MINUTES = 15
# A window is emailed this long after it ends, so a reply whose request commits a moment
# after the end still makes its batch.
REPLY_BATCH_SETTLE = timedelta(minutes=1)
# After an outage, older windows are not emailed late: the replies wait on the pages.
REPLY_BATCH_RELEVANT_FOR = timedelta(hours=6)


def reply_window(at: datetime) -> int:
    """The number of the batch window an instant falls in."""
    return int(at.timestamp()) // (REPLY_BATCH_MINUTES * 60)


def reply_window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window * REPLY_BATCH_MINUTES * 60, tz=UTC)


@dataclass
class _ReplyEmail:
    """One email of a batch window: its kind, to whom, about which team, naming whom (each
    with the threads they wrote in)."""

    kind: str
    dedupe_key: str
    recipient_id: int
    team_id: int
    named: dict[int, list[emails.Thread]]


def replies_dispatch(*, now: datetime | None = None) -> int:
    """Write the reply emails of the batch windows that are over.

    * To a member: the replies others wrote in their threads during a window that they have
      not seen by now (opening their week page marks them seen): one email naming every
      author; none if they read them all in time.
    * To each of the team's managers: the members who answered in their own threads during a
      window, one email naming them all; never about one's own answers (a manager's own
      check-in), so a manager who is the only one answering gets none.

    Set-based: the same few queries for one team or ten thousand (the windows' replies, the
    managers, the outbox keys, the people and the teams), then bulk inserts. Idempotent: the
    dedupe key names the person, team and window, so running twice, concurrently or after
    downtime writes each email once; windows over for longer than REPLY_BATCH_RELEVANT_FOR are
    left alone.
    """
    now = now or timezone.now()
    upto = reply_window_start(reply_window(now - REPLY_BATCH_SETTLE))
    rows = (
        Comment.objects.filter(
            created_at__gte=upto - REPLY_BATCH_RELEVANT_FOR, created_at__lt=upto, seen_at__isnull=True
        )
        .filter(Exists(Membership.objects.filter(team=OuterRef("team_id"), user=OuterRef("member_id")).order_by()))
        .order_by("created_at", "pk")
        .values_list("team_id", "member_id", "author_id", "created_at", *emails.Thread.FIELDS)
    )
    # In order of writing: (member, team, window) -> who replied to them; (team, window) ->
    # the members who answered, each with the threads they wrote in.
    replied: dict[tuple[int, int, int], dict[int, None]] = {}
    answered: dict[tuple[int, int], dict[int, dict[emails.Thread, None]]] = {}
    for team_id, member_id, author_id, created_at, *thread in rows:
        window = reply_window(created_at)
        if author_id == member_id:
            answered.setdefault((team_id, window), {}).setdefault(member_id, {})[emails.Thread(*thread)] = None
        else:
            replied.setdefault((member_id, team_id, window), {})[author_id] = None

    wanted = [
        _ReplyEmail("replies", f"replies:{member_id}:{team_id}:{window}", member_id, team_id, {a: [] for a in authors})
        for (member_id, team_id, window), authors in replied.items()
    ]
    managers = Membership.objects.filter(team_id__in={team_id for team_id, _ in answered}, role=Role.MANAGER)
    managers_of: dict[int, list[int]] = {}
    for team_id, user_id in managers.order_by("user_id").values_list("team_id", "user_id"):
        managers_of.setdefault(team_id, []).append(user_id)
    for (team_id, window), by_member in answered.items():
        for manager_id in managers_of.get(team_id, []):
            named = {member_id: list(threads) for member_id, threads in by_member.items() if member_id != manager_id}
            if named:
                key = f"replies-from-members:{manager_id}:{team_id}:{window}"
                wanted.append(_ReplyEmail("replies_from_members", key, manager_id, team_id, named))
    people: dict[int, User] = {}
    teams: dict[int, Team] = {}

    def load(new: list[_ReplyEmail]) -> None:
        people.update(User.objects.in_bulk({pk for email in new for pk in (email.recipient_id, *email.named)}))
        teams.update(Team.objects.in_bulk({email.team_id for email in new}))

    def write(email: _ReplyEmail, key: str) -> None:
        recipient, team = people[email.recipient_id], teams[email.team_id]
        if not recipient.is_active:
            return
        if email.kind == "replies":
            emails.replies(team=team, member=recipient, authors=[people[pk] for pk in email.named], dedupe_key=key)
        else:
            emails.replies_from_members(
                team=team,
                manager=recipient,
                answers=[(people[pk], threads) for pk, threads in email.named.items()],
                dedupe_key=key,
            )

    return outbox_dispatch(wanted, key=lambda email: email.dedupe_key, write=write, prepare=load)
