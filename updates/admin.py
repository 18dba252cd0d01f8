from django.contrib import admin

from .models import Recognition, Update, Value


@admin.register(Value)
class ValueAdmin(admin.ModelAdmin):
    list_display = ["name", "meaning", "order", "retired_at"]
    ordering = ["order", "name"]


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    """Read-only: updates are written through the app, where the Markdown is sanitised."""

    list_display = ["title", "team", "author", "created_at"]
    list_select_related = ["team", "author"]
    readonly_fields = ["team", "author", "title", "body", "created_at"]
    exclude = ["body_html"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["giver", "created_at"]
    list_select_related = ["giver"]
    readonly_fields = ["giver", "message", "values", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
