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
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Q, QuerySet, When
from django.utils import timezone

from accountability.models import Membership, Role, Team, User
from accountability.outbox import outbox_bulk, outbox_existing_keys, outbox_schedule_sweep
from accountability.weeks import local_instant

from . import emails, selectors
from .models import (
    Author,
    Category,
    FeedbackMessage,
    FeedbackThread,
    QuestionKind,
    Strategy,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
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


# --- Pulse surveys -------------------------------------------------------------------------

# Reminders go to those who haven't answered, this long after opening and before closing.
REMINDER_AFTER_OPENING = timedelta(days=3)
REMINDER_BEFORE_CLOSING = timedelta(days=1)
AGREEMENT_MAX = 5


THANKS_SALT = "feedback.survey-thanks"


def survey_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def survey_thanks_key(round: SurveyRound) -> str:
    """The thanks page's key: the round's id, signed (no time, nothing about the answerer), so
    the page after answering can name the round without the answering link in its address."""
    return signing.Signer(salt=THANKS_SALT).sign(str(round.pk))


def round_for_thanks_key(key: str) -> SurveyRound | None:
    try:
        round_id = int(signing.Signer(salt=THANKS_SALT).unsign(key))
    except (signing.BadSignature, ValueError):
        return None
    return SurveyRound.objects.select_related("team", "template").filter(pk=round_id).first()


def _require_team_manager(actor: User, team: Team) -> None:
    if not Membership.objects.filter(user=actor, team=team, role=Role.MANAGER).exists():
        raise ValidationError("Only the team's managers can do that.")


QUESTIONS_MAX = 40  # questions in a template: a pulse survey is short
NAME_MAX = 120
DESCRIPTION_MAX = 2000
QUESTION_TEXT_MAX = 300
CHOICES_MAX = 20


@dataclass(frozen=True)
class CleanTemplate:
    name: str
    description: str
    questions: list[dict]  # the SurveyQuestion fields of each, position aside


def _clean_template(*, name: str, description: str, questions: list[dict]) -> CleanTemplate:
    """Check a template as a whole; every problem at once, each saying where it is. Each
    question: text, kind, and for a single choice its choices; optional strategy,
    reverse_scored (agreement only) and required."""
    name = (name or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append("Give the survey a name.")
    elif len(name) > NAME_MAX:
        errors.setdefault("name", []).append(f"Keep the name to {NAME_MAX} characters.")
    if len(description) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(f"Keep the description to {DESCRIPTION_MAX:,} characters.")
    problems: list[str] = []
    if not questions:
        problems.append("Add at least one question.")
    elif len(questions) > QUESTIONS_MAX:
        problems.append(f"A survey can have at most {QUESTIONS_MAX} questions (this one has {len(questions)}).")
    cleaned = []
    for position, q in enumerate(questions[:QUESTIONS_MAX], start=1):
        kind = q.get("kind") or QuestionKind.AGREEMENT
        text = (q.get("text") or "").strip()
        choices = [c.strip() for c in q.get("choices") or [] if c and c.strip()]
        strategy = q.get("strategy") or ""
        if not text:
            problems.append(f"Question {position} has no text.")
        elif len(text) > QUESTION_TEXT_MAX:
            problems.append(f"Question {position} is too long: keep it to {QUESTION_TEXT_MAX} characters.")
        if kind not in QuestionKind.values:
            problems.append(f"Question {position} has an unknown kind of answer.")
        elif kind == QuestionKind.CHOICE and len(choices) < 2:
            problems.append(f"Question {position} is a single choice: give it at least two choices.")
        elif kind == QuestionKind.CHOICE and len(choices) > CHOICES_MAX:
            problems.append(f"Question {position} has more than {CHOICES_MAX} choices.")
        if strategy not in Strategy.values and strategy != "":
            problems.append(f"Question {position} names an unknown trust strategy.")
        cleaned.append(
            {
                "text": text,
                "kind": kind,
                "choices": choices if kind == QuestionKind.CHOICE else [],
                "strategy": strategy,
                "reverse_scored": bool(q.get("reverse_scored")) and kind == QuestionKind.AGREEMENT,
                "required": bool(q.get("required", kind != QuestionKind.TEXT)),
            }
        )
    if problems:
        errors.setdefault(NON_FIELD_ERRORS, []).extend(problems)
    if errors:
        raise ValidationError(errors)
    return CleanTemplate(name=name, description=description, questions=cleaned)


def _questions_write(template: SurveyTemplate, questions: list[dict]) -> None:
    SurveyQuestion.objects.bulk_create(
        [SurveyQuestion(template=template, position=position, **q) for position, q in enumerate(questions, start=1)]
    )


@transaction.atomic
def template_create(*, actor: User, name: str, description: str, questions: list[dict]) -> SurveyTemplate:
    """A manager's own template (see _clean_template for what a question holds)."""
    clean = _clean_template(name=name, description=description, questions=questions)
    template = SurveyTemplate.objects.create(name=clean.name, description=clean.description, created_by=actor)
    _questions_write(template, clean.questions)
    return template


@dataclass(frozen=True)
class TemplateSaved:
    template: SurveyTemplate  # the one edited, or its new version
    new_version: bool
    changed: bool
    moved_rounds: int = 0  # rounds not opened yet that now ask the new version


@transaction.atomic
def template_update(
    *,
    team: Team,
    template: SurveyTemplate,
    actor: User,
    name: str,
    description: str,
    questions: list[dict],
    now: datetime | None = None,
) -> TemplateSaved:
    """Edit a template: its name, description and questions (add, reword, reorder, remove).

    Until a round using it has opened, the template itself changes (nobody has been asked
    anything yet; rounds scheduled with it will ask the new questions). Once one has, the
    change is a new version: a new template row, `version` + 1, `previous` pointing here; past
    rounds keep this one, so their questions and results stay exactly what they were, and
    rounds not opened yet (a series' next round, say) move to the new version. Saving with no
    change changes nothing.

    The template's rounds are locked first: no round of it opens while this decides."""
    _require_team_manager(actor, team)
    now = now or timezone.now()
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if template.built_in:
        raise ValidationError("The built-in surveys can't be changed. Write your own survey instead.")
    if SurveyTemplate.objects.filter(previous=template).exists():
        raise ValidationError("This is an older version of the survey: edit its newest version instead.")
    if not selectors.templates_for_team(team).filter(pk=template.pk).exists():
        raise ValidationError("Only surveys written by this team's managers, or run by the team, can be edited here.")
    clean = _clean_template(name=name, description=description, questions=questions)
    current = [
        {field: getattr(q, field) for field in ("text", "kind", "choices", "strategy", "reverse_scored", "required")}
        for q in template.questions.order_by("position")
    ]
    if (clean.name, clean.description, clean.questions) == (template.name, template.description, current):
        return TemplateSaved(template=template, new_version=False, changed=False)
    rounds = list(SurveyRound.objects.select_for_update().filter(template=template).values_list("pk", flat=True))
    opened = set(
        SurveyRound.objects.filter(pk__in=rounds).filter(selectors.round_opened(now)).values_list("pk", flat=True)
    )
    if not opened:
        template.name, template.description = clean.name, clean.description
        template.save(update_fields=["name", "description"])
        template.questions.all().delete()
        _questions_write(template, clean.questions)
        return TemplateSaved(template=template, new_version=False, changed=True)
    newer = SurveyTemplate.objects.create(
        name=clean.name,
        description=clean.description,
        created_by=actor,
        version=template.version + 1,
        previous=template,
    )
    _questions_write(newer, clean.questions)
    waiting = [pk for pk in rounds if pk not in opened]
    SurveyRound.objects.filter(pk__in=waiting).update(template=newer)
    return TemplateSaved(template=newer, new_version=True, changed=True, moved_rounds=len(waiting))


def _newest_version(template: SurveyTemplate) -> SurveyTemplate:
    while (newer := SurveyTemplate.objects.filter(previous=template).first()) is not None:
        template = newer
    return template


@transaction.atomic
def round_schedule(
    *,
    team: Team,
    template: SurveyTemplate,
    actor: User,
    opens_at: datetime,
    closes_at: datetime,
    repeat_every_weeks: int | None = None,
    now: datetime | None = None,
) -> SurveyRound:
    """Schedule a round. One whose start is now or past opens at once, in this transaction:
    its opening time becomes now (reminders count from when people were asked), the team's
    members are invited, and their emails go out once this commits (through the outbox)."""
    _require_team_manager(actor, team)
    now = now or timezone.now()
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": "The survey must close after it opens."})
    if closes_at <= now:
        raise ValidationError({"closes_at": "Pick a closing time in the future."})
    if repeat_every_weeks is not None and repeat_every_weeks < 1:
        raise ValidationError({"repeat_every_weeks": "Repeat every 1 week or more, or leave it empty."})
    if repeat_every_weeks and closes_at - opens_at > timedelta(weeks=repeat_every_weeks):
        raise ValidationError({"repeat_every_weeks": "A round must close before the next one opens."})
    if SurveyTemplate.objects.filter(previous=template).exists():
        raise ValidationError({"template": "This survey has a newer version: schedule that one."})
    opens_now = opens_at <= now
    round = SurveyRound.objects.create(
        team=team,
        template=template,
        opens_at=now if opens_now else opens_at,
        closes_at=closes_at,
        repeat_every_weeks=repeat_every_weeks,
        created_by=actor,
        invited=opens_now,
    )
    if opens_now:
        _invite({round.pk: round})
    return round


def round_close(
    *, round: SurveyRound, actor: User, now: datetime | None = None, rng: random.Random | None = None
) -> SurveyRound:
    """Close early. Closing is final, and seals the answers (_round_seal)."""
    _require_team_manager(actor, round.team)
    now = now or timezone.now()
    with transaction.atomic():
        locked = SurveyRound.objects.select_for_update(of=("self",)).select_related("team").get(pk=round.pk)
        if not locked.closed:
            # The next round of a series keeps the series' rhythm, not the early closing time.
            planned_close = locked.closes_at
            locked.closed = True
            if locked.closes_at > now:
                locked.closes_at = max(now, locked.opens_at + timedelta(seconds=1))
            locked.save(update_fields=["closed", "closes_at"])
            _round_seal(locked, rng=rng)
            _schedule_next(locked, closes_at=planned_close)
    return locked


def _round_seal(round: SurveyRound, *, rng: random.Random | None = None) -> None:
    """At close, in the closing transaction (the round's row locked): rewrite the round's
    responses and answers, same ids and values, in a random order, and touch every invitation
    of the round, so that PostgreSQL's hidden row data no longer ties an answer to a person
    or tells the order answers came in.

    What a database reader can see, and when:

    * While a round is open (unavoidable): each response and its answers are written by the
      submit's own transaction, so their `xmin` (that transaction's id, ever increasing) and
      their physical place (`ctid`, in write order) say in which order responses arrived.
      Each submit rewrites all of the round's invitations (response_submit), so one look at
      the database pairs no invitation with a response; but someone watching it while people
      answer can see which invitation turned `answered` with which response, as they could see
      who just closed the survey page.
    * Once closed: every response, answer and invitation of the round carries this one
      transaction's `xmin`, and responses and answers lie in shuffled order; the ids are
      random (uuid4) and no column holds a time. Left over, outside SQL's reach: the dead row
      versions until (auto)vacuum reclaims them (readable with pageinspect or the raw files),
      the write-ahead log and any backup or replica taken while the round was open, and the
      server's statement log if someone turned `log_statement` on (keep it off).

    `rng` is for tests: a seeded generator makes the order known. Otherwise the operating
    system's randomness decides."""
    rng = rng or random.SystemRandom()
    response_ids = list(SurveyResponse.objects.filter(round=round).order_by("id").values_list("id", flat=True))
    answers = list(
        SurveyAnswer.objects.filter(response__round=round)
        .order_by("id")
        .values_list("id", "response_id", "question_id", "value", "text")
    )
    SurveyAnswer.objects.filter(response__round=round).delete()
    SurveyResponse.objects.filter(round=round).delete()
    rng.shuffle(response_ids)
    rng.shuffle(answers)
    SurveyResponse.objects.bulk_create([SurveyResponse(id=pk, round_id=round.pk) for pk in response_ids])
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(id=pk, response_id=response_id, question_id=question_id, value=value, text=text)
            for pk, response_id, question_id, value, text in answers
        ]
    )
    SurveyInvitation.objects.filter(round=round).update(answered=F("answered"))


