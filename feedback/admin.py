"""Anonymous feedback in the Django admin: read-only, showing no identity beyond a signature
the writer chose to give, and only what the daily release has shown (feedback/models.py): the
admin is a reader too, and must not watch feedback arrive."""

from django.contrib import admin

from accountability.admin import ReadOnlyAdmin

from .models import FeedbackMessage, FeedbackThread


class FeedbackMessageInline(admin.TabularInline):
    model = FeedbackMessage
    fields = ["position", "author_kind", "manager", "body", "created_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(released_on__isnull=False)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FeedbackThread)
class FeedbackThreadAdmin(ReadOnlyAdmin):
    list_display = ["created_on", "released_on", "team", "category", "status", "to_admins", "is_signed"]
    list_filter = ["status", "category", "to_admins", "team"]
    # code_hash is left out: it is nobody's business, even hashed.
    fields = [
        "team",
        "to_admins",
        "category",
        "status",
        "signed_by",
        "created_on",
        "released_on",
        "updated_on",
        "publish_consent",
        "published_gist",
        "published_answer",
        "published_on",
    ]
    readonly_fields = fields
    inlines = [FeedbackMessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(released_on__isnull=False)

    @admin.display(boolean=True, description="signed")
    def is_signed(self, obj: FeedbackThread) -> bool:
        return obj.is_signed
