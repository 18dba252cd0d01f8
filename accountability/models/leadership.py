"""Leadership history: role changes and managers' arrivals and departures, kept when a
membership ends, so "stability of leadership" is computed from what happened."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .teams import Role, Team


class LeadershipEvent(models.Model):
    """Someone joined a team, changed role in it, or left it.

    `from_role` is "" when they joined, `to_role` is "" when they left. A *manager change* is an
    event where being a manager starts or stops (see `is_manager_change`). The person is kept
    by name too, so the history reads the same after their account is deleted.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="leadership_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_name = models.CharField(max_length=200, blank=True)
    from_role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    to_role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    manager_change = models.BooleanField(default=False, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["team", "manager_change", "at"], name="leadership_team_change_at_idx")]

    def __str__(self) -> str:
        return f"{self.person_name}: {self.from_role or 'joined'} → {self.to_role or 'left'} ({self.team_id})"

    @staticmethod
    def is_manager_change(from_role: str, to_role: str) -> bool:
        return (from_role == Role.MANAGER) != (to_role == Role.MANAGER)

    @property
    def description(self) -> str:
        if not self.from_role:
            return f"joined as {self.get_to_role_display().lower()}"
        if not self.to_role:
            return f"left (was {self.get_from_role_display().lower()})"
        return f"{self.get_from_role_display().lower()} → {self.get_to_role_display().lower()}"