def round_cancel(*, round: SurveyRound, actor: User, now: datetime | None = None) -> None:
    """A round that has not opened yet may be deleted."""
    _require_team_manager(actor, round.team)
    with transaction.atomic():
        # Locked, so the dispatcher cannot open it (and send invitations) while it goes.
        locked = SurveyRound.objects.select_for_update().filter(pk=round.pk).first()
        if locked is None:
            return
        if locked.invited or locked.closed or locked.opens_at <= (now or timezone.now()):
            raise ValidationError("This survey has opened already; close it instead.")
        locked.delete()


def _schedule_next(round: SurveyRound, *, closes_at: datetime | None = None) -> SurveyRound | None:
    if not round.repeat_every_weeks:
        return None
    step = timedelta(weeks=round.repeat_every_weeks)
    # Keep the local wall-clock time across daylight-saving changes: step in local time.
    tz = round.team.tz
    opens = (round.opens_at.astimezone(tz) + step).replace(tzinfo=None)
    closes = ((closes_at or round.closes_at).astimezone(tz) + step).replace(tzinfo=None)
    opens_at = opens.replace(tzinfo=tz).astimezone(UTC)
    closes_at = closes.replace(tzinfo=tz).astimezone(UTC)
    following, _ = SurveyRound.objects.get_or_create(
        previous=round,
        defaults={
            "team": round.team,
            # An edited survey's series goes on with its newest version.
            "template": _newest_version(round.template),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "repeat_every_weeks": round.repeat_every_weeks,
            "created_by": round.created_by,
        },
    )
    return following


