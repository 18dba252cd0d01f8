"""The team a person is working in, remembered in their session for the navigation, and the
time zone pages are shown in."""

import zoneinfo

from django.http import HttpRequest
from django.utils import timezone

from .models import Team

CURRENT_TEAM_SESSION_KEY = "current_team_id"
CURRENT_TEAM_TZ_SESSION_KEY = "current_team_tz"


def remember_team(request: HttpRequest, team: Team) -> None:
    # The team switcher and the manager links follow the team last opened. Written only when
    # it changes: an unchanged session is not saved again.
    if request.session.get(CURRENT_TEAM_SESSION_KEY) != team.pk:
        request.session[CURRENT_TEAM_SESSION_KEY] = team.pk
    if request.session.get(CURRENT_TEAM_TZ_SESSION_KEY) != team.time_zone:
        request.session[CURRENT_TEAM_TZ_SESSION_KEY] = team.time_zone
        if not getattr(request.user, "time_zone", ""):
            timezone.activate(zoneinfo.ZoneInfo(team.time_zone))


def without_person(view):
    """For a view that answers the same whoever asks (/healthz): nobody's time zone is looked
    up for it, so it never reads the session, which lives in the database it may be reporting
    as down."""
    view.without_person = True
    return view


class TimeZoneMiddleware:
    """Show times in the person's own time zone, else in their current team's, else UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if getattr(view_func, "without_person", False):
            return
        name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user.time_zone or request.session.get(CURRENT_TEAM_TZ_SESSION_KEY)
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
