"""Teams, memberships and invitations: who is in which team, in which role."""

from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .. import emails, hooks
from ..models import (
    AuditAction,
    Invitation,
    LeadershipEvent,
    Membership,
    Role,
    Team,
    User,
)
from .audit import audit_record

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
    audit_record(actor=created_by, action=AuditAction.TEAM_CREATED, team=team, target=team)
    if first_manager_email:
        invitation_send(team=team, email=first_manager_email, role=Role.MANAGER, invited_by=created_by)
    elif created_by is not None:
        membership_add(team=team, user=created_by, role=Role.MANAGER, actor=created_by)
    return team


@transaction.atomic
def team_update(*, team: Team, actor: User | None = None, **fields) -> Team:
    """Change a team's settings; what changed (threshold, open commitments, rhythm...) goes to
    the audit trail, before → after."""
    before = {name: getattr(team, name) for name in fields}
    for name, value in fields.items():
        setattr(team, name, value)
    team.full_clean()
    team.save(update_fields=list(fields))
    changed = {name: value for name, value in fields.items() if before[name] != value}
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.TEAM_SETTINGS_CHANGED,
            team=team,
            target=team,
            before={name: before[name] for name in changed},
            after=changed,
        )
    return team


# --- Memberships -------------------------------------------------------------------------


def leadership_record(
    *, team_id: int, user: User, from_role: str, to_role: str, actor: User | None = None
) -> LeadershipEvent | None:
    """Write one leadership event (joined, role changed, left); nothing when the role is the
    same. Called by the membership services below, inside their transaction."""
    if from_role == to_role:
        return None
    return LeadershipEvent.objects.create(
        team_id=team_id,
        user=user,
        person_name=user.name,
        from_role=from_role,
        to_role=to_role,
        manager_change=LeadershipEvent.is_manager_change(from_role, to_role),
        actor=actor,
    )


@transaction.atomic
def membership_add(*, team: Team, user: User, role: str = Role.MEMBER, actor: User | None = None) -> Membership:
    """Add a person to a team; an existing membership keeps its role unless promoted."""
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if not created and role == Role.MANAGER and membership.role != Role.MANAGER:
        leadership_record(team_id=team.pk, user=user, from_role=membership.role, to_role=Role.MANAGER, actor=actor)
        membership.role = Role.MANAGER
        membership.save(update_fields=["role"])
    elif not created:
        return membership
    else:
        leadership_record(team_id=team.pk, user=user, from_role="", to_role=membership.role, actor=actor)
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
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            team=membership.team,
            target_user=membership.user,
            before={"role": membership.role},
            after={"role": role},
        )
    leadership_record(
        team_id=membership.team_id, user=membership.user, from_role=membership.role, to_role=role, actor=actor
    )
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
    leadership_record(
        team_id=membership.team_id, user=membership.user, from_role=membership.role, to_role="", actor=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.MEMBER_REMOVED,
        team=membership.team,
        target_user=membership.user,
        before={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def membership_change_check(*, membership: Membership, role: str | None = None) -> None:
    """Raise the ValidationError that membership_set_role (to `role`) or membership_remove
    (`role` None) would raise, changing nothing: the admin's forms ask before they save, so
    the refusal shows on the form instead of as an error page."""
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _ensure_another_manager(membership)


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
    audit_record(
        actor=invited_by,
        action=AuditAction.INVITATION_SENT,
        team=team,
        target_user=user,
        target_label=email,
        after={"email": email, "role": role},
    )
    if user is not None:
        before = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
        already = before is not None
        membership = membership_add(team=team, user=user, role=role, actor=invited_by)
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
    membership_add(team=invitation.team, user=user, role=invitation.role, actor=invitation.invited_by)
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
    membership = membership_add(team=invitation.team, user=user, role=invitation.role, actor=invitation.invited_by)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None = None) -> None:
    if invitation.is_pending:
        audit_record(
            actor=actor,
            action=AuditAction.INVITATION_REVOKED,
            team=invitation.team,
            target_label=invitation.email,
            before={"email": invitation.email, "role": invitation.role},
        )
        invitation.delete()
