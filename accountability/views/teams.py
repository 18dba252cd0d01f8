"""Home and the team pages: the directory, creating a team, its settings, people, invitations, roles."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from .. import paging, permissions, registry, selectors, services, throttles
from ..forms import (
    InviteForm,
    RoleForm,
    TeamCreateForm,
    TeamSettingsForm,
)
from ..models import Invitation, Membership, Team
from ..navigation import CURRENT_TEAM_SESSION_KEY, remember_team


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
        services.team_update(
            team=team, actor=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, "Team settings saved.")
        return redirect("team_settings", slug=team.slug)
    return render(
        request,
        "accountability/team_settings.html",
        {"team": team, "form": form, "panels": registry.team_settings_panels(user=request.user, team=team)},
    )


@login_required
def team_members(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_managed_team_for(request.user, slug)
    remember_team(request, team)
    invited_before = request.GET.get("invited_before")
    invitations, next_invited_before = selectors.team_pending_invitations_page(team, before=invited_before)
    return render(
        request,
        "accountability/team_members.html",
        {
            "team": team,
            # A page at a time: a team of 500 is not one list (managers come first).
            "memberships": Paginator(selectors.team_memberships(team), MEMBERS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
            # Newest first, a page at a time (keyset: no count).
            "pending_invitations": invitations,
            "next_invited_before": next_invited_before,
            "invitations_paged": bool(invited_before),
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
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("team_members", slug=team.slug)


# The People page's rows a page (managers first, then members, by name).
MEMBERS_PER_PAGE = 50