def _uninvited_members(round_ids: list[int]) -> QuerySet[Membership]:
    """One row per round and active member of its team with no invitation to it yet, the
    round as `round_id`: one query however many rounds."""
    invited = SurveyInvitation.objects.filter(round_id=OuterRef("round_id"), user_id=OuterRef("user_id"))
    return (
        Membership.objects.filter(role=Role.MEMBER, user__is_active=True, team__survey_rounds__in=round_ids)
        .annotate(round_id=F("team__survey_rounds__id"))
        .filter(~Exists(invited))
        .select_related("user")
        .order_by("round_id", "user_id")
    )


def _invite(rounds: dict[int, SurveyRound], *, user_id: int | None = None) -> int:
    """Invite, to each of these rounds (open; locked by the caller, or new), the active members
    of its team who have no invitation yet (only `user_id`, when given): the team's members,
    not its managers. One email each, with a single-use link that is the permission to answer
    until the round closes. Set-based: one query for who is missing, one insert for the
    invitations, one for the emails, and one request for delivery once this commits."""
    if not rounds:
        return 0
    missing = _uninvited_members(list(rounds))
    if user_id is not None:
        missing = missing.filter(user_id=user_id)
    pending = []
    for membership in missing:
        token = secrets.token_urlsafe(24)
        invitation = SurveyInvitation(
            round=rounds[membership.round_id], user=membership.user, token_hash=survey_token_hash(token)
        )
        pending.append((invitation, token))
    if not pending:
        return 0
    SurveyInvitation.objects.bulk_create([invitation for invitation, _ in pending])
    with outbox_bulk():
        for invitation, token in pending:
            emails.survey_invitation(round=invitation.round, user=invitation.user, token=token, schedule=False)
    transaction.on_commit(outbox_schedule_sweep)
    return len(pending)


