from .pages import api_not_found, calendar_feed, calendar_regenerate, calendar_revoke, docs, token_create, token_revoke

__all__ = [
    "api_not_found",
    "calendar_feed",
    "calendar_regenerate",
    "calendar_revoke",
    "docs",
    "token_create",
    "token_revoke",
]
