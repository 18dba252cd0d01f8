"""Who may see and do what with meetings. Views, selectors and templates ask here.

* A one-to-one is seen by its two people only: not teammates, not the team's other managers,
  not organisation admins (a 404 for everyone else, never a hint it exists). Its history stays
  with both after one of them leaves the team.
* Private notes: their writer only (the views never load anyone else's).
* A team meeting is seen by the people in the team; its agenda takes points from any of them;
  recording it (held, moved, skipped, notes, decisions, action items) is for its managers.
"""

from accountability.models import Role, User
from accountability.permissions import role_in

from .models import Series


def can_view_series(user: User, series: Series) -> bool:
    if not user.is_authenticated:
        return False
    if series.is_one_to_one:
        return user.pk in (series.manager_id, series.member_id)
    return role_in(user, series.team) is not None


def can_add_points(user: User, series: Series) -> bool:
    return series.is_running and can_view_series(user, series)


def can_record(user: User, series: Series) -> bool:
    """Held, moved, skipped, shared notes and action items."""
    if not series.is_running or not user.is_authenticated:
        return False
    if series.is_one_to_one:
        return user.pk in (series.manager_id, series.member_id)
    return role_in(user, series.team) == Role.MANAGER


def can_change_series(user: User, series: Series) -> bool:
    """The cadence, ending it: the two people of a one-to-one; a team meeting's managers."""
    return can_record(user, series)
