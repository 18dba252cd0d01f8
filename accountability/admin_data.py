"""The admin's side of people's data: the audit trail (read-only: no add, change or delete, for
anyone, superusers included) and the people actions, which call the same services as the app."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "team_name", "target_label", "target_user"]
    list_filter = ["action"]
    search_fields = ["team_name", "actor__email"]
    date_hierarchy = "at"
    list_select_related = ["actor", "target_user"]
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _each(modeladmin, request, queryset, action, done: str) -> None:
    count = 0
    for user in queryset:
        try:
            action(user=user, actor=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done.format(count=count), messages.SUCCESS)


@admin.action(description="Deactivate (no sign-in, no email; history kept)")
def deactivate_people(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.person_deactivate, "{count} account(s) deactivated.")


@admin.action(description="Delete personal data (they become “former member”; team figures kept)")
def delete_personal_data(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.person_delete, "{count} person(s) deleted.")
