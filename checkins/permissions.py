"""Who may do what with a team's check-in questions and see which answers. The check-in itself
is the core's rule (accountability.permissions.can_view_checkin: its member and the team's
managers); these add the questions."""

from accountability import permissions as core_permissions
from accountability.models import Team, User


def can_edit_questions(user: User, team: Team) -> bool:
    """The team's managers and organisation admins shape its check-in."""
    return core_permissions.can_manage_team(user, team)


def can_keep_question_template(user: User) -> bool:
    """Organisation templates are the organisation admins' to keep."""
    return user.is_authenticated and user.is_staff


def can_see_shared_answers(user: User, team: Team) -> bool:
    """Shared answers are for the team's own people (any role), like open commitments; not for
    organisation admins outside the team, who see figures only."""
    return core_permissions.role_in(user, team) is not None


def can_read_text_answers(user: User, team: Team) -> bool:
    """Text answers, person by person, on the dashboard: the team's managers only (an admin's
    view of a team is its figures)."""
    return core_permissions.can_see_individuals_on_dashboard(user, team)
