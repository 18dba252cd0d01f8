"""Endpoints and channels in the Django admin. Secrets and channel URLs are never shown (a
chat webhook's URL is its credential); the delivery log is the outbox's admin, filtered by
transport, and each endpoint's page in the app."""

from django.contrib import admin

from accountability.admin import OrgAdminAccess

from .models import TeamChannel, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrgAdminAccess, admin.ModelAdmin):
    list_display = ["name", "url", "team", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    fields = ["name", "url", "events", "team", "active", "created_by", "created_at"]
    readonly_fields = ["url", "created_by", "created_at"]
    raw_id_fields = ["team"]

    def has_add_permission(self, request) -> bool:
        # Registering goes through the app's page: it checks the URL and shows the secret once.
        return False


@admin.register(TeamChannel)
class TeamChannelAdmin(OrgAdminAccess, admin.ModelAdmin):
    list_display = ["name", "kind", "team", "url_hint", "active", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "team__name"]
    fields = [
        "team",
        "kind",
        "name",
        "url_hint",
        "post_week_summary",
        "post_updates",
        "post_recognition",
        "post_meetings",
        "active",
        "created_by",
        "created_at",
    ]
    readonly_fields = ["team", "kind", "url_hint", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
