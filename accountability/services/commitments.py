"""Commitments and their rules: made, reviewed, renegotiated, reopened, proposed, overdue."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import emails
from ..models import (
    AGREED_SOURCES,
    Absence,
    Commitment,
    CommitmentEvent,
    CommitmentSource,
    CommitmentStatus,
    Membership,
    Role,
    Team,
    User,
)
from ..outbox import outbox_dispatch
from ..registry import event_emit
from ..weeks import Week
from ..zones import any_of, local_now, zones_in_use

# --- Commitments -------------------------------------------------------------------------

# Where a review may go from each status. Renegotiating and declining are final for a row
# (renegotiation continues in a new row); an outcome may be corrected to another outcome.
OUTCOMES = frozenset(
    {
        CommitmentStatus.DONE,
        CommitmentStatus.PARTLY_DONE,
        CommitmentStatus.NOT_DONE,
        CommitmentStatus.LET_GO,
        CommitmentStatus.RENEGOTIATED,
    }
)
REVIEWABLE_FROM = frozenset(
    {
        CommitmentStatus.OPEN,
        CommitmentStatus.DONE,
        CommitmentStatus.PARTLY_DONE,
        CommitmentStatus.NOT_DONE,
        CommitmentStatus.LET_GO,
    }
)
TITLE_MAX = 200


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the commitment a short title."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title to {TITLE_MAX} characters or fewer (it has {len(title)})."})
    return title


def _check_due_date(*, team: Team, due_date: date, field: str = "due_date") -> None:
    if due_date < team.today():
        raise ValidationError({field: "Pick today or a later date."})


@transaction.atomic
def commitment_create(
    *,
    team: Team,
    owner: User,
    actor: User,
    title: str,
    details: str = "",
    due_date: date | None = None,
    week: Week | None = None,
    source: str | None = None,
) -> Commitment:
    """A commitment for a week (default: the team's current week).

    `source` one of AGREED_SOURCES (an action item agreed in a one-to-one or a team meeting):
    it is open at once, whoever of the team wrote it down; the meeting app checks the two were
    in the meeting.

    People set their own. A manager may propose one to a member of their team: it stays
    `proposed` until the member accepts or declines it. Proposing the same title to the same
    person for the same week while it still waits for an answer (a form sent twice) changes
    nothing: the waiting proposal is returned.
    """
    week = week or team.current_week()
    due_date = due_date or week.end
    title = _clean_title(title)
    _check_due_date(team=team, due_date=due_date)
    agreed = source in AGREED_SOURCES
    proposed = actor.pk != owner.pk and not agreed
    ownership = Membership.objects.filter(team=team, user=owner)
    if proposed:
        # Locked: two copies of one proposal sent at once are answered one after the other.
        ownership = ownership.select_for_update()
    if not ownership.exists():
        raise ValidationError("That person is not in this team.")
    if agreed and actor.pk != owner.pk and not Membership.objects.filter(team=team, user=actor).exists():
        raise ValidationError("Only people in this team can write down its action items.")
    if proposed and not Membership.objects.filter(team=team, user=actor, role=Role.MANAGER).exists():
        raise ValidationError("Only the team's managers can propose commitments to someone else.")
    if proposed:
        waiting = Commitment.objects.filter(
            team=team, owner=owner, week=week.start, title=title, status=CommitmentStatus.PROPOSED
        ).first()
        if waiting is not None:
            return waiting
    commitment = Commitment.objects.create(
        team=team,
        owner=owner,
        created_by=actor,
        week=week.start,
        title=title,
        details=(details or "").strip(),
        due_date=due_date,
        status=CommitmentStatus.PROPOSED if proposed else CommitmentStatus.OPEN,
        source=source if agreed else CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
    )
    CommitmentEvent.objects.create(commitment=commitment, from_status="", to_status=commitment.status, actor=actor)
    return commitment


def _locked(commitment: Commitment) -> Commitment:
    return Commitment.objects.select_for_update().select_related("team").get(pk=commitment.pk)


@transaction.atomic
def commitment_review(
    *,
    commitment: Commitment,
    actor: User,
    status: str,
    note: str = "",
    obstacle: str = "",
    help_wanted: str = "",
    new_due_date: date | None = None,
) -> Commitment:
    """Record how a commitment went. Only its owner reviews it.

    * partly done / not done yet: optional "what got in the way" and "what would help";
    * let go: optional lesson;
    * renegotiated: a new due date and a short reason; this row closes as `renegotiated` and a
      new open commitment continues the chain. Renegotiating on or before the due date counts
      as keeping one's word (see `resolved_on`).

    Returns the commitment that is now current (the new one after a renegotiation).
    """
    commitment = _locked(commitment)
    if commitment.owner_id != actor.pk:
        raise ValidationError("Only the person who made a commitment can review it.")
    if status not in OUTCOMES:
        raise ValidationError({"status": "Choose how it went."})
    if commitment.status not in REVIEWABLE_FROM:
        raise ValidationError(f"This commitment is {commitment.get_status_display().lower()} and can't be reviewed.")
    if status == commitment.status:
        return commitment
    team = commitment.team
    now = timezone.now()
    note = (note or "").strip()
    event = CommitmentEvent(commitment=commitment, from_status=commitment.status, to_status=status, actor=actor)

    if status == CommitmentStatus.RENEGOTIATED:
        if commitment.status not in (CommitmentStatus.OPEN, CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE):
            raise ValidationError("Only an open or unfinished commitment can be renegotiated.")
        if new_due_date is None:
            raise ValidationError({"new_due_date": "Pick the new due date."})
        _check_due_date(team=team, due_date=new_due_date, field="new_due_date")
        if not note:
            raise ValidationError({"note": "Say in a few words why the date moves."})
        successor = Commitment.objects.create(
            team=team,
            owner=commitment.owner,
            created_by=actor,
            week=team.current_week(now).start,
            title=commitment.title,
            details=commitment.details,
            due_date=new_due_date,
            status=CommitmentStatus.OPEN,
            source=commitment.source,
            renegotiated_from=commitment,
            chain_root=commitment.chain_root or commitment,
        )
        event.old_due_date, event.new_due_date = commitment.due_date, new_due_date
        CommitmentEvent.objects.create(
            commitment=successor,
            from_status="",
            to_status=CommitmentStatus.OPEN,
            actor=actor,
            note=note,
            old_due_date=commitment.due_date,
            new_due_date=new_due_date,
        )
    else:
        successor = commitment

    commitment.status = status
    commitment.resolved_at = now
    commitment.resolved_on = team.today(now)
    fields = ["status", "resolved_at", "resolved_on"]
    if status in (CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE):
        commitment.obstacle, commitment.help_wanted = (obstacle or "").strip(), (help_wanted or "").strip()
        fields += ["obstacle", "help_wanted"]
    if status == CommitmentStatus.LET_GO:
        commitment.lesson = note
        fields.append("lesson")
    commitment.save(update_fields=fields)
    event.note = note
    event.created_at = now
    event.save()
    _status_changed(commitment, event)
    return successor


@transaction.atomic
def commitment_reopen(*, commitment: Commitment, actor: User) -> Commitment:
    """Undo an outcome recorded by mistake: back to open, with a history row saying so."""
    commitment = _locked(commitment)
    if commitment.owner_id != actor.pk:
        raise ValidationError("Only the person who made a commitment can change it.")
    if commitment.status not in REVIEWABLE_FROM or commitment.status == CommitmentStatus.OPEN:
        raise ValidationError("This commitment can't be reopened.")
    event = CommitmentEvent.objects.create(
        commitment=commitment, from_status=commitment.status, to_status=CommitmentStatus.OPEN, actor=actor
    )
    commitment.status = CommitmentStatus.OPEN
    commitment.resolved_at = commitment.resolved_on = None
    commitment.save(update_fields=["status", "resolved_at", "resolved_on"])
    _status_changed(commitment, event)
    return commitment


@transaction.atomic
def commitment_respond_to_proposal(*, commitment: Commitment, actor: User, accept: bool, note: str = "") -> Commitment:
    """The member accepts a manager's proposal (it becomes theirs, open) or declines it."""
    commitment = _locked(commitment)
    if commitment.owner_id != actor.pk:
        raise ValidationError("Only the person it was proposed to can answer a proposal.")
    if commitment.status != CommitmentStatus.PROPOSED:
        raise ValidationError("This proposal was already answered.")
    to_status = CommitmentStatus.OPEN if accept else CommitmentStatus.DECLINED
    event = CommitmentEvent.objects.create(
        commitment=commitment,
        from_status=commitment.status,
        to_status=to_status,
        actor=actor,
        note=(note or "").strip(),
    )
    commitment.status = to_status
    fields = ["status"]
    if not accept:
        commitment.resolved_at = timezone.now()
        commitment.resolved_on = commitment.team.today(commitment.resolved_at)
        fields += ["resolved_at", "resolved_on"]
    commitment.save(update_fields=fields)
    _status_changed(commitment, event)
    return commitment


def _status_changed(commitment: Commitment, event: CommitmentEvent) -> None:
    """Tell the registry's listeners (webhooks), in this transaction: ids and the title only,
    never the reflection (what got in the way, a lesson)."""
    event_emit(
        name="commitment.status_changed",
        team=commitment.team,
        payload={
            "commitment": commitment.pk,
            "owner": commitment.owner_id,
            "title": commitment.title,
            "from": event.from_status,
            "to": event.to_status,
            "due_date": commitment.due_date.isoformat(),
        },
        key=str(event.pk),
    )


# --- Overdue commitments ------------------------------------------------------------------

# The overdue note goes out from this hour of the team's day, and only while it is news.
OVERDUE_NOTE_LOCAL_HOUR = 9
OVERDUE_NOTE_RELEVANT_DAYS = 7


def commitments_overdue_dispatch(*, now: datetime | None = None) -> int:
    """A kind note, once per commitment, when it passes its due date still open: from 09:00 the
    team's time on the day after it was due, and for a week after (after a long outage older
    ones are not sent late). Renegotiating makes a new commitment with its own date, hence its
    own note. Idempotent through the dedupe key.

    Set-based (accountability/zones.py): the zones in use, then one query for the overdue
    commitments of every team past 09:00, its zones grouped by their local date (at most
    three at any instant). Nothing due: two queries, whatever the number of teams."""
    now = now or timezone.now()
    zones_by_day: dict[date, list[str]] = {}
    for zone in zones_in_use(Team.objects.all(), "time_zone"):
        local = local_now(zone, now)
        if local.hour >= OVERDUE_NOTE_LOCAL_HOUR:
            zones_by_day.setdefault(local.date(), []).append(zone)
    due = any_of(
        Q(
            team__time_zone__in=zones,
            due_date__lt=today,
            due_date__gte=today - timedelta(days=OVERDUE_NOTE_RELEVANT_DAYS),
        )
        # Both dates apply to the same absence (an exclude() across a relation may match them
        # on two different ones).
        & ~Exists(Absence.objects.filter(user_id=OuterRef("owner_id"), starts_on__lte=today, ends_on__gte=today))
        for today, zones in zones_by_day.items()
    )
    if due is None:
        return 0
    overdue = list(
        Commitment.objects.filter(due, status=CommitmentStatus.OPEN, owner__is_active=True)
        .select_related("owner", "team")
        .order_by("team_id", "pk")
    )
    return outbox_dispatch(
        overdue,
        key=lambda c: f"commitment-overdue:{c.pk}:{c.due_date.isoformat()}",
        write=lambda c, key: emails.commitment_overdue(commitment=c, team=c.team, dedupe_key=key),
    )
