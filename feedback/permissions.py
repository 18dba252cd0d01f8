"""Who may handle anonymous feedback. Views, selectors and services all ask here.

The writer has no permission to check: they hold a follow-up code, and the code is the only
key to their conversation (see views.follow_up). Everything here is about the people who
answer: a team's managers, and the organisation's admins for what was routed to them.
"""

from accountability.models import Membership, Role, Team, User
from accountability.permissions import role_in

from .models import FeedbackThread


def can_use_inbox(user: User) -> bool:
    """Managers of any team, and the organisation's admins (who receive feedback for teams too
    small for their members to stay anonymous)."""
    return user.is_authenticated and (user.is_staff or Membership.objects.filter(user=user, role=Role.MANAGER).exists())


def can_handle(user: User, thread: FeedbackThread) -> bool:
    """The team's managers handle its feedback; the organisation's admins handle what was
    routed to them. Nobody else, not even an admin, for a thread that went to a team's
    managers: it was written for them. And nobody before the daily release shows it to them."""
    if not user.is_authenticated or thread.released_on is None:
        return False
    if thread.to_admins:
        return user.is_staff
    return Membership.objects.filter(user=user, team_id=thread.team_id, role=Role.MANAGER).exists()


# --- Pulse surveys -----------------------------------------------------------------------------
# Answering needs no permission check: the single-use link is the permission (views.survey_answer).


def can_view_surveys(user: User, team: Team) -> bool:
    """A team's survey rounds, their participation counts and their results (when there are
    enough answers to show): its managers, and the organisation's admins."""
    return user.is_authenticated and (user.is_staff or role_in(user, team) == Role.MANAGER)


def can_run_surveys(user: User, team: Team) -> bool:
    """Scheduling, closing and cancelling rounds, and writing templates: the team's own
    managers (as services.round_schedule and friends insist)."""
    return user.is_authenticated and role_in(user, team) == Role.MANAGER