def _rounds_owing_invitations(now: datetime) -> list[int]:
    """Rounds open now that owe someone an invitation: not opened yet, or with an active member
    (one who joined since it opened, say) not invited. One query."""
    invited = SurveyInvitation.objects.filter(round_id=OuterRef(OuterRef("pk")), user_id=OuterRef("user_id"))
    uninvited = Membership.objects.filter(team_id=OuterRef("team_id"), role=Role.MEMBER, user__is_active=True).filter(
        ~Exists(invited)
    )
    return list(
        SurveyRound.objects.filter(closed=False, opens_at__lte=now, closes_at__gt=now)
        .filter(Q(invited=False) | Exists(uninvited))
        .values_list("pk", flat=True)
    )


def survey_member_joined(*, team_id: int, user_id: int, now: datetime | None = None) -> int:
    """Someone's membership of a team changed (they joined, or became a member from a
    manager): invite them to the team's rounds open now, if they are one of its active members
    and not invited yet. The core calls this after the change commits (accountability.hooks,
    registered in apps.py); should it fail, the dispatcher invites them on its next run."""
    now = now or timezone.now()
    with transaction.atomic():
        rounds = (
            SurveyRound.objects.select_for_update(of=("self",))
            .select_related("team", "template")
            .filter(team_id=team_id, closed=False, invited=True, opens_at__lte=now, closes_at__gt=now)
        )
        return _invite({round.pk: round for round in rounds}, user_id=user_id)


