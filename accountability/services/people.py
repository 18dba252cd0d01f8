"""Leaving: an organisation admin deactivates or deletes a person.

* Deactivating keeps everything: the person can no longer sign in and gets no email (every
  dispatcher and the outbox skip inactive accounts), their history stays in the figures.
* Deleting removes what the person wrote about themselves (each app's registered `erase`:
  check-in answers, reflections, replies, private notes...), their address, name, time away,
  preferences and exports, and keeps the account row as "former member" with its memberships,
  so every team figure already shown stays the same (tests/accountability/test_leaving.py).

Neither may leave a team without an active manager.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q

from .. import registry
from ..models import (
    Absence,
    AuditAction,
    CommitmentEvent,
    DataExport,
    Invitation,
    LeadershipEvent,
    Membership,
    Role,
    User,
)
from .audit import audit_record

FORMER_MEMBER = "former member"
FORMER_MEMBER_DOMAIN = "former-member.invalid"


def is_former_member(user: User) -> bool:
    return user.email.endswith("@" + FORMER_MEMBER_DOMAIN)


def _ensure_not_last_manager(user: User) -> None:
    """Refuse when `user` is the only active manager of a team. One query, however many teams."""
    teams = (
        Membership.objects.filter(user=user, role=Role.MANAGER)
        .annotate(
            others=Count(
                "team__memberships",
                filter=Q(team__memberships__role=Role.MANAGER, team__memberships__user__is_active=True)
                & ~Q(team__memberships__user=user),
            )
        )
        .filter(others=0)
        .values_list("team__name", flat=True)
    )
    names = sorted(teams)
    if names:
        raise ValidationError(
            f"{user.name} is the only manager of {', '.join(names)}. Appoint another manager there first, "
            "so the team is never left without one."
        )


def _lock(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def person_deactivate(*, user: User, actor: User) -> User:
    """Stop sign-in and email, keep everything else."""
    user = _lock(user)
    if user.pk == actor.pk:
        raise ValidationError("You can't deactivate your own account. Ask another organisation admin.")
    if not user.is_active:
        return user
    _ensure_not_last_manager(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_DEACTIVATED,
        target_user=user,
        before={"active": True},
        after={"active": False},
    )
    return user


@transaction.atomic
def person_reactivate(*, user: User, actor: User) -> User:
    user = _lock(user)
    if user.is_active:
        return user
    if is_former_member(user):
        raise ValidationError("This account was deleted; it cannot be reactivated. Invite the person again.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.PERSON_REACTIVATED,
        target_user=user,
        before={"active": False},
        after={"active": True},
    )
    return user


@transaction.atomic
def person_delete(*, user: User, actor: User) -> User:
    """Delete a person's personal data and keep the rows team figures need, as "former member".

    Removed: name, address, password, two-factor and sign-in records, time away, email
    preferences, pending invitations to the address, data exports, and what each app's `erase`
    removes (registry.personal_data). Kept: the account row (inactive, "former member"), its
    memberships and roles, moods, commitment statuses and dates, counts, leadership history
    (under "former member")."""
    user = _lock(user)
    if user.pk == actor.pk:
        raise ValidationError("You can't delete your own account here. Ask another organisation admin.")
    if is_former_member(user):
        return user
    _ensure_not_last_manager(user)
    old_email = user.email
    for holder in registry.personal_data():
        if holder.erase is not None:
            holder.erase(user)
    for export in DataExport.objects.filter(user=user):
        if export.file:
            export.file.delete(save=False)
    DataExport.objects.filter(user=user).delete()
    Absence.objects.filter(user=user).delete()
    Invitation.objects.filter(email__iexact=old_email, accepted_at__isnull=True).delete()
    LeadershipEvent.objects.filter(user=user).update(person_name=FORMER_MEMBER)
    CommitmentEvent.objects.filter(actor=user).exclude(note="").update(note="")
    _forget_sign_in(user)
    user.email = f"former-{uuid.uuid4().hex}@{FORMER_MEMBER_DOMAIN}"
    user.display_name = FORMER_MEMBER
    user.time_zone = ""
    user.email_opt_outs = []
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    audit_record(actor=actor, action=AuditAction.PERSON_DELETED, target_user=user, target_label=FORMER_MEMBER)
    return user


def _forget_sign_in(user: User) -> None:
    """allauth's addresses, two-factor authenticators and linked single sign-on accounts."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
