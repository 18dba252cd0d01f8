"""Anonymous feedback: every write and rule.

Nothing here logs, and nothing records who wrote, when (finer than the day) or from where.
The writer holds a random follow-up code; the database holds only its hash.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Max, When
from django.utils import timezone

from accountability.models import Membership, Role, Team, User

from . import emails, selectors
from .models import (
    Author,
    Category,
    FeedbackMessage,
    FeedbackThread,
    QuestionKind,
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
    if not code_normalise(code):
        return None
    return FeedbackThread.objects.filter(code_hash=code_hash(code)).select_related("team").first()


def _append(thread: FeedbackThread, *, author_kind: str, body: str, manager: User | None, today: date):
    # Lock the thread so two replies can't take the same position.
    FeedbackThread.objects.select_for_update().filter(pk=thread.pk).first()
    last = thread.messages.aggregate(last=Max("position"))["last"] or 0
    message = FeedbackMessage.objects.create(
        thread=thread, position=last + 1, author_kind=author_kind, manager=manager, body=body, created_on=today
    )
    FeedbackThread.objects.filter(pk=thread.pk).update(updated_on=today)
    return message


@transaction.atomic
def writer_reply(*, thread: FeedbackThread, body: str, now: datetime | None = None) -> FeedbackMessage:
    """The writer answers back. The page it is sent from cannot redirect (the code may travel
    neither in a URL nor in a session), so a reload sends the form again: the same words right
    after themselves are taken as that, not as a second message."""
    body = _clean_body(body)
    if thread.status == ThreadStatus.CLOSED:
        raise ValidationError("This conversation is closed.")
    FeedbackThread.objects.select_for_update().filter(pk=thread.pk).first()
    last = thread.messages.order_by("-position").first()
    if last is not None and last.author_kind == Author.WRITER and last.body == body:
        return last
    return _append(thread, author_kind=Author.WRITER, body=body, manager=None, today=thread.team.today(now))


def writer_set_consent(*, thread: FeedbackThread, consent: bool) -> FeedbackThread:
    """The writer agrees (or no longer agrees) that a manager may share the thread's gist with
    the team. Taking consent back also takes down what was published."""
    changes = {"publish_consent": consent}
    if not consent:
        changes.update(published_gist="", published_answer="", published_on=None)
    FeedbackThread.objects.filter(pk=thread.pk).update(**changes)
    for name, value in changes.items():
        setattr(thread, name, value)
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


# --- Daily digest --------------------------------------------------------------------------


DIGEST_LOCAL_HOUR = 8


def digest_dispatch(*, now: datetime | None = None) -> int:
    """Tell each team's managers (or the admins) how many anonymous threads arrived for the team
    on the previous day (the team's day), from 08:00 the team's time: a count and a link, never
    content, never the moment a thread arrives.

    Idempotent (one email per recipient, team and day) and only what is still relevant: after
    a long outage, older days are not sent late; their threads wait in the inbox.
    """
    now = now or timezone.now()
    queued = 0
    candidates = (
        FeedbackThread.objects.filter(created_on__gte=(now - timedelta(days=2)).date())
        .values("team_id", "to_admins", "created_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    teams = Team.objects.in_bulk({row["team_id"] for row in candidates})
    for row in candidates:
        team = teams[row["team_id"]]
        local_now = now.astimezone(team.tz)
        if row["created_on"] != local_now.date() - timedelta(days=1) or local_now.hour < DIGEST_LOCAL_HOUR:
            continue
        if row["to_admins"]:
            recipients = User.objects.filter(is_staff=True, is_active=True)
        else:
            recipients = User.objects.filter(memberships__team=team, memberships__role=Role.MANAGER, is_active=True)
        for recipient in recipients:
            if emails.daily_digest(
                recipient=recipient, team=team, day=row["created_on"], count=row["n"], to_admins=row["to_admins"]
            ):
                queued += 1
    return queued


# --- Pulse surveys -------------------------------------------------------------------------

# Reminders go to those who haven't answered, this long after opening and before closing.
REMINDER_AFTER_OPENING = timedelta(days=3)
REMINDER_BEFORE_CLOSING = timedelta(days=1)
AGREEMENT_MAX = 5


def survey_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def _require_team_manager(actor: User, team: Team) -> None:
    if not Membership.objects.filter(user=actor, team=team, role=Role.MANAGER).exists():
        raise ValidationError("Only the team's managers can do that.")


@transaction.atomic
def template_create(*, actor: User, name: str, description: str, questions: list[dict]) -> SurveyTemplate:
    """A manager's own template. Each question: text, kind, and for a single choice its
    choices; optional strategy, reverse_scored (agreement only) and required."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the survey a name."})
    if not questions:
        raise ValidationError("Add at least one question.")
    template = SurveyTemplate.objects.create(name=name[:120], description=(description or "").strip(), created_by=actor)
    for position, q in enumerate(questions, start=1):
        kind = q.get("kind", QuestionKind.AGREEMENT)
        text = (q.get("text") or "").strip()
        if not text:
            raise ValidationError(f"Question {position} has no text.")
        if kind not in QuestionKind.values:
            raise ValidationError(f"Question {position} has an unknown kind.")
        choices = [c.strip() for c in q.get("choices") or [] if c and c.strip()]
        if kind == QuestionKind.CHOICE and len(choices) < 2:
            raise ValidationError(f"Question {position} needs at least two choices.")
        SurveyQuestion.objects.create(
            template=template,
            position=position,
            text=text[:300],
            kind=kind,
            choices=choices if kind == QuestionKind.CHOICE else [],
            strategy=q.get("strategy") or "",
            reverse_scored=bool(q.get("reverse_scored")) and kind == QuestionKind.AGREEMENT,
            required=q.get("required", kind != QuestionKind.TEXT),
        )
    return template


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
    return SurveyRound.objects.create(
        team=team,
        template=template,
        opens_at=opens_at,
        closes_at=closes_at,
        repeat_every_weeks=repeat_every_weeks,
        created_by=actor,
    )


