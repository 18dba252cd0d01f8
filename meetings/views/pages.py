"""The meetings pages: the index (start a one-to-one), the team's meeting, a series, its ICS."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accountability import selectors as core_selectors
from accountability.forms import add_service_errors
from accountability.models import Membership, Role, User
from accountability.weeks import week_range

from .. import ics, selectors, services
from ..forms import (
    CadenceForm,
    StartForm,
)
from ..models import Kind, Series
from .common import _get_series_for, _render_series, _series_url, _title


@login_required
def index(request: HttpRequest) -> HttpResponse:
    people = selectors.series_people_choices(request.user)
    form = StartForm(request.POST or None, people=people) if people else None
    if request.method == "POST":
        if form is None:
            raise Http404("Nobody to meet")
        if form.is_valid():
            team_id, user_id = (int(x) for x in form.cleaned_data["other"].split(":"))
            team = next(team for team, _ in people if team.pk == team_id)
            other = get_object_or_404(User, pk=user_id)
            try:
                series = services.series_start(
                    team=team,
                    actor=request.user,
                    other=other,
                    cadence=form.cleaned_data["cadence"],
                    weekday=form.cleaned_data["weekday"],
                    local_time=form.cleaned_data["local_time"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"One-to-one with {other.name} planned. Add a first talking point?")
                return redirect(_series_url(series))
    all_series = selectors.series_for_user(request.user)
    managed = [ms.team for ms in Membership.objects.filter(user=request.user, role=Role.MANAGER).select_related("team")]
    return render(
        request,
        "meetings/index.html",
        {
            "one_to_ones": [s for s in all_series if s.kind == Kind.ONE_TO_ONE],
            "team_series": [s for s in all_series if s.kind == Kind.TEAM],
            "form": form,
            "managed_teams": managed,
            # Per manager, for the teams this person manages (counts, never content): a query a team.
            "held_by_manager": [
                (team, selectors.one_to_ones_by_manager(team=team, weeks=week_range(team.current_week(), 12)))
                for team in managed
            ],
        },
        status=422 if form is not None and form.errors else 200,
    )


@login_required
def team_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's meeting: its page if one is planned; otherwise its managers plan one."""
    team = get_object_or_404(
        core_selectors.teams_with_viewer_role(request.user).filter(viewer_role__isnull=False), slug=slug
    )
    running = Series.objects.filter(kind=Kind.TEAM, team=team, ended_at__isnull=True).first()
    if running is not None and request.method != "POST":
        return redirect(_series_url(running))
    form = CadenceForm(request.POST or None)
    if request.method == "POST":
        if team.viewer_role != Role.MANAGER:
            raise Http404("Only managers plan team meetings")
        if form.is_valid():
            try:
                series = services.team_series_start(team=team, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Team meeting planned. Everyone in the team can add agenda points.")
                return redirect(_series_url(series))
    return render(
        request,
        "meetings/team.html",
        {"team": team, "form": form, "can_plan": team.viewer_role == Role.MANAGER},
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def series_page(request: HttpRequest, series_id: int, meeting_id: int | None = None) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    return _render_series(request, series, meeting_id)


@login_required
@require_GET
def calendar(request: HttpRequest, series_id: int) -> HttpResponse:
    """The series as an ICS file: signed in, and only for who may see the series."""
    series = _get_series_for(request.user, series_id)
    meetings = list(series.meetings.order_by("starts_at"))
    body = ics.series_calendar(series=series, meetings=meetings, title=_title(series, request.user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meetings-{series.pk}.ics"'
    return response
