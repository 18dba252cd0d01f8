"""The core's pages, one module per area; urls.py and the error handlers import them from here."""

from .account import (
    email_preferences,
    error_403,
    error_404,
    error_500,
    healthz,
    invitation_accept,
    profile,
    unsubscribe,
)
from .teams import (
    MEMBERS_PER_PAGE,
    home,
    invitation_revoke,
    membership_remove,
    membership_role,
    team_create,
    team_invite,
    team_list,
    team_members,
    team_settings,
)

__all__ = [
    "MEMBERS_PER_PAGE",
    "email_preferences",
    "error_403",
    "error_404",
    "error_500",
    "healthz",
    "home",
    "invitation_accept",
    "invitation_revoke",
    "membership_remove",
    "membership_role",
    "profile",
    "team_create",
    "team_invite",
    "team_list",
    "team_members",
    "team_settings",
    "unsubscribe",
]