def round_close(*, round: SurveyRound, actor: User, now: datetime | None = None) -> SurveyRound:
    """Close early. Closing is final."""
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
            _schedule_next(locked, closes_at=planned_close)
    return locked


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
            "template": round.template,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "repeat_every_weeks": round.repeat_every_weeks,
            "created_by": round.created_by,
        },
    )
    return following


def _invite(round: SurveyRound, now: datetime) -> int:
    """Invite the team's members (not its managers); one email each, with a link that is the
    permission to answer and works until the round closes."""
    members = User.objects.filter(memberships__team=round.team, memberships__role=Role.MEMBER, is_active=True).exclude(
        pk__in=round.invitations.values("user_id")
    )
    count = 0
    for user in members:
        token = secrets.token_urlsafe(24)
        SurveyInvitation.objects.create(round=round, user=user, token_hash=survey_token_hash(token))
        emails.survey_invitation(round=round, user=user, token=token)
        count += 1
    return count


def survey_dispatch(*, now: datetime | None = None) -> dict[str, int]:
    """Open, remind and close what is due. Idempotent: run it twice, or after hours down, and
    each email goes once (the outbox's dedupe keys), and only while it still matters."""
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
            _schedule_next(round)
            done["closed"] += 1
    for round_id in SurveyRound.objects.filter(
        closed=False, invited=False, opens_at__lte=now, closes_at__gt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            round = (
                SurveyRound.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("team", "template")
                .filter(pk=round_id, invited=False)
                .first()
            )
            if round is None:
                continue
            done["invited"] += _invite(round, now)
            round.invited = True
            round.save(update_fields=["invited"])
    open_rounds = SurveyRound.objects.filter(closed=False, invited=True, opens_at__lte=now, closes_at__gt=now)
    for round in open_rounds.select_related("team", "template"):
        kind = _reminder_due(round, now)
        if kind is None:
            continue
        with transaction.atomic():
            for invitation in round.invitations.filter(answered=False).select_related("user"):
                if emails.survey_reminder(round=round, invitation=invitation, kind=kind):
                    done["reminded"] += 1
    return done


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
