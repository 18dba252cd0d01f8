"""Who may call what. The API asks the apps' own permission modules (accountability.permissions,
surveys.permissions...) for every row it shows; this module adds only the token's scope."""

from rest_framework import permissions

from .models import AccessToken


class TokenScope(permissions.BasePermission):
    """Reads need any valid token; writes need a read-write one."""

    message = "This token is read-only: make a read-and-write token to change things."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken) or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or token.can_write
