"""What Celery beat dispatches for check-ins: reminders and nudges, and batched reply emails."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accountability.models import Absence, Membership, Role, Team, User
from accountability.outbox import outbox_dispatch
from accountability.weeks import Week

from .. import emails
from ..models import CheckIn, Comment

# --- Reminders (Celery beat runs the dispatchers every few minutes) -----------------------


def _missing_checkin(team: Team, week: Week) -> QuerySet[User]:
    """Members of the team (not its managers) without a check-in for the week, active and not
    away on the week's check-in day."""
    checkin_day = week.day(team.checkin_weekday)
    return (
        User.objects.filter(memberships__team=team, memberships__role=Role.MEMBER, is_active=True)
        .exclude(pk__in=CheckIn.objects.filter(team=team, week=week.start).values("member_id"))
        .exclude(pk__in=Absence.objects.filter(starts_on__lte=checkin_day, ends_on__gte=checkin_day).values("user_id"))
        .order_by("pk")
    )


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


def checkin_reminders_dispatch(*, now: datetime | None = None) -> int:
    """Queue the check-in reminders and nudges that are due now.

    Idempotent: each email's dedupe key names the person, team, week and kind, so running this
    twice, concurrently, or after hours of downtime sends each email once, and a reminder
    whose moment has passed (the nudge is due, or the week closed) is not sent late.
    """
    now = now or timezone.now()
    queued = 0
    for team in Team.objects.filter(reminders_enabled=True).order_by("pk"):
        week = team.current_week(now)
        for kind, (starts, ends) in reminder_moments(team, week).items():
            if not starts <= now < ends:
                continue
            queued += _queue_checkin_emails(team=team, week=week, kind=kind, due_at=team.checkin_due_at(week))
    return queued


def _queue_checkin_emails(*, team: Team, week: Week, kind: str, due_at: datetime) -> int:
    closes_at = team.week_closes_at(week)
    return outbox_dispatch(
        _missing_checkin(team, week),
        key=lambda person: f"{kind}:{person.pk}:{team.pk}:{week.label}",
        write=lambda person, key: emails.checkin_reminder(
            kind=kind, team=team, member=person, week=week, due_at=due_at, closes_at=closes_at, dedupe_key=key
        ),
    )


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
