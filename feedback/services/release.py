"""The daily release of anonymous feedback, and the digest that tells its readers."""

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accountability.models import Membership, Role, Team, User
from accountability.outbox import outbox_dispatch
from accountability.weeks import local_instant

from .. import emails
from ..models import FeedbackMessage, FeedbackThread

# --- The daily release (and its digest) -----------------------------------------------------

RELEASE_LOCAL_TIME = time(8, 0)
# Any number, the same in every process: one release at a time (pg_advisory_xact_lock).
RELEASE_LOCK_KEY = 0x0FEEDBAC


def release_at(*, team: Team, written_on: date) -> datetime:
    """When something written on a team day reaches its readers: 08:00 the next day, team time."""
    return local_instant(written_on + timedelta(days=1), RELEASE_LOCAL_TIME, team.tz)


def _release_cutoff(tz: ZoneInfo, now: datetime) -> date:
    """What the release may show by `now`: everything written before this day. From 08:00 the
    team's today, before that only up to the day before yesterday (so a release that runs late,
    even days late, still shows everything whose moment has come, and nothing else)."""
    local = now.astimezone(tz)
    return local.date() if local.time() >= RELEASE_LOCAL_TIME else local.date() - timedelta(days=1)


def _release_due(now: datetime) -> dict[date, list[int]]:
    """Teams with anything pending, grouped by their cutoff: one query, whatever the number of
    teams (the partial indexes hold only what waits)."""
    waiting = Team.objects.filter(
        Q(pk__in=FeedbackThread.objects.filter(released_on__isnull=True).values("team_id"))
        | Q(pk__in=FeedbackThread.objects.filter(consent_pending__isnull=False).values("team_id"))
        | Q(pk__in=FeedbackMessage.objects.filter(released_on__isnull=True).values("thread__team_id"))
    ).values_list("pk", "time_zone")
    due: dict[date, list[int]] = {}
    zones: dict[str, ZoneInfo] = {}
    for team_id, zone in waiting:
        tz = zones.setdefault(zone, ZoneInfo(zone))
        due.setdefault(_release_cutoff(tz, now), []).append(team_id)
    return due


def _written_before(due: dict[date, list[int]], *, team: str, day: str) -> Q:
    condition = Q(pk__in=[])
    for cutoff, team_ids in due.items():
        condition |= Q(**{f"{team}__in": team_ids, f"{day}__lt": cutoff})
    return condition


