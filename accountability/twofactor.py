"""Who must use a second factor, whether they have one, and resetting it for someone who lost
theirs. The factors themselves (TOTP, recovery codes, security keys) are django-allauth's.

* Organisation admins (staff) must, and so must everyone who opens the Django admin.
* Managers must when MFA_REQUIRED_FOR_MANAGERS is on.
* Everyone else may.
"""

import logging

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from .models import Membership, Role, User

logger = logging.getLogger(__name__)

# Factors that prove something on their own; recovery codes only stand in for one.
PRIMARY_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_required(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return settings.MFA_REQUIRED_FOR_MANAGERS and Membership.objects.filter(user=user, role=Role.MANAGER).exists()


def is_enrolled(user: User) -> bool:
    # The signed-in person comes with the answer (accountability.backends); others are asked.
    known = getattr(user, "has_second_factor", None)
    if known is not None:
        return known
    return Authenticator.objects.filter(user_id=user.pk, type__in=PRIMARY_TYPES).exists()


def session_passed_second_factor(request: HttpRequest) -> bool:
    """This session's sign-in (or a later confirmation) included a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def may_reset(*, actor: User, user: User) -> bool:
    """Superusers, and those given the permission to delete authenticators, reset anyone's but
    a superuser's; only a superuser resets a superuser's."""
    if not actor.has_perm("mfa.delete_authenticator"):
        return False
    return actor.is_superuser or not user.is_superuser


@transaction.atomic
def twofactor_reset(*, user: User, actor: User) -> int:
    """Remove every factor of someone who lost theirs (phone and recovery codes); they sign in
    with their password and, if their role needs it, set up a new one straight away."""
    if not may_reset(actor=actor, user=user):
        raise PermissionDenied
    deleted, _ = Authenticator.objects.filter(user=user).delete()
    logger.info("Two-factor reset for user %s by user %s", user.pk, actor.pk)
    return deleted
