"""Webhook endpoints (organisation admins) and a team's chat channels (its managers): thin views
over the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accountability import permissions as core_permissions
from accountability import selectors as core_selectors
from accountability.forms import add_service_errors
from accountability.models import Team, User

from . import permissions, selectors, services
from .forms import ChannelForm, EndpointForm
from .models import TeamChannel, WebhookEndpoint


def _require_webhook_admin(user: User) -> None:
    if not permissions.can_manage_webhooks(user):
        raise Http404


def _get_endpoint_for(user: User, pk: int) -> WebhookEndpoint:
    _require_webhook_admin(user)
    return get_object_or_404(WebhookEndpoint.objects.select_related("team"), pk=pk)


def _get_team_for(user: User, slug: str) -> Team:
    team = get_object_or_404(core_selectors.teams_with_viewer_role(user), slug=slug)
    if not permissions.can_manage_channels(user, team):
        raise Http404
    return team


def _get_channel_for(user: User, team: Team, pk: int) -> TeamChannel:
    return get_object_or_404(TeamChannel, pk=pk, team=team)


def team_settings_panel(*, user: User, team: Team) -> dict | None:
    """The link on a team's settings page (accountability.registry): no query."""
    return {"team": team} if core_permissions.can_manage_team(user, team) else None


# --- Webhook endpoints ------------------------------------------------------------------------


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    """The endpoints, and the form to register one. A new endpoint's secret is shown once, on
    the page that answers the registration."""
    _require_webhook_admin(request.user)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _endpoint_page(request, endpoint, secret=secret, status=201)
    return render(
        request,
        "integrations/webhook_list.html",
        {"endpoints": selectors.endpoints(), "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _endpoint_page(request: HttpRequest, endpoint: WebhookEndpoint, *, secret: str = "", status: int = 200):
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "endpoint": endpoint,
            "secret": secret,
            "deliveries": selectors.deliveries(ref=endpoint.ref, page_number=request.GET.get("page")),
        },
        status=status,
    )


@login_required
@require_safe
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _endpoint_page(request, _get_endpoint_for(request.user, pk))


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for(request.user, pk)
    services.endpoint_send_test(actor=request.user, endpoint=endpoint)
    messages.success(request, "Test event queued: it appears below once delivered (or failed).")
    return redirect("webhook_detail", endpoint.pk)


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for(request.user, pk)
    secret = services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    return _endpoint_page(request, endpoint, secret=secret)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _get_endpoint_for(request.user, pk)
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, f"Webhook “{endpoint.name}” removed.")
    return redirect("webhook_list")


# --- Team channels ----------------------------------------------------------------------------


@login_required
def team_channels(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_connect(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Channel connected. Send a test message to check it arrives.")
            return redirect("team_channels", team.slug)
    channels = list(selectors.team_channels(team))
    recent = selectors.recent_deliveries(refs=[c.ref for c in channels])
    return render(
        request,
        "integrations/team_channels.html",
        {"team": team, "channels": [(c, recent.get(c.ref, [])) for c in channels], "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def team_channel_test(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    channel = _get_channel_for(request.user, team, pk)
    services.channel_send_test(actor=request.user, channel=channel)
    messages.success(request, f"Test message queued for {channel.name}.")
    return redirect("team_channels", team.slug)


@login_required
@require_POST
def team_channel_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    channel = _get_channel_for(request.user, team, pk)
    services.channel_disconnect(actor=request.user, channel=channel)
    messages.success(request, f"{channel.name} disconnected.")
    return redirect("team_channels", team.slug)
