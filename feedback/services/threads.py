"""Anonymous feedback threads: where they go, writing them, and the managers' answers.

Nothing here logs, and nothing records who wrote, when (finer than the day) or from where.
The writer holds a random follow-up code; the database holds only its hash.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accountability.models import Team, User

from .. import selectors
from ..models import Author, Category, FeedbackMessage, FeedbackThread, ThreadStatus
from ..permissions import can_handle
from .codes import code_hash, code_new, code_normalise, count_submission, submissions_left

BODY_MAX = 5000


class Throttled(Exception):
    pass


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
        transaction.on_commit(lambda: count_submission(writer, limit_day))
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
