"""Who may handle anonymous feedback. Views, selectors and services all ask here.

The writer has no permission to check: they hold a follow-up code, and the code is the only
key to their conversation (see views.follow_up). Everything here is about the people who
answer: a team's managers, and the organisation's admins for what was routed to them.
"""

from accountability.models import Membership, Role, User

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
