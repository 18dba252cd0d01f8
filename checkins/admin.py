"""Organisation templates of check-in questions in the Django admin: renamed, described or
deleted here. Their questions are kept from a team's set on its questions page (the service
checks them there), so they are read-only here."""

from django.contrib import admin

from .models import QuestionTemplate


@admin.register(QuestionTemplate)
class QuestionTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "created_by", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["questions", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        # Made from a team's questions ("Keep as a template" on the team's questions page).
        return False
