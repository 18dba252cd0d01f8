"""django-allauth, fitted to this app: sign-in by email with throttles whose message says when
to try again, password resets through the outbox, single sign-on that creates accounts only for
invited addresses or allowed domains, and two-factor seeds sealed at rest."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from . import sealing, services, throttles, twofactor

# A `next` to one of these would send a signed-in person back where they are.
SIGN_IN_PAGES = ("account_login", "account_signup", "account_logout")

LOCKED_OUT = (
    "Too many failed sign-in attempts for this account or from your network, so sign-in is paused. "
    "Try again {when}. Forgot your password? Resetting it works now and lifts the pause for your account."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": (
            "That email and password don't match an account. Check the password (it is case-sensitive)."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # No public sign-up: people join by invitation (or by single sign-on, see below).
        return False

    def is_safe_url(self, url: str) -> bool:
        """Another site is never a safe `next`; nor is a sign-in page: someone signed in who is
        sent there is sent on to `next` again, round and round (and Django's own view answered
        that with a 500)."""
        if not super().is_safe_url(url):
            return False
        path = urlsplit(url).path
        return not any(path.startswith(reverse(name)) for name in SIGN_IN_PAGES)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        # allauth prefixes the host name; one account is one account whichever host name the
        # request used, so its failures count together.
        return "login:" + str(credentials.get("email", credentials.get("username", ""))).strip().lower()

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            wait = throttles.retry_after(
                request, action="login_failed", key=self._get_login_attempts_cache_key(request, **credentials)
            )
            raise forms.ValidationError(
                LOCKED_OUT.format(when=throttles.retry_phrase(wait)), code="too_many_login_attempts"
            ) from None

    def login_lock_lift(self, request: HttpRequest, *, email: str) -> None:
        """After a successful password reset: the account's failures no longer count (the
        address's do: a reset proves the mailbox, not the network)."""
        self._delete_login_attempts_cached_email(request, email=email)

    def get_reset_password_from_key_url(self, key: str) -> str:
        # Links in emails start at SITE_URL, never at whatever Host header the request carried.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", key)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        services.password_reset_queue(user=user, url=context["password_reset_url"])


class SingleSignOnAdapter(DefaultSocialAccountAdapter):
    """Accounts from the organisation's OpenID Connect provider. An address with an account signs
    in as it; a new account is made only for an address with a pending invitation or in one of
    SSO_ALLOWED_DOMAINS, and it joins the teams it was invited to."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return services.sso_signup_allowed(email=sociallogin.user.email or "")

    def populate_user(self, request: HttpRequest, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        user.display_name = (data.get("name") or "").strip()[:150]
        return user

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        services.invitations_accept_on_sign_up(user=user)
        return user


class TwoFactorAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return settings.SITE_NAME

    def encrypt(self, text: str) -> str:
        return sealing.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return sealing.unseal(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Those whose role needs a second factor keep at least one."""
        user = authenticator.user
        if authenticator.type not in twofactor.PRIMARY_TYPES or not twofactor.is_required(user):
            return True
        others = Authenticator.objects.filter(user=user, type__in=twofactor.PRIMARY_TYPES).exclude(pk=authenticator.pk)
        return others.exists()
