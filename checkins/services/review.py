"""Managers' review of a check-in (acknowledge, support answered) and the reply threads."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accountability import permissions as core_permissions
from accountability.models import Commitment, Team, User

from ..models import CheckIn, Comment

# --- Manager review ------------------------------------------------------------------------


def _require_manager(*, actor: User, team_id: int) -> None:
    if not core_permissions.is_manager_of(actor, team_id):
        raise ValidationError("Only the team's managers can do that.")


def _require_reviewer(*, actor: User, checkin: CheckIn) -> None:
    """A manager of the team, other than the check-in's own member: a manager who checks in
    too is acknowledged by someone else, so the acknowledgement figures stay honest."""
    if actor.pk == checkin.member_id:
        raise ValidationError("Your own check-in is acknowledged by another of the team's managers.")
    _require_manager(actor=actor, team_id=checkin.team_id)


def checkin_acknowledge(*, checkin: CheckIn, actor: User, now: datetime | None = None) -> CheckIn:
    """One click: "seen, thank you". The first acknowledgement counts; a second is a no-op,
    so the time to acknowledge (acknowledged_at - submitted_at) is never rewritten."""
    _require_reviewer(actor=actor, checkin=checkin)
    return _acknowledge(checkin=checkin, actor=actor, now=now or timezone.now())


def _acknowledge(*, checkin: CheckIn, actor: User, now: datetime) -> CheckIn:
    # Conditional, so two managers clicking at once still leave the first time in place.
    CheckIn.objects.filter(pk=checkin.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    checkin.refresh_from_db(fields=["acknowledged_at", "acknowledged_by"])
    return checkin


def support_mark_answered(*, checkin: CheckIn, actor: User, now: datetime | None = None) -> CheckIn:
    """The support the member asked for was given. The first answer counts, like an
    acknowledgement."""
    _require_reviewer(actor=actor, checkin=checkin)
    if not checkin.support_requested:
        raise ValidationError("This check-in doesn't ask for support.")
    now = now or timezone.now()
    CheckIn.objects.filter(pk=checkin.pk, support_answered_at__isnull=True).update(
        support_answered_at=now, support_answered_by=actor
    )
    checkin.refresh_from_db(fields=["support_answered_at", "support_answered_by"])
    return checkin


@transaction.atomic
def comment_add(
    *,
    author: User,
    body: str,
    checkin: CheckIn | None = None,
    commitment: Commitment | None = None,
    now: datetime | None = None,
) -> Comment:
    """A reply in the thread of a check-in or a commitment.

    The member and the team's managers may write. A manager's reply also acknowledges the
    check-in (you can't answer without having read it). Nobody is emailed from here:
    `replies_dispatch` writes one email per person for each batch window once it is over,
    when it knows every reply of the window and which of them were read in time.
    """
    if (checkin is None) == (commitment is None):
        raise ValueError("A comment belongs to exactly one check-in or commitment.")
    target = checkin or commitment
    member_id = checkin.member_id if checkin else commitment.owner_id
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a reply first."})
    if len(body) > 4000:
        raise ValidationError({"body": f"Keep a reply to 4,000 characters (this one has {len(body):,})."})
    now = now or timezone.now()
    is_member = author.pk == member_id
    if not is_member:
        _require_manager(actor=author, team_id=target.team_id)
    comment = Comment.objects.create(
        checkin=checkin,
        commitment=commitment,
        team_id=target.team_id,
        member_id=member_id,
        author=author,
        body=body,
        created_at=now,
    )
    if not is_member and checkin is not None:
        _acknowledge(checkin=checkin, actor=author, now=now)
    return comment


def comments_mark_seen(
    *,
    member: User,
    team: Team,
    shown_at: datetime | None = None,
    now: datetime | None = None,
    ids: list[int] | None = None,
) -> int:
    """The member opened their week page, which shows every reply to them not seen yet (its
    own threads, and the others under "New replies"): those replies are now seen.

    `ids`: the replies the page showed as new (checkins.selectors.WeekView.new_reply_ids).
    Only those are marked, so a reply that arrived after the page read them stays new however
    its transaction interleaved with the page's; with none, no query at all (the week page is
    opened far more often than a reply arrives). Without `ids`: every unseen reply written by
    `shown_at`, in one UPDATE.
    """
    now = now or timezone.now()
    if ids is not None and not ids:
        return 0
    replies = Comment.objects.filter(member=member, team=team, seen_at__isnull=True, created_at__lte=shown_at or now)
    if ids is not None:
        replies = replies.filter(pk__in=ids)
    return replies.exclude(author=member).update(seen_at=now)
