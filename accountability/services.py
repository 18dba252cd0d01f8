"""Every write and business rule about people, teams, invitations and commitments."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from . import emails, hooks
from .models import (
    Absence,
    Commitment,
    CommitmentEvent,
    CommitmentSource,
    CommitmentStatus,
    Invitation,
    Membership,
    OutboundEmail,
    Role,
    Team,
    User,
)
from .outbox import outbox_existing_keys, outbox_schedule_sweep, unsubscribe_read
from .registry import optional_kinds
from .weeks import Week

INVITATION_SALT = "accountability.invitation"


# --- Teams -------------------------------------------------------------------------------


# Paths under /teams/ that a team's slug must not shadow.
RESERVED_SLUGS = {"new"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "team"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def team_create(
    *,
    name: str,
    time_zone: str = "UTC",
    checkin_weekday: int = 4,
    checkin_time: time = time(16, 0),
    created_by: User | None = None,
    first_manager_email: str | None = None,
) -> Team:
    """Create a team. Its first manager is invited by email when named; otherwise the person
    creating it manages it, so no team is ever left without a manager."""
    team = Team(
        name=name,
        slug=_unique_slug(name),
        time_zone=time_zone,
        checkin_weekday=checkin_weekday,
        checkin_time=checkin_time,
    )
    team.full_clean()
    team.save()
    if first_manager_email:
        invitation_send(team=team, email=first_manager_email, role=Role.MANAGER, invited_by=created_by)
    elif created_by is not None:
        membership_add(team=team, user=created_by, role=Role.MANAGER)
    return team


def team_update(*, team: Team, **fields) -> Team:
    for name, value in fields.items():
        setattr(team, name, value)
    team.full_clean()
    team.save(update_fields=list(fields))
    return team


# --- Memberships -------------------------------------------------------------------------


def membership_add(*, team: Team, user: User, role: str = Role.MEMBER) -> Membership:
    """Add a person to a team; an existing membership keeps its role unless promoted."""
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if not created and role == Role.MANAGER and membership.role != Role.MANAGER:
        membership.role = Role.MANAGER
        membership.save(update_fields=["role"])
    elif not created:
        return membership
    hooks.membership_changed(team_id=team.pk, user_id=user.pk)
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor: User) -> Membership:
    """Change a role. A team always keeps at least one manager."""
    if role not in Role.values:
        raise ValidationError("Unknown role.")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _ensure_another_manager(membership)
    changed = membership.role != role
    membership.role = role
    membership.save(update_fields=["role"])
    if changed:
        hooks.membership_changed(team_id=membership.team_id, user_id=membership.user_id)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER:
        _ensure_another_manager(membership)
    membership.delete()


def _ensure_another_manager(membership: Membership) -> None:
    # Lock the team's manager rows so two managers demoting each other cannot both succeed.
    managers = list(
        Membership.objects.select_for_update()
        .filter(team_id=membership.team_id, role=Role.MANAGER)
        .values_list("pk", flat=True)
    )
    if not any(pk != membership.pk for pk in managers):
        raise ValidationError("A team needs at least one manager. Appoint another manager first.")


# --- Invitations -------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationResult:
    invitation: Invitation | None
    added_existing_user: bool
    resent: bool
    promoted: bool = False


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email.lower()}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation_token(invitation)])


class InvitationInvalid(Exception):
    """The link is malformed, tampered with, expired, or no longer pending."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_from_token(token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvitationInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid("invalid") from exc
    # Signed by us, but perhaps in an older shape: anything unexpected is just "invalid".
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("e"), str):
        raise InvitationInvalid("invalid")
    invitation = Invitation.objects.select_related("team").filter(pk=data["i"]).first()
    if invitation is None or invitation.email.lower() != data["e"]:
        raise InvitationInvalid("invalid")
    if not invitation.is_pending:
        raise InvitationInvalid("used")
    return invitation


