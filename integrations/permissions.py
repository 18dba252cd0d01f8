"""Who may connect what.

* Webhook endpoints (organisation-wide): organisation admins only.
* A team's chat channels: the team's managers, and organisation admins.
Anyone else gets a 404 from the views.
"""

from accountability import permissions as core
from accountability.models import Team, User

from .models import TeamChannel


def can_manage_webhooks(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def can_manage_channels(user: User, team: Team) -> bool:
    return core.can_manage_team(user, team)


def can_manage_channel(user: User, channel: TeamChannel) -> bool:
    return core.can_manage_team(user, channel.team)
