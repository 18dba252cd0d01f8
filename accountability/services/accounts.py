"""Accounts: profiles, password resets, single sign-on, email preferences and time away."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import emails
from ..models import (
    Absence,
    Invitation,
    Membership,
    OutboundEmail,
    User,
)
from ..outbox import unsubscribe_read
from ..registry import optional_kinds
from .teams import invitation_accept_as

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