def survey_dispatch(*, now: datetime | None = None, rng: random.Random | None = None) -> dict[str, int]:
    """Open, remind and close what is due. Idempotent: run it twice, or after hours down, and
    each email goes once (the outbox's dedupe keys), and only while it still matters. Closing
    seals the answers (_round_seal; `rng` for tests).

    Opening also catches up: a member who joined a team while its round is open, and whose
    immediate invitation (survey_member_joined) did not happen, is invited here. Every step
    asks the database once for all rounds; only closing takes a transaction per round."""
    now = now or timezone.now()
    done = {"invited": 0, "reminded": 0, "closed": 0}
    # Close first: a round past its end gets no invitation or reminder.
    for round_id in SurveyRound.objects.filter(closed=False, closes_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            round = SurveyRound.objects.select_for_update(skip_locked=True).filter(pk=round_id, closed=False).first()
            if round is None:
                continue
            round.closed = True
            round.save(update_fields=["closed"])
            _round_seal(round, rng=rng)
            _schedule_next(round)
            done["closed"] += 1
    owing = _rounds_owing_invitations(now)
    if owing:
        with transaction.atomic():
            rounds = (
                SurveyRound.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("team", "template")
                .filter(pk__in=owing, closed=False, closes_at__gt=now)
            )
            rounds = {round.pk: round for round in rounds}
            done["invited"] = _invite(rounds)
            SurveyRound.objects.filter(pk__in=list(rounds), invited=False).update(invited=True)
    done["reminded"] = _remind(now)
    return done


def _remind(now: datetime) -> int:
    """Queue the reminders due now to everyone invited to an open round who hasn't answered:
    one query for who, one for which are queued already, one insert."""
    due = (
        SurveyInvitation.objects.filter(
            answered=False, round__closed=False, round__invited=True, round__opens_at__lte=now, round__closes_at__gt=now
        )
        .filter(
            Q(round__closes_at__lte=now + REMINDER_BEFORE_CLOSING)
            | Q(round__opens_at__lte=now - REMINDER_AFTER_OPENING)
        )
        .select_related("user", "round__team", "round__template")
        .order_by("round_id", "user_id")
    )
    reminders = [(invitation, _reminder_due(invitation.round, now)) for invitation in due]
    queued = outbox_existing_keys(emails.survey_reminder_key(invitation=i, kind=kind) for i, kind in reminders)
    with transaction.atomic(), outbox_bulk() as inserted:
        for invitation, kind in reminders:
            if emails.survey_reminder_key(invitation=invitation, kind=kind) not in queued:
                emails.survey_reminder(round=invitation.round, invitation=invitation, kind=kind, schedule=False)
    if inserted:
        transaction.on_commit(outbox_schedule_sweep)
    return len(inserted)


def _reminder_due(round: SurveyRound, now: datetime) -> str | None:
    """The reminder that is due now, if any. One at a time: once the day-before-closing one is
    due, the after-opening one no longer matters (in a short round, or after hours down, it
    would otherwise arrive together with it), and it is never sent after it."""
    after_opening = round.opens_at + REMINDER_AFTER_OPENING
    before_closing = round.closes_at - REMINDER_BEFORE_CLOSING
    if now >= before_closing:
        return "before-closing"
    if now >= after_opening:
        return "after-opening"
    return None


class SurveyUnavailable(Exception):
    """The link is unknown, used, or its round is closed (or not open yet)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related("round__team", "round__template")
        .filter(token_hash=survey_token_hash(token))
        .first()
    )
    if invitation is None:
        raise SurveyUnavailable("unknown")
    if invitation.answered:
        raise SurveyUnavailable("used")
    round = invitation.round
    if round.closed or now >= round.closes_at:
        raise SurveyUnavailable("closed")
    if now < round.opens_at:
        raise SurveyUnavailable("not-open")
    return invitation


def _clean_answers(
    questions: list[SurveyQuestion], answers: dict[int, str]
) -> list[tuple[SurveyQuestion, int | None, str]]:
    cleaned, errors = [], {}
    for q in questions:
        raw = (answers.get(q.pk) or "").strip()
        if not raw:
            if q.required:
                errors[f"q{q.pk}"] = "Please answer this one."
            continue
        if q.kind == QuestionKind.TEXT:
            cleaned.append((q, None, raw[:2000]))
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[f"q{q.pk}"] = "Choose one of the options."
            continue
        low, high = {
            QuestionKind.AGREEMENT: (1, AGREEMENT_MAX),
            QuestionKind.SCALE_10: (0, 10),
            QuestionKind.CHOICE: (0, len(q.choices) - 1),
        }[q.kind]
        if not low <= value <= high:
            errors[f"q{q.pk}"] = "Choose one of the options."
            continue
        cleaned.append((q, value, ""))
    if errors:
        raise ValidationError(errors)
    return cleaned


def invitation_renewable(*, round: SurveyRound, user: User, now: datetime | None = None) -> None:
    """Raises SurveyUnavailable as invitation_renew would, and changes nothing: the reminders'
    page asks with a GET, and only its button (a POST) renews the link."""
    invitation = SurveyInvitation.objects.filter(round=round, user=user).first()
    _check_renewable(invitation, round, now or timezone.now())


def _check_renewable(invitation: SurveyInvitation | None, round: SurveyRound, now: datetime) -> None:
    if invitation is None:
        raise SurveyUnavailable("unknown")
    if invitation.answered:
        raise SurveyUnavailable("used")
    if round.closed or now >= round.closes_at:
        raise SurveyUnavailable("closed")
    if now < round.opens_at:
        raise SurveyUnavailable("not-open")


def invitation_renew(*, round: SurveyRound, user: User, now: datetime | None = None) -> str:
    """A fresh single-use link for someone invited to an open round who hasn't answered (the
    reminders' signed-in page issues it). The link's hash replaces the old one, so the
    emailed link stops working: there is only ever one key to an invitation."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = SurveyInvitation.objects.select_for_update().filter(round=round, user=user).first()
        _check_renewable(invitation, round, now)
        token = secrets.token_urlsafe(24)
        SurveyInvitation.objects.filter(pk=invitation.pk).update(token_hash=survey_token_hash(token))
    return token


def response_submit(*, token: str, answers: dict[int, str], now: datetime | None = None) -> SurveyResponse:
    """Store one anonymous response for an invitation link, once.

    The invitation is marked answered and the response written in one transaction, so a
    double submit stores one response (the second finds the link used). Neither row points at
    the other, and the response carries no time and a random id.

    The round's row is locked first: submits to a round (and closing it) take turns, so no
    answer lands after the round closed. And every invitation of the round is rewritten, not
    only this one: PostgreSQL stamps each row version with the transaction that wrote it
    (`xmin`) and stores it in write order, so rewriting this invitation alone would pair it,
    for anyone reading the database, with the response written in the same transaction.
    Rewritten together, the round's invitations all carry the latest submit's stamp and their
    order says nothing about whose answer came when.
    """
    token_hash = survey_token_hash(token)
    with transaction.atomic():
        round_id = SurveyInvitation.objects.filter(token_hash=token_hash).values_list("round_id", flat=True).first()
        if round_id is None:
            raise SurveyUnavailable("unknown")
        round = SurveyRound.objects.select_for_update(of=("self",)).select_related("template").get(pk=round_id)
        invitation = SurveyInvitation.objects.select_for_update().filter(token_hash=token_hash).first()
        if invitation is None or invitation.round_id != round.pk:  # renewed meanwhile
            raise SurveyUnavailable("unknown")
        invitation_for_token(token, now=now)  # used / closed / not open, with the rows locked
        questions = list(round.template.questions.all())
        cleaned = _clean_answers(questions, answers)
        SurveyInvitation.objects.filter(round=round).update(
            answered=Case(When(pk=invitation.pk, then=True), default=F("answered"))
        )
        response = SurveyResponse.objects.create(round=round)
        SurveyAnswer.objects.bulk_create(
            [SurveyAnswer(response=response, question=q, value=value, text=text) for q, value, text in cleaned]
        )
    return response
