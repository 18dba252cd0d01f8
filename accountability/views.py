import copy
import sys

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from . import health, paging, permissions, selectors, services, throttles
from .forms import (
    AbsenceForm,
    EmailPreferencesForm,
    InvitationAcceptForm,
    InviteForm,
    ProfileForm,
    RoleForm,
    TeamCreateForm,
    TeamSettingsForm,
    add_service_errors,
)
from .middleware import database_unavailable_response, is_database_unavailable, is_statement_timeout
from .models import Invitation, Membership, Team, User
from .navigation import CURRENT_TEAM_SESSION_KEY, remember_team, without_person
from .outbox import unsubscribe_read
from .registry import optional_kinds


def _get_team_for(user, slug: str) -> Team:
    # Annotated with the viewer's role, so the permission checks below need no more queries.
    team = get_object_or_404(selectors.teams_with_viewer_role(user), slug=slug)
    if not permissions.can_view_team(user, team):
        raise Http404
    return team


def _get_managed_team_for(user, slug: str) -> Team:
    team = _get_team_for(user, slug)
    if not permissions.can_manage_team(user, team):
        raise Http404
    return team


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Members start on "This week" of the team they last opened; people without a team (an
    organisation admin, say) see the list of teams."""
    mine = list(selectors.teams_for_user(request.user, member_only=True))
    if mine:
        current_id = request.session.get(CURRENT_TEAM_SESSION_KEY)
        team = next((t for t in mine if t.pk == current_id), mine[0])
        return redirect("this_week", slug=team.slug)
    return _team_directory(request, "accountability/home.html")


@login_required
@require_safe
def team_list(request: HttpRequest) -> HttpResponse:
    """Every team for organisation admins (their navigation's search box leads here), one's own
    teams for anyone else: a page at a time, searchable by name."""
    return _team_directory(request, "accountability/team_list.html")


def _team_directory(request: HttpRequest, template: str) -> HttpResponse:
    page = paging.team_page(selectors.teams_for_user(request.user), request.GET)
    if request.headers.get("HX-Request") == "true":
        template = "accountability/_team_directory.html"
    return render(request, template, {"page": page})


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_team(request.user):
        raise Http404
    form = TeamCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _invitation_throttled(request, form):
        data = form.cleaned_data
        try:
            team = services.team_create(
                name=data["name"],
                time_zone=data["time_zone"],
                created_by=request.user,
                first_manager_email=data["first_manager_email"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("team_detail", slug=team.slug)
    return render(request, "accountability/team_create.html", {"form": form})


@login_required
def team_settings(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    remember_team(request, team)
    # The form works on a copy: a rejected edit must not show up as the team's name on the page.
    form = TeamSettingsForm(request.POST or None, instance=copy.copy(team))
    if request.method == "POST" and form.is_valid():
        services.team_update(team=team, **{name: form.cleaned_data[name] for name in form.changed_data})
        messages.success(request, "Team settings saved.")
        return redirect("team_settings", slug=team.slug)
    return render(request, "accountability/team_settings.html", {"team": team, "form": form})


@login_required
def team_members(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    remember_team(request, team)
    return render(
        request,
        "accountability/team_members.html",
        {
            "team": team,
            # A page at a time: a team of 500 is not one list (managers come first).
            "memberships": Paginator(selectors.team_memberships(team), MEMBERS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "pending_invitations": selectors.team_pending_invitations(team),
            "invite_form": InviteForm(),
        },
    )


@login_required
def team_invite(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    remember_team(request, team)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _invitation_throttled(request, form):
        result = services.invitation_send(
            team=team, email=form.cleaned_data["email"], role=form.cleaned_data["role"], invited_by=request.user
        )
        email = form.cleaned_data["email"]
        if result.promoted:
            messages.success(request, f"{email} was already in {team.name} and is now a manager.")
        elif result.added_existing_user and result.resent:
            messages.info(request, f"{email} is already in {team.name}.")
        elif result.added_existing_user:
            messages.success(request, f"{email} already had an account and is now in {team.name}. We let them know.")
        elif result.resent:
            messages.success(request, f"{email} was already invited; we sent the invitation again.")
        else:
            messages.success(request, f"Invitation sent to {email}.")
        return redirect("team_members", slug=team.slug)
    status = 429 if form.has_error(NON_FIELD_ERRORS, "throttled") else 200
    return render(request, "accountability/team_invite.html", {"team": team, "form": form}, status=status)


def _invitation_throttled(request: HttpRequest, form) -> bool:
    """Counts one invitation from this person to the form's address; when a daily limit (per
    sender, or per invited address) is reached, says so on the form and sends nothing."""
    email = form.cleaned_data.get("email") or form.cleaned_data.get("first_manager_email")
    if not email or throttles.invitation_consume(request, email=email):
        return False
    wait = throttles.retry_after(request, action="invite", key=email.strip().lower(), user=request.user)
    form.add_error(
        None,
        ValidationError(
            "That's as many invitations as we send in a day, from one person or to one address, so "
            f"nothing was sent. Try again {throttles.retry_phrase(wait)}.",
            code="throttled",
        ),
    )
    return True


@login_required
@require_POST
def membership_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, team=team)
    form = RoleForm(request.POST, instance=membership)
    if not form.is_valid():
        messages.error(request, "Choose member or manager.")
    else:
        try:
            updated = services.membership_set_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user.name} is now a {updated.get_role_display().lower()}.")
            # `team` carries the role the viewer had before the change; updated.team is fresh.
            if updated.user_id == request.user.pk and not permissions.can_manage_team(request.user, updated.team):
                # They stepped down: the members page is no longer theirs to see.
                return redirect("team_detail", slug=team.slug)
    return redirect("team_members", slug=team.slug)


@login_required
@require_POST
def membership_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, team=team)
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.name} is no longer in {team.name}.")
        if membership.user_id == request.user.pk and not request.user.is_staff:
            return redirect("home")
    return redirect("team_members", slug=team.slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    invitation = get_object_or_404(Invitation, pk=invitation_id, team=team, accepted_at__isnull=True)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("team_members", slug=team.slug)


# The People page's rows a page (managers first, then members, by name).
MEMBERS_PER_PAGE = 50

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
    return render(request, "accountability/profile.html", {"form": form})


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
