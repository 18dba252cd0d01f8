"""What the managers' survey pages share: finding a team or round the person may see (404
otherwise), and saying a moment in the team's time."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accountability import selectors as accountability_selectors
from accountability.models import Team

from .. import permissions
from ..models import SurveyRound


def get_survey_team_for(user, slug: str, *, run: bool = False) -> Team:
    """The team, if this person may see its surveys (or, with `run`, run them): 404 otherwise."""
    team = get_object_or_404(accountability_selectors.teams_with_viewer_role(user), slug=slug)
    allowed = permissions.can_run_surveys if run else permissions.can_view_surveys
    if not allowed(user, team):
        raise Http404
    return team


def get_round_for(user, round_id: int, *, run: bool = False) -> SurveyRound:
    round = get_object_or_404(SurveyRound.objects.select_related("team", "template"), pk=round_id)
    allowed = permissions.can_run_surveys if run else permissions.can_view_surveys
    if not allowed(user, round.team):
        raise Http404
    return round


def moment(instant, team: Team) -> str:
    """ "Monday 2 March at 09:00 (Europe/London)": a moment in the team's time, with its zone."""
    local = instant.astimezone(team.tz)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({team.time_zone})"


def charts_json(chart) -> dict:
    return {chart.key: chart.config} if chart else {}
