"""Survey rounds: scheduling, opening (the invitations), reminding, closing and sealing."""

import random
import secrets
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from accountability.models import AuditAction, Membership, Role, Team, User
from accountability.outbox import outbox_dispatch
from accountability.registry import event_emit
from accountability.services.audit import audit_record

from .. import emails
from ..models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyRound, SurveyTemplate
from ..permissions import require_can_run_surveys
from .answering import survey_token_hash
from .templates import newest_version

# Reminders go to those who haven't answered, this long after opening and before closing.
REMINDER_AFTER_OPENING = timedelta(days=3)
REMINDER_BEFORE_CLOSING = timedelta(days=1)


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
    require_can_run_surveys(actor, team)
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
    require_can_run_surveys(actor, round.team)
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
            # Who closed which round, and when: nothing about who answered it.
            audit_record(
                actor=actor,
                action=AuditAction.SURVEY_ROUND_CLOSED,
                team=locked.team,
                target=locked,
                before={"closes_at": planned_close},
                after={"closes_at": locked.closes_at},
            )
            _round_seal(locked, rng=rng)
            _schedule_next(locked, closes_at=planned_close)
            event_emit(name="survey.round_closed", team=locked.team, payload={"round": locked.pk}, key=str(locked.pk))
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
    require_can_run_surveys(actor, round.team)
    with transaction.atomic():
        # Locked, so the dispatcher cannot open it (and send invitations) while it goes.
        locked = SurveyRound.objects.select_for_update().filter(pk=round.pk).first()
        if locked is None:
            return
        if locked.invited or locked.closed or locked.opens_at <= (now or timezone.now()):
            raise ValidationError("This survey has opened already; close it instead.")
        audit_record(
            actor=actor,
            action=AuditAction.SURVEY_ROUND_CANCELLED,
            team=round.team,
            target=locked,
            before={"opens_at": locked.opens_at, "closes_at": locked.closes_at},
        )
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
            "template": newest_version(round.template),
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
    invitations, then outbox_dispatch: one look-up of existing keys, one insert for the emails,
    and one request for delivery once this commits."""
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
    outbox_dispatch(
        pending,
        key=lambda p: emails.survey_invitation_key(round_id=p[0].round.pk, user_id=p[0].user_id),
        write=lambda p, _key: emails.survey_invitation(round=p[0].round, user=p[0].user, token=p[1]),
    )
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
            event_emit(
                name="survey.round_closed",
                team=None,
                payload={"round": round.pk, "team_id": round.team_id},
                key=str(round.pk),
            )
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
    return outbox_dispatch(
        [(invitation, _reminder_due(invitation.round, now)) for invitation in due],
        key=lambda r: emails.survey_reminder_key(invitation=r[0], kind=r[1]),
        write=lambda r, _key: emails.survey_reminder(round=r[0].round, invitation=r[0], kind=r[1]),
    )


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
