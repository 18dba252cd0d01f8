"""Who may see and do what with teams. Views, selectors and templates all ask here.

Organisation admins (`is_staff`) manage every team; a team's managers manage theirs; members
see their own team. Anyone else gets a 404 from the views, never a hint that a team exists.
"""

from .models import Membership, Role, Team, User


def role_in(user: User, team: Team) -> str | None:
    if not user.is_authenticated:
        return None
    # Views that already loaded the user's memberships pass them through `team.viewer_role`.
    cached = getattr(team, "viewer_role", ...)
    if cached is not ...:
        return cached
    return Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()


def can_view_team(user: User, team: Team) -> bool:
    return user.is_authenticated and (user.is_staff or role_in(user, team) is not None)


def can_manage_team(user: User, team: Team) -> bool:
    return user.is_authenticated and (user.is_staff or role_in(user, team) == Role.MANAGER)


def can_create_team(user: User) -> bool:
    return user.is_authenticated and user.is_staff


def can_manage_any_team(user: User) -> bool:
    return user.is_authenticated and (
        user.is_staff or Membership.objects.filter(user=user, role=Role.MANAGER).exists()
    )
