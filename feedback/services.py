"""Anonymous feedback: every write and rule.

Nothing here logs, and nothing records who wrote, when (finer than the day) or from where.
The writer holds a random follow-up code; the database holds only its hash.
"""

import base64
import hashlib
import hmac
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accountability.models import Membership, Role, Team, User
from accountability.outbox import outbox_bulk, outbox_schedule_sweep
from accountability.weeks import local_instant

from . import emails, selectors
from .models import (
    Author,
    Category,
    FeedbackMessage,
    FeedbackThread,
    ThreadStatus,
)
from .permissions import can_handle

BODY_MAX = 5000
DAILY_LIMIT = 5  # anonymous submissions per writer per day
WRONG_CODE_LIMIT = 10  # wrong follow-up codes per client per window
WRONG_CODE_WINDOW_SECONDS = 15 * 60


class Throttled(Exception):
    pass


# --- Codes -------------------------------------------------------------------------------


def code_new() -> str:
    """A 120-bit random code, easy to copy: six groups of four letters and digits."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode()  # 24 characters, no padding
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def code_normalise(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(code_normalise(code).encode()).hexdigest()


# --- Throttling (cache only, keyed hashes, expiring) ---------------------------------------


def _keyed(purpose: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"fb:{purpose}:{digest}"


def _writer_key(writer: User, today: date) -> str:
    return _keyed("writer", f"{writer.pk}:{today.isoformat()}")


def submissions_left(*, writer: User, today: date | None = None) -> int:
    # The limit's day is UTC's: the same for every writer, whatever zone their pages use.
    today = today or timezone.now().date()
    return max(DAILY_LIMIT - (cache.get(_writer_key(writer, today)) or 0), 0)


def _count_submission(writer: User, today: date) -> None:
    key = _writer_key(writer, today)
    # Expires after the day (plus slack for time zones); never written to the database.
    if not cache.add(key, 1, timeout=36 * 3600):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=36 * 3600)


def wrong_code_throttled(*, client_key: str) -> bool:
    return (cache.get(_keyed("code", client_key)) or 0) >= WRONG_CODE_LIMIT


def wrong_code_record(*, client_key: str) -> None:
    key = _keyed("code", client_key)
    if not cache.add(key, 1, timeout=WRONG_CODE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=WRONG_CODE_WINDOW_SECONDS)


# --- Shown once (post/redirect/get for the writer's pages) ------------------------------------

SHOWN_ONCE_SECONDS = 5 * 60


def shown_once_put(*, value: dict, now: datetime | None = None) -> str:
    """Keep `value` (the follow-up code to show, or which conversation to show) in the shared
    cache for the one page that shows it, under a random single-use token the writer's browser
    is redirected to. Never the session, a cookie or a URL: the token is worth nothing once
    that page has been shown, and a few minutes later in any case. The expiry is checked here
    as well as by the cache, so it holds whatever the cache's own clock does."""
    token = secrets.token_urlsafe(18)
    expires = (now or timezone.now()) + timedelta(seconds=SHOWN_ONCE_SECONDS)
    cache.set(_keyed("once", token), {**value, "expires": expires.timestamp()}, timeout=SHOWN_ONCE_SECONDS)
    return token


def shown_once_take(*, token: str, now: datetime | None = None) -> dict | None:
    """The value kept under the token, once: None if it was taken already, or has expired.
    Of two requests racing for it, only the one whose delete removed it gets it."""
    key = _keyed("once", token or "")
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    if value.pop("expires", 0) <= (now or timezone.now()).timestamp():
        return None
    return value


# --- Routing -----------------------------------------------------------------------------


def goes_to_admins(team: Team) -> bool:
    """Anonymous feedback reaches a team's managers only when the team has at least its
    anonymity threshold of (active) members besides them; otherwise, and when the team has no
    manager to read it, the organisation's admins get it.

    `team` may come annotated by selectors.with_feedback_counts (the writing form does that for
    every team at once); otherwise the counts are fetched here."""
    if not hasattr(team, "feedback_members"):
        team = selectors.with_feedback_counts(Team.objects.filter(pk=team.pk)).get()
    return team.feedback_members < team.anonymity_minimum or team.feedback_managers == 0


# --- Writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    thread: FeedbackThread
    code: str  # shown to the writer once, never stored


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write what you'd like to say."})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": f"Keep it to {BODY_MAX:,} characters (this has {len(body):,})."})
    return body


@transaction.atomic
def feedback_submit(
    *, writer: User, team: Team, category: str, body: str, sign: bool = False, now: datetime | None = None
) -> Submitted:
    """Write a new thread, pending until the next daily release (feedback_release): signed or
    not, the writer is told when its readers will see it. Signed feedback waits too: one rule
    for everything writers send, and a signed thread's answers come through the same
    anonymous follow-up pages as any other."""
    if category not in Category.values:
        raise ValidationError({"category": "Choose a category."})
    body = _clean_body(body)
    # Dates are the team's, never the writer's own zone: a writer's zone is a clue to who they are.
    today = team.today(now)
    limit_day = (now or timezone.now()).date()
    if not sign and submissions_left(writer=writer, today=limit_day) <= 0:
        raise Throttled()
    code = code_new()
    thread = FeedbackThread.objects.create(
        team=team,
        to_admins=goes_to_admins(team),
        category=category,
        code_hash=code_hash(code),
        signed_by=writer if sign else None,
        created_on=today,
        updated_on=today,
    )
    FeedbackMessage.objects.create(thread=thread, position=1, author_kind=Author.WRITER, body=body, created_on=today)
    if not sign:
        transaction.on_commit(lambda: _count_submission(writer, limit_day))
    return Submitted(thread=thread, code=code)


