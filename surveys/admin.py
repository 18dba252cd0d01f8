"""Pulse surveys in the Django admin: read-only. Rounds are closed for good, answers are never
tied to anyone, and no list counts the responses of a round whose results may not be shown."""

from django.contrib import admin

from accountability.admin import ReadOnlyAdmin

from . import selectors
from .models import SurveyQuestion, SurveyResponse, SurveyRound, SurveyTemplate


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    fields = ["position", "text", "kind", "choices", "strategy", "reverse_scored", "required"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "built_in", "created_by", "created_at"]
    readonly_fields = ["name", "description", "version", "previous", "built_in", "created_by", "created_at"]
    inlines = [SurveyQuestionInline]


@admin.register(SurveyRound)
class SurveyRoundAdmin(ReadOnlyAdmin):
    list_display = ["team", "template", "opens_at", "closes_at", "repeat_every_weeks", "closed"]
    list_filter = ["closed", "team"]
    readonly_fields = [
        "team",
        "template",
        "opens_at",
        "closes_at",
        "repeat_every_weeks",
        "created_by",
        "invited",
        "closed",
        "previous",
    ]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    """Answers by round only: no person, no time, and no invitation to compare with. Only the
    responses of rounds whose results may be shown (closed, at least the threshold): the list's
    count would otherwise tell how many answered a round still open, or one below the threshold."""

    list_display = ["id", "round"]
    list_filter = ["round__team"]
    readonly_fields = ["id", "round"]

    def get_queryset(self, request):
        visible = selectors.with_participation(SurveyRound.objects.all()).filter(results_visible=True).values("pk")
        return super().get_queryset(request).filter(round__in=visible)