@transaction.atomic
def invitation_send(*, team: Team, email: str, role: str = Role.MEMBER, invited_by: User | None) -> InvitationResult:
    """Invite an address to a team.

    * An existing account is added to the team at once and told so by email.
    * Otherwise one pending invitation per team and address exists; inviting again re-sends it
      (at most once a day) instead of creating a second invitation or account.
    """
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        before = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
        already = before is not None
        membership = membership_add(team=team, user=user, role=role)
        if not already:
            emails.added_to_team(team=team, user=user, invited_by=invited_by)
        return InvitationResult(
            invitation=None,
            added_existing_user=True,
            resent=already,
            promoted=already and before != membership.role,
        )

    invitation = (
        Invitation.objects.select_for_update().filter(team=team, email__iexact=email, accepted_at__isnull=True).first()
    )
    resent = invitation is not None
    if invitation is None:
        invitation = Invitation.objects.create(team=team, email=email, role=role, invited_by=invited_by)
    elif role == Role.MANAGER and invitation.role != Role.MANAGER:
        invitation.role = Role.MANAGER
    now = timezone.now()
    if emails.invitation(invitation=invitation, url=invitation_url(invitation), invited_by=invited_by, day=now.date()):
        invitation.sent_count += 1
        invitation.last_sent_at = now
    invitation.save()
    return InvitationResult(invitation=invitation, added_existing_user=False, resent=resent)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, display_name: str, password: str) -> User:
    """Create the invitee's account (or reuse it if it appeared meanwhile) and join the team."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationInvalid("used")
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User.objects.create_user(email=invitation.email, password=password, display_name=display_name.strip())
    membership_add(team=invitation.team, user=user, role=invitation.role)
    # Other teams' pending invitations for this address stay pending: from now on the address
    # has an account, so those links ask to sign in as it (see views.invitation_accept).
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


@transaction.atomic
def invitation_accept_as(*, invitation: Invitation, user: User) -> Membership:
    """An invitee who already has an account (and is signed in as it) joins the team."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvitationInvalid("used")
    if user.email.lower() != invitation.email.lower():
        raise InvitationInvalid("other-account")
    membership = membership_add(team=invitation.team, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.is_pending:
        invitation.delete()


# --- Accounts ----------------------------------------------------------------------------


def account_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def user_update_profile(*, user: User, display_name: str, time_zone: str) -> User:
    user.display_name = display_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "time_zone"])
    return user


def password_reset_queue(*, user: User, url: str) -> bool:
    """Queue a password-reset email (`url` is the emailed link, made by the sign-in library with
    its own token) for an active account; True if one was queued.

    Requests for one account within a few minutes send one email (see emails.password_reset),
    so a double submit or a hammering client cannot flood someone's inbox; the sign-in throttles
    (settings.ACCOUNT_RATE_LIMITS["reset_password"]) limit requests per address and per account.
    """
    if not user.is_active:
        return False
    # The outbox key alone groups requests into fixed five-minute buckets, so two clicks a
    # second apart across a bucket boundary would send two emails: look back a whole window.
    window_start = timezone.now() - timedelta(seconds=emails.PASSWORD_RESET_WINDOW_SECONDS)
    if OutboundEmail.objects.filter(kind="password_reset", recipient=user, created_at__gt=window_start).exists():
        return False
    return emails.password_reset(user=user, url=url) is not None


def sso_signup_allowed(*, email: str) -> bool:
    """A first single sign-on may create an account for an address with a pending invitation,
    or in one of the organisation's SSO_ALLOWED_DOMAINS; for nobody else."""
    email = email.strip().lower()
    if "@" not in email:
        return False
    if email.rsplit("@", 1)[1] in settings.SSO_ALLOWED_DOMAINS:
        return True
    return Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).exists()


@transaction.atomic
def invitations_accept_on_sign_up(*, user: User) -> list[Membership]:
    """A new account made through single sign-on joins every team that invited its address."""
    pending = Invitation.objects.select_for_update().filter(email__iexact=user.email, accepted_at__isnull=True)
    return [invitation_accept_as(invitation=invitation, user=user) for invitation in pending]


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
) -> Commitment:
    """A commitment for a week (default: the team's current week).

    People set their own. A manager may propose one to a member of their team: it stays
    `proposed` until the member accepts or declines it. Proposing the same title to the same
    person for the same week while it still waits for an answer (a form sent twice) changes
    nothing: the waiting proposal is returned.
    """
    week = week or team.current_week()
    due_date = due_date or week.end
    title = _clean_title(title)
    _check_due_date(team=team, due_date=due_date)
    proposed = actor.pk != owner.pk
    ownership = Membership.objects.filter(team=team, user=owner)
    if proposed:
        # Locked: two copies of one proposal sent at once are answered one after the other.
        ownership = ownership.select_for_update()
    if not ownership.exists():
        raise ValidationError("That person is not in this team.")
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
        source=CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
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
    return successor


