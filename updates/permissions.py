"""Who may post, read and answer updates, manage values, and give thanks.

* A team's updates: its managers post them (organisation admins too); its members, managers
  and organisation admins read them. Anyone else gets a 404.
* Organisation-wide updates (no team): organisation admins post them; everyone in the
  organisation (anyone in a team, or an admin) reads them.
* Read receipts are the author's only, and only as a count.
* Values: organisation admins define, reorder and retire them; everyone sees them.
* Thanks: anyone in the organisation gives them, to anyone else in it.
"""

from accountability import permissions as core
from accountability.models import Membership, Team, User

from .models import Update


def in_organisation(user: User) -> bool:
    return user.is_authenticated and (user.is_staff or Membership.objects.filter(user=user).exists())


def can_post_update(user: User, team: Team | None) -> bool:
    if not user.is_authenticated:
        return False
    if team is None:
        return user.is_staff
    return core.can_manage_team(user, team)


def can_view_update(user: User, update: Update) -> bool:
    if not user.is_authenticated:
        return False
    if update.team_id is None:
        return in_organisation(user)
    return core.can_view_team(user, update.team)


def can_see_read_count(user: User, update: Update) -> bool:
    return user.is_authenticated and update.author_id == user.pk


def can_manage_values(user: User) -> bool:
    return user.is_authenticated and user.is_staff


def can_give_thanks(user: User) -> bool:
    return in_organisation(user)