def _delete_rows(model, pks: list) -> None:
    """DELETE by primary key in plain SQL: no cascade (Django's delete() would take a thread's
    still-pending messages with it). Foreign keys are checked at commit, by which time the
    same ids are back."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        for i in range(0, len(pks), 500):
            chunk = [model._meta.pk.get_db_prep_value(pk, connection) for pk in pks[i : i + 500]]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", chunk)  # noqa: S608


# What the release changes on threads the readers could already see.
RELEASE_UPDATES = [
    "updated_on",
    "publish_consent",
    "consent_pending",
    "consent_pending_on",
    "published_gist",
    "published_answer",
    "published_on",
]


@dataclass(frozen=True)
class Released:
    threads: int = 0  # new threads
    answers: int = 0  # writers' answers in threads released before
    consents: int = 0  # consent choices
    digests: int = 0  # digest emails queued


def feedback_release(*, now: datetime | None = None, rng: random.Random | None = None) -> Released:
    """The daily release, run by beat every few minutes: for each team whose local time has
    reached 08:00, everything its writers sent before that day (new threads, answers, consent
    choices) becomes visible to its readers, all at once, and the digest telling them so is
    queued in the same transaction, so the digest counts exactly what was released.

    The released threads and messages are deleted and inserted again (same ids) in an order
    drawn from `rng` (the system's random source unless a test passes one), in one
    transaction: afterwards they all carry that transaction's `xmin`, and their physical
    order (`ctid`) is the shuffled one, not the order they were written in (models.py).

    Idempotent and safe to run concurrently: one release at a time (an advisory lock on
    PostgreSQL), and each looks for what is still pending only once it holds the lock, so a
    second finds nothing left to do. Threads are locked before their positions are counted,
    so a manager's reply written meanwhile waits its turn.
    """
    now = now or timezone.now()
    rng = rng or secrets.SystemRandom()
    due = _release_due(now)
    if not due:
        return Released()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RELEASE_LOCK_KEY])
        new_or_consenting = _written_before(due, team="team_id", day="created_on") & Q(released_on__isnull=True)
        new_or_consenting |= _written_before(due, team="team_id", day="consent_pending_on") & Q(
            consent_pending__isnull=False
        )
        threads = {
            thread.pk: thread
            for thread in FeedbackThread.objects.select_for_update().filter(new_or_consenting).order_by("pk")
        }
        messages = list(
            FeedbackMessage.objects.filter(
                _written_before(due, team="thread__team_id", day="created_on"), released_on__isnull=True
            ).order_by("thread_id", "position")
        )
        threads.update(
            (thread.pk, thread)
            for thread in FeedbackThread.objects.select_for_update()
            .filter(pk__in={m.thread_id for m in messages} - set(threads))
            .order_by("pk")
        )
        if not threads:
            return Released()
        new = [thread for thread in threads.values() if thread.released_on is None]
        old = [thread for thread in threads.values() if thread.released_on is not None]
        answers = [m for m in messages if threads[m.thread_id].released_on is not None]
        # Counted with the threads locked: a manager's reply written meanwhile is counted, or waits.
        last_position = dict(
            FeedbackMessage.objects.filter(thread_id__in={m.thread_id for m in answers}, released_on__isnull=False)
            .values("thread_id")
            .annotate(last=Max("position"))
            .values_list("thread_id", "last")
        )
        teams = Team.objects.in_bulk({thread.team_id for thread in threads.values()})
        today = {team_id: team.today(now) for team_id, team in teams.items()}
        cutoff = {team_id: _release_cutoff(team.tz, now) for team_id, team in teams.items()}

        for thread in new:
            thread.released_on = today[thread.team_id]
        consents = 0
        for thread in threads.values():
            if thread.consent_pending is not None and thread.consent_pending_on < cutoff[thread.team_id]:
                thread.publish_consent = thread.consent_pending
                if not thread.publish_consent:
                    thread.published_gist, thread.published_answer, thread.published_on = "", "", None
                thread.consent_pending, thread.consent_pending_on = None, None
                consents += 1
        # After everything the readers could see, in the writer's own order.
        for message in messages:
            thread = threads[message.thread_id]
            last_position[thread.pk] = message.position = last_position.get(thread.pk, 0) + 1
            message.released_on = today[thread.team_id]
            thread.updated_on = max(thread.updated_on, message.created_on)

        _delete_rows(FeedbackMessage, [message.pk for message in messages])
        _delete_rows(FeedbackThread, [thread.pk for thread in new])
        rng.shuffle(new)
        FeedbackThread.objects.bulk_create(new, batch_size=500)
        rng.shuffle(messages)
        FeedbackMessage.objects.bulk_create(messages, batch_size=500)
        FeedbackThread.objects.bulk_update(old, RELEASE_UPDATES, batch_size=500)
        digests = _digests_queue(teams=teams, threads=new, answers=answers, handled=threads, cutoff=cutoff)
    return Released(threads=len(new), answers=len(answers), consents=consents, digests=digests)


def _digests_queue(
    *,
    teams: dict[int, Team],
    threads: list[FeedbackThread],
    answers: list[FeedbackMessage],
    handled: dict[uuid.UUID, FeedbackThread],
    cutoff: dict[int, date],
) -> int:
    """One digest per reader, team and destination: how many threads and answers were just
    released for them, and from which days. Counts and a link, never content."""
    groups: dict[tuple[int, bool], dict] = {}

    def group(thread: FeedbackThread) -> dict:
        return groups.setdefault((thread.team_id, thread.to_admins), {"threads": 0, "answers": 0, "days": set()})

    for thread in threads:
        group(thread)["threads"] += 1
        group(thread)["days"].add(thread.created_on)
    for message in answers:
        group(handled[message.thread_id])["answers"] += 1
        group(handled[message.thread_id])["days"].add(message.created_on)
    managers: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        team_id__in={team_id for team_id, to_admins in groups if not to_admins},
        role=Role.MANAGER,
        user__is_active=True,
    ).select_related("user"):
        managers.setdefault(membership.team_id, []).append(membership.user)
    admins = list(User.objects.filter(is_staff=True, is_active=True)) if any(a for _, a in groups) else []
    digests = [
        (team_id, to_admins, counts, recipient)
        for (team_id, to_admins), counts in groups.items()
        for recipient in (admins if to_admins else managers.get(team_id, []))
    ]

    def through(team_id: int) -> date:
        # The last day the release covered (its dedupe key: one digest per day covered).
        return cutoff[team_id] - timedelta(days=1)

    return outbox_dispatch(
        digests,
        key=lambda d: emails.daily_digest_key(recipient=d[3], team=teams[d[0]], to_admins=d[1], through=through(d[0])),
        write=lambda d, key: emails.daily_digest(
            recipient=d[3],
            team=teams[d[0]],
            through=through(d[0]),
            first_day=min(d[2]["days"]),
            last_day=max(d[2]["days"]),
            threads=d[2]["threads"],
            answers=d[2]["answers"],
            to_admins=d[1],
            dedupe_key=key,
        ),
    )
