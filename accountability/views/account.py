"""A person's own pages: profile, email preferences, accepting an invitation; errors and health."""

import sys

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from .. import health, registry, selectors, services
from ..forms import (
    AbsenceForm,
    EmailPreferencesForm,
    InvitationAcceptForm,
    ProfileForm,
    add_service_errors,
)
from ..middleware import database_unavailable_response, is_database_unavailable, is_statement_timeout
from ..models import User
from ..navigation import without_person
from ..outbox import unsubscribe_read
from ..registry import optional_kinds

INVITATION_PROBLEMS = {
    "expired": "This invitation link has expired. Ask the person who invited you to send a new one.",
    "invalid": "This invitation link is not valid. Check that you copied the whole link from the email.",
    "used": "This invitation has already been accepted. Sign in with your email address and password.",
    "other-account": "This invitation is for another email address. Sign out first, then open the link again.",
}


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid as exc:
        return render(
            request, "accountability/invitation_invalid.html", {"problem": INVITATION_PROBLEMS[exc.reason]}, status=410
        )

    existing_account = services.account_exists(email=invitation.email)
    if existing_account:
        # The address has an account already: join by signing in as it, never by a new password.
        if not request.user.is_authenticated:
            messages.info(request, f"Sign in as {invitation.email} to join {invitation.team.name}.")
            return redirect_to_login(request.get_full_path())
        if request.user.email.lower() != invitation.email.lower():
            # Say so at once rather than offer a "Join" button that can only fail.
            return render(
                request,
                "accountability/invitation_invalid.html",
                {"problem": INVITATION_PROBLEMS["other-account"]},
                status=403,
            )
        if request.method == "POST":
            try:
                services.invitation_accept_as(invitation=invitation, user=request.user)
            except services.InvitationInvalid as exc:
                messages.error(request, INVITATION_PROBLEMS[exc.reason])
                return redirect("home")
            messages.success(request, f"Welcome to {invitation.team.name}.")
            return redirect("team_detail", slug=invitation.team.slug)
        return render(request, "accountability/invitation_join.html", {"invitation": invitation})

    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationInvalid as exc:
            return render(
                request,
                "accountability/invitation_invalid.html",
                {"problem": INVITATION_PROBLEMS[exc.reason]},
                status=410,
            )
        login(request, user, backend="accountability.backends.AuthenticationBackend")
        messages.success(request, f"Welcome to {invitation.team.name}, {user.name}.")
        return redirect("team_detail", slug=invitation.team.slug)
    return render(request, "accountability/invitation_accept.html", {"invitation": invitation, "form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(
        request,
        "accountability/profile.html",
        {"form": form, "profile_panels": registry.profile_panels(user=request.user)},
    )


@without_person
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_ok(connection)
    broker = health.broker_ok(use_cache=False)
    status = 200 if database and broker else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "degraded",
            "database": "ok" if database else "unreachable",
            "broker": "ok" if broker else "unreachable",
        },
        status=status,
    )


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception. A lost database connection outside a view
    # (reading the session in a middleware) arrives here, not in DatabaseUnavailableMiddleware.
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc) or is_statement_timeout(exc):
        return database_unavailable_response(request, exc)
    # No context processors that touch the database: the database may be why we are here.
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


@login_required
def email_preferences(request: HttpRequest) -> HttpResponse:
    """Which optional emails to receive, and when one is away (no reminders, weeks left out
    of the metrics)."""
    user = request.user
    form = EmailPreferencesForm(request.POST or None, user=user, prefix="prefs")
    absence_form = AbsenceForm(prefix="away")
    if request.method == "POST" and "prefs-submit" in request.POST and form.is_valid():
        services.email_preferences_update(user=user, opt_outs=form.opt_outs())
        messages.success(request, "Email preferences saved.")
        return redirect("email_preferences")
    if request.method == "POST" and "away-submit" in request.POST:
        absence_form = AbsenceForm(request.POST, prefix="away")
        if absence_form.is_valid():
            try:
                services.absence_add(user=user, **absence_form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(absence_form, exc)
            else:
                messages.success(request, "Saved. No reminders while you're away.")
                return redirect("email_preferences")
    if request.method == "POST" and "away-remove" in request.POST:
        try:
            services.absence_remove(user=user, absence_id=int(request.POST["away-remove"]))
        except ValueError:
            pass
        messages.success(request, "Removed.")
        return redirect("email_preferences")
    return render(
        request,
        "accountability/email_preferences.html",
        {
            "form": form,
            "absence_form": absence_form,
            "absences": user.absences.filter(ends_on__gte=timezone.localdate()).order_by("starts_on"),
        },
    )


@csrf_exempt
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in optional emails. A POST turns the kind off; a GET only asks (so link scanners
    change nothing), or says it is done once it is. The signed token is the permission: no
    sign-in needed.

    The button here is answered with a redirect to the same link (post/redirect/get). The mail
    client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) is answered with the page
    itself, as before: nobody sees that answer, and a redirect would only have the mail client
    fetch a page nobody reads."""
    try:
        user_id, kind = unsubscribe_read(token)
    except signing.BadSignature:
        return render(request, "accountability/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        try:
            services.email_unsubscribe(token=token)
        except User.DoesNotExist:
            return render(request, "accountability/unsubscribe.html", {"invalid": True}, status=404)
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return redirect("unsubscribe", token=token)
        return render(request, "accountability/unsubscribe.html", {"done": True, "what": optional_kinds()[kind]})
    opted_out = selectors.email_opted_out(user_id=user_id, kind=kind)
    if opted_out is None:
        return render(request, "accountability/unsubscribe.html", {"invalid": True}, status=404)
    return render(request, "accountability/unsubscribe.html", {"done": opted_out, "what": optional_kinds()[kind]})