def thread_for_code(code: str) -> FeedbackThread | None:
    """The writer's thread, released or still pending: the code opens it from the start."""
    if not code_normalise(code):
        return None
    return FeedbackThread.objects.filter(code_hash=code_hash(code)).select_related("team").first()


def _append(thread: FeedbackThread, *, author_kind: str, body: str, manager: User | None, today: date):
    """A manager's message, visible at once: after the thread's released messages (a writer's
    pending answers get their place when they are released)."""
    # Lock the thread so two replies (or a reply and the release) can't take the same position.
    FeedbackThread.objects.select_for_update().filter(pk=thread.pk).first()
    last = thread.messages.filter(released_on__isnull=False).aggregate(last=Max("position"))["last"] or 0
    message = FeedbackMessage.objects.create(
        thread=thread,
        position=last + 1,
        author_kind=author_kind,
        manager=manager,
        body=body,
        created_on=today,
        released_on=today,
    )
    FeedbackThread.objects.filter(pk=thread.pk).update(updated_on=today)
    return message


def writer_reply(*, thread: FeedbackThread, body: str, now: datetime | None = None) -> FeedbackMessage:
    """The writer answers back: a pending message, released with the rest of the day's
    feedback (the writer sees it on their page at once). The same words right after
    themselves, still waiting, are taken as a double send, not as a second message.

    The thread's row is left alone (no lock, no `updated_on`): a writer's action must leave no
    mark with a time on a row the managers can already see; the release updates it. Two sends
    racing for the same pending position meet the unique constraint, and the loser tries
    again."""
    body = _clean_body(body)
    if thread.status == ThreadStatus.CLOSED:
        raise ValidationError("This conversation is closed.")
    today = thread.team.today(now)
    for _ in range(3):
        pending = thread.messages.filter(released_on__isnull=True)
        last = pending.order_by("-position").first()
        if last is not None and last.author_kind == Author.WRITER and last.body == body:
            return last
        try:
            with transaction.atomic():
                return FeedbackMessage.objects.create(
                    thread=thread,
                    position=(last.position if last else 0) + 1,
                    author_kind=Author.WRITER,
                    body=body,
                    created_on=today,
                )
        except IntegrityError:
            continue
    raise ValidationError("Your answer couldn't be saved just now. Please send it again.")


def writer_set_consent(*, thread: FeedbackThread, consent: bool, now: datetime | None = None) -> FeedbackThread:
    """The writer agrees (or no longer agrees) that a manager may share the thread's gist with
    the team. The choice waits for the daily release like everything the writer sends; taking
    consent back then also takes down what was published."""
    if consent == thread.consent_as_chosen:
        return thread  # nothing changes: nothing to write
    today = thread.team.today(now)
    # Twice at most: if the release re-wrote the thread meanwhile, the first update found the
    # old row gone and the second finds the new one.
    for _ in range(2):
        if FeedbackThread.objects.filter(pk=thread.pk).update(consent_pending=consent, consent_pending_on=today):
            break
    thread.consent_pending, thread.consent_pending_on = consent, today
    return thread


# --- Managers ----------------------------------------------------------------------------


def _require_handler(user: User, thread: FeedbackThread) -> None:
    if not can_handle(user, thread):
        raise ValidationError("You can't answer this feedback.")


@transaction.atomic
def manager_reply(*, thread: FeedbackThread, manager: User, body: str, now: datetime | None = None) -> FeedbackMessage:
    _require_handler(manager, thread)
    body = _clean_body(body)
    message = _append(thread, author_kind=Author.MANAGER, body=body, manager=manager, today=thread.team.today(now))
    if thread.status == ThreadStatus.NEW:
        FeedbackThread.objects.filter(pk=thread.pk).update(status=ThreadStatus.ACKNOWLEDGED)
    return message


def thread_set_status(*, thread: FeedbackThread, actor: User, status: str) -> FeedbackThread:
    _require_handler(actor, thread)
    if status not in ThreadStatus.values:
        raise ValidationError({"status": "Choose a status."})
    FeedbackThread.objects.filter(pk=thread.pk).update(status=status, updated_on=thread.team.today())
    thread.status = status
    return thread


def thread_publish(*, thread: FeedbackThread, actor: User, gist: str, answer: str) -> FeedbackThread:
    """ "You said, we did": only with the writer's consent, in the manager's own words."""
    _require_handler(actor, thread)
    thread.refresh_from_db(fields=["publish_consent"])
    if not thread.publish_consent:
        raise ValidationError("The writer hasn't agreed to share this thread with the team.")
    gist, answer = (gist or "").strip(), (answer or "").strip()
    if not gist or not answer:
        raise ValidationError("Write both what was said and what was done.")
    today = thread.team.today()
    FeedbackThread.objects.filter(pk=thread.pk).update(
        published_gist=gist[:2000], published_answer=answer[:4000], published_on=today
    )
    thread.refresh_from_db()
    return thread


def thread_unpublish(*, thread: FeedbackThread, actor: User) -> None:
    _require_handler(actor, thread)
    FeedbackThread.objects.filter(pk=thread.pk).update(published_gist="", published_answer="", published_on=None)


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
    with outbox_bulk() as inserted:
        for (team_id, to_admins), counts in groups.items():
            team = teams[team_id]
            # The last day the release covered (its dedupe key: one digest per day covered).
            through = cutoff[team_id] - timedelta(days=1)
            for recipient in admins if to_admins else managers.get(team_id, []):
                emails.daily_digest(
                    recipient=recipient,
                    team=team,
                    through=through,
                    first_day=min(counts["days"]),
                    last_day=max(counts["days"]),
                    threads=counts["threads"],
                    answers=counts["answers"],
                    to_admins=to_admins,
                )
    queued = len(inserted)
    if queued:
        transaction.on_commit(outbox_schedule_sweep)
    return queued
