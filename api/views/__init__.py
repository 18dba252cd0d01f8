from .pages import calendar_feed, calendar_regenerate, calendar_revoke, docs, token_create, token_revoke

__all__ = ["calendar_feed", "calendar_regenerate", "calendar_revoke", "docs", "token_create", "token_revoke"]
