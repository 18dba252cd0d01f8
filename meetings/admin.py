"""The admin shows a series' people and rhythm, never its agenda, notes or private notes: a
one-to-one is for its two people (permissions.py), organisation admins included."""

from django.contrib import admin

from .models import Series


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("__str__", "team", "kind", "cadence", "ended_at")
    list_filter = ("kind", "cadence")
    search_fields = ("team__name",)
    fields = (
        "kind",
        "team",
        "manager",
        "member",
        "cadence",
        "weekday",
        "local_time",
        "started_on",
        "ended_at",
        "end_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
