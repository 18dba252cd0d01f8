"""Who may see and run a team's pulse surveys. Views, selectors and services all ask here.

Answering needs no permission check: the single-use link is the permission (views.survey_answer).
"""

from django.core.exceptions import ValidationError

from accountability.models import Role, Team, User
from accountability.permissions import role_in


def can_view_surveys(user: User, team: Team) -> bool:
    """A team's survey rounds, their participation counts and their results (when there are
    enough answers to show): its managers, and the organisation's admins."""
    return user.is_authenticated and (user.is_staff or role_in(user, team) == Role.MANAGER)


def can_run_surveys(user: User, team: Team) -> bool:
    """Scheduling, closing and cancelling rounds, and writing templates: the team's own
    managers (as services.round_schedule and friends insist, through require_can_run_surveys)."""
    return user.is_authenticated and role_in(user, team) == Role.MANAGER


def require_can_run_surveys(user: User, team: Team) -> None:
    """For services: the same rule as can_run_surveys, refused as a validation error."""
    if not can_run_surveys(user, team):
        raise ValidationError("Only the team's managers can do that.")
