"""Sign-in policy in force on every request: the Django admin behind the app's own sign-in and a
second factor, two-factor enrolment for those who must have it, and private pages kept out of
caches."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode

from . import twofactor


class SecureAdminSite(admin.AdminSite):
    """The Django admin, open only to active staff whose session passed a second factor.

    Its own sign-in form is never used: /admin/login/ sends people to the app's sign-in (with
    its throttles and the two-factor step), or, once signed in, to set up or confirm a second
    factor."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and twofactor.session_passed_second_factor(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return _redirect("account_login", next_url)
        if not (user.is_active and user.is_staff):
            messages.error(request, "The admin is for organisation admins.")
            return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
        if not twofactor.is_enrolled(user):
            messages.info(request, "Set up two-factor authentication to open the admin.")
            return _redirect("mfa_activate_totp", next_url)
        # Enrolled, but this session was opened without it (before enrolling, say): confirm.
        return _redirect("mfa_reauthenticate", next_url)


def _redirect(url_name: str, next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


class TwoFactorRequiredMiddleware:
    """Organisation admins (and managers, with MFA_REQUIRED_FOR_MANAGERS) without a second
    factor can open only the pages that set one up, and sign out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # The path first: an exempt request (/healthz) never loads the user from the session,
        # which lives in the database it may be reporting as down.
        if (
            not _exempt(request.path_info)
            and user is not None
            and user.is_authenticated
            and twofactor.is_required(user)
            and not twofactor.is_enrolled(user)
        ):
            if request.method == "GET":
                messages.info(
                    request,
                    "Your role needs two-factor authentication. Set it up now: it takes a minute "
                    "with an authenticator app.",
                )
            return _redirect("mfa_activate_totp", request.get_full_path())
        return self.get_response(request)


def _exempt(path: str) -> bool:
    """Setting up a factor, the sign-in steps, signing out, static files and health."""
    return path.startswith(
        (
            "/accounts/2fa/",
            "/accounts/login/",
            "/accounts/logout/",
            "/accounts/reauthenticate/",
            "/" + settings.STATIC_URL.lstrip("/"),
            "/healthz",
        )
    )


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every page the app renders: signed-in pages show
    moods, blockers and feedback, and the pages reached by a secret link (invitations, resets,
    survey answers, follow-up codes) show what the key opens, so none may stay in a browser's
    or a shared cache. The few public pages (sign-in, health) gain nothing from caching either.
    Static files never reach here (WhiteNoise answers them first, with long cache lifetimes).
    A view that already forbids storing (never_cache, the CSV exports) keeps its header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response
