"""The pages that read more than one app: the team page (with its "you said, we did" from
feedback) and the dashboards."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from accountability import exports, paging, permissions, selectors
from accountability.models import Membership, Role, Team
from accountability.navigation import remember_team
from checkins import permissions as checkin_permissions
from checkins import selectors as checkin_selectors
from feedback import selectors as feedback_selectors
from updates import selectors as update_selectors

from . import export, freshness, pages
from .range import MAX_WEEKS, SHORTCUTS, parse_range


def _get_team_for(user, slug: str, *, version_since: date | None = None) -> Team:
    # Annotated with the viewer's role, so the permission checks below need no more queries;
    # `version_since`: and with the fingerprint of its data (dashboard/freshness.py).
    teams = selectors.teams_with_viewer_role(user)
    if version_since is not None:
        teams = freshness.with_data_version(teams, since=version_since)
    team = get_object_or_404(teams, slug=slug)
    if not permissions.can_view_team(user, team):
        raise Http404
    return team


@login_required
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    remember_team(request, team)
    can_manage = permissions.can_manage_team(request.user, team)
    week = team.current_week()
    show_commitments = permissions.can_see_team_commitments(request.user, team)
    return render(
        request,
        "dashboard/team_detail.html",
        {
            "team": team,
            "memberships": selectors.team_memberships(team),
            "can_manage": can_manage,
            # The newest few; the People page has them all, a page at a time.
            "pending_invitations": (
                selectors.team_pending_invitations(team)[: selectors.INVITATIONS_PER_PAGE] if can_manage else []
            ),
            "week": week,
            "commitments": selectors.team_commitments(team=team, week=week) if show_commitments else None,
            "you_said_we_did": feedback_selectors.published_for_team(team)[:5],
            "thanks": update_selectors.recognitions_for_team(team=team),
            "team_updates": update_selectors.updates_for_team(team=team, user=request.user)[:3],
            "leadership": selectors.leadership_history(team=team, limit=10),
            # Answers to the team's shared check-in questions: for its own people only.
            "shared_answers": checkin_selectors.shared_answers(team=team, week=week)
            if checkin_permissions.can_see_shared_answers(request.user, team)
            else None,
        },
    )


def _get_dashboard_team_for(user, slug: str, *, version_since: date | None = None) -> Team:
    team = _get_team_for(user, slug, version_since=version_since)
    if not permissions.can_view_dashboard(user, team):
        raise Http404
    return team


def _range_context(team: Team, now=None) -> dict:
    return {"shortcuts": SHORTCUTS, "max_weeks": MAX_WEEKS, "current_week": team.current_week(now)}


@login_required
@require_safe
def team_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    since = freshness.earliest_start(request.GET, now.date())
    team = _get_dashboard_team_for(request.user, slug, version_since=since)
    remember_team(request, team)
    week_range, problem = parse_range(request.GET, current=team.current_week(now))
    individual = permissions.can_see_individuals_on_dashboard(request.user, team)
    people_page = request.GET.get("people")

    def compute() -> tuple[pages.TeamDashboard, str]:
        data = pages.team_dashboard(
            team=team, week_range=week_range, individual=individual, people_page=people_page, now=now
        )
        context = {"team": team, "dashboard": data, "range_problem": problem, **_range_context(team, now)}
        return data, render_to_string("dashboard/_dashboard_content.html", context)

    # The figures and their markup, computed once per version of the team's data. The markup
    # depends on nothing else of the request than its query string (no form with a CSRF token).
    data, content = freshness.cached(
        team=team,
        now=now,
        parts=(week_range.start, week_range.end, individual, people_page, request.GET.urlencode()),
        compute=compute,
    )
    return render(request, "dashboard/dashboard.html", {"team": team, "dashboard": data, "content": content})


@login_required
@require_safe
def team_dashboard_member(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _get_dashboard_team_for(request.user, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), team=team, user_id=user_id, role=Role.MEMBER
    )
    week_range, problem = parse_range(request.GET, current=team.current_week())
    data = pages.member_dashboard(
        team=team,
        membership=membership,
        week_range=week_range,
        individual=permissions.can_see_individuals_on_dashboard(request.user, team),
    )
    return render(
        request,
        "dashboard/dashboard_member.html",
        {
            "team": team,
            "person": membership.user,
            "dashboard": data,
            "range_problem": problem,
            **_range_context(team),
        },
    )


@login_required
@require_safe
def team_dashboard_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    team = _get_dashboard_team_for(request.user, slug)
    week_range, _ = parse_range(request.GET, current=team.current_week())
    data = pages.team_dashboard(
        team=team,
        week_range=week_range,
        individual=permissions.can_see_individuals_on_dashboard(request.user, team),
        needs=False,
    )
    filename = f"{team.slug}-{week_range.first.label}-{week_range.last.label}.csv"
    return StreamingHttpResponse(
        exports.csv_stream(export.csv_rows(data)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


# Each card counts its team's members week by week: twelve cards bound a page's work whatever
# the size of the organisation (bench/scale.py measures it at 10,000 teams).
OVERVIEW_PAGE_SIZE = 12


@login_required
@require_safe
def dashboard_overview(request: HttpRequest) -> HttpResponse:
    """One card per team someone manages (every team, for organisation admins), a page at a
    time, searchable by name: a page's figures are counted for its own teams only."""
    teams = selectors.dashboard_teams(request.user)
    page = paging.team_page(teams, request.GET, size=OVERVIEW_PAGE_SIZE, keep={"weeks": request.GET.get("weeks", "")})
    if not page.teams and not request.user.is_staff and not selectors.manages_any_team(request.user):
        raise Http404
    cards, problem = pages.overview(teams=page.teams, params=request.GET)
    # A search or a page turn through htmx replaces the results only.
    template = "dashboard/_overview_results.html" if _htmx(request) else "dashboard/dashboard_overview.html"
    return render(request, template, {"cards": cards, "page": page, "range_problem": problem, "shortcuts": SHORTCUTS})


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