@transaction.atomic
def commitment_reopen(*, commitment: Commitment, actor: User) -> Commitment:
    """Undo an outcome recorded by mistake: back to open, with a history row saying so."""
    commitment = _locked(commitment)
    if commitment.owner_id != actor.pk:
        raise ValidationError("Only the person who made a commitment can change it.")
    if commitment.status not in REVIEWABLE_FROM or commitment.status == CommitmentStatus.OPEN:
        raise ValidationError("This commitment can't be reopened.")
    CommitmentEvent.objects.create(
        commitment=commitment, from_status=commitment.status, to_status=CommitmentStatus.OPEN, actor=actor
    )
    commitment.status = CommitmentStatus.OPEN
    commitment.resolved_at = commitment.resolved_on = None
    commitment.save(update_fields=["status", "resolved_at", "resolved_on"])
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
    CommitmentEvent.objects.create(
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
    return commitment


# --- Overdue commitments ------------------------------------------------------------------

# The overdue note goes out from this hour of the team's day, and only while it is news.
OVERDUE_NOTE_LOCAL_HOUR = 9
OVERDUE_NOTE_RELEVANT_DAYS = 7


def commitments_overdue_dispatch(*, now: datetime | None = None) -> int:
    """A kind note, once per commitment, when it passes its due date still open: from 09:00 the
    team's time on the day after it was due, and for a week after (after a long outage older
    ones are not sent late). Renegotiating makes a new commitment with its own date, hence its
    own note. Idempotent through the dedupe key."""
    now = now or timezone.now()
    queued = 0
    for team in Team.objects.order_by("pk"):
        local = now.astimezone(team.tz)
        if local.hour < OVERDUE_NOTE_LOCAL_HOUR:
            continue
        today = local.date()
        overdue = list(
            Commitment.objects.filter(
                team=team,
                status=CommitmentStatus.OPEN,
                due_date__lt=today,
                due_date__gte=today - timedelta(days=OVERDUE_NOTE_RELEVANT_DAYS),
                owner__is_active=True,
            )
            # One subquery, so both dates apply to the same absence (an exclude() across a
            # relation may match them on two different ones).
            .exclude(owner__in=Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values("user_id"))
            .select_related("owner")
            .order_by("pk")
        )
        keys = {c.pk: f"commitment-overdue:{c.pk}:{c.due_date.isoformat()}" for c in overdue}
        sent = outbox_existing_keys(keys.values())
        team_queued = 0
        with transaction.atomic():
            for commitment in overdue:
                if keys[commitment.pk] not in sent and emails.commitment_overdue(
                    commitment=commitment, team=team, dedupe_key=keys[commitment.pk]
                ):
                    team_queued += 1
            if team_queued:
                transaction.on_commit(outbox_schedule_sweep)
        queued += team_queued
    return queued


# --- Email preferences and absences ----------------------------------------------------------


def email_preferences_update(*, user: User, opt_outs: Iterable[str]) -> User:
    user.email_opt_outs = sorted(set(opt_outs) & set(optional_kinds()))
    user.save(update_fields=["email_opt_outs"])
    return user


def email_unsubscribe(*, token: str) -> tuple[User, str]:
    """One click from an email: turn that kind off. Raises signing.BadSignature for a bad link."""
    user_id, kind = unsubscribe_read(token)
    with transaction.atomic():
        # Locked: two links clicked at once (a mail client sends both) must both take effect.
        user = User.objects.select_for_update().get(pk=user_id)
        if kind not in user.email_opt_outs:
            email_preferences_update(user=user, opt_outs=[*user.email_opt_outs, kind])
    return user, kind


@transaction.atomic
def absence_add(*, user: User, starts_on: date, ends_on: date, note: str = "") -> Absence:
    """Time away. The same days again (a form sent twice) are the same absence, not a second."""
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The last day can't be before the first."})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": "Keep an absence to a year at most."})
    # Locked: two copies sent at once are answered one after the other.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    same = Absence.objects.filter(user=user, starts_on=starts_on, ends_on=ends_on).first()
    if same is not None:
        return same
    return Absence.objects.create(user=user, starts_on=starts_on, ends_on=ends_on, note=(note or "").strip()[:200])


def absence_remove(*, user: User, absence_id: int) -> None:
    Absence.objects.filter(pk=absence_id, user=user).delete()
