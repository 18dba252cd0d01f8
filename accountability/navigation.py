"""The team a person is working in, remembered in their session for the navigation."""

from django.http import HttpRequest

from .models import Team

CURRENT_TEAM_SESSION_KEY = "current_team_id"


def remember_team(request: HttpRequest, team: Team) -> None:
    # The team switcher and the manager links follow the team last opened. Written only when
    # it changes: an unchanged session is not saved again.
    if request.session.get(CURRENT_TEAM_SESSION_KEY) != team.pk:
        request.session[CURRENT_TEAM_SESSION_KEY] = team.pk
