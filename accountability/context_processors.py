from django.conf import settings

from . import health, selectors
from .navigation import CURRENT_TEAM_SESSION_KEY


def navigation(request) -> dict:
    """The site's name; for a signed-in person their teams (the team switcher) and whether
    email delivery is paused."""
    context = {"site_name": settings.SITE_NAME, "password_sign_in": settings.PASSWORD_SIGN_IN}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    nav_teams = list(selectors.teams_for_user(user, member_only=True))
    current_id = request.session.get(CURRENT_TEAM_SESSION_KEY)
    current = next((t for t in nav_teams if t.pk == current_id), nav_teams[0] if nav_teams else None)
    managed = sum(1 for t in nav_teams if t.viewer_role == "manager")
    manages = managed > 0
    context.update(
        nav_teams=nav_teams,
        nav_current_team=current,
        nav_manages=manages,
        nav_manages_several=managed > 1,
        # Managers and admins send invitations; tell them plainly when email is held back.
        email_paused=(manages or user.is_staff) and not health.broker_ok(),
    )
    return context
