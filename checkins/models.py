"""Weekly check-ins: one per member, team and week."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accountability.models import Team


class Mood(models.IntegerChoices):
    VERY_LOW = 1, "1 · Running on empty"
    LOW = 2, "2 · Low"
    OK = 3, "3 · Okay"
    GOOD = 4, "4 · Good"
    GREAT = 5, "5 · Energised"


class CheckIn(models.Model):
    """A member's weekly check-in for a team.

    `week` is the Monday of the team-local ISO week. The unique constraint is what makes two
    simultaneous submits (two tabs) produce one check-in. `is_late` is set when it was first
    submitted after the team's due time.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="checkins")
    week = models.DateField()
    mood = models.PositiveSmallIntegerField(
        "mood and energy", choices=Mood.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    highlights = models.TextField(blank=True, max_length=4000)
    blockers = models.TextField(blank=True, max_length=4000)
    support_requested = models.TextField("support I'd like", blank=True, max_length=4000)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    is_late = models.BooleanField(default=False)
    # Bumped on every save; a form carries the version it was loaded with, so a stale tab
    # cannot silently overwrite a newer check-in.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["member", "team", "week"], name="checkin_member_team_week_unique"),
            models.CheckConstraint(condition=models.Q(mood__gte=1, mood__lte=5), name="checkin_mood_range"),
        ]
        indexes = [models.Index(fields=["team", "week"], name="checkin_team_week_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.team} · {self.week:%G-W%V}"
