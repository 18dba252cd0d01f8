"""Teams, memberships and invitations."""

import zoneinfo
from datetime import date, datetime, time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .. import weeks
from ..weeks import Week
from .people import validate_time_zone

# An anonymous result is shown only to groups at least this large; teams may raise it, never
# lower it below the floor.
ANONYMITY_THRESHOLD_FLOOR = 3
ANONYMITY_THRESHOLD_DEFAULT = 5


class Weekday(models.IntegerChoices):
    """Python's date.weekday() numbering, so comparisons need no translation."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Team(models.Model):
    """A team with its own weekly rhythm. Its week is the ISO week in its time zone."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    checkin_weekday = models.PositiveSmallIntegerField("check-in day", choices=Weekday.choices, default=Weekday.FRIDAY)
    checkin_time = models.TimeField("check-in time", default=time(16, 0), help_text="In the team's time zone.")
    reminders_enabled = models.BooleanField(
        default=True, help_text="Email a reminder at check-in time to members who have not checked in."
    )
    nudge_hours_before_close = models.PositiveSmallIntegerField(
        "nudge before the week closes (hours)",
        default=24,
        validators=[MaxValueValidator(144)],
        help_text="A gentle nudge this many hours before the week closes. 0 turns it off.",
    )
    anonymity_threshold = models.PositiveSmallIntegerField(
        default=ANONYMITY_THRESHOLD_DEFAULT,
        validators=[MinValueValidator(ANONYMITY_THRESHOLD_FLOOR), MaxValueValidator(50)],
        help_text=(
            "Anonymous results are shown only when at least this many people answered "
            f"(never fewer than {ANONYMITY_THRESHOLD_FLOOR})."
        ),
    )
    open_commitments = models.BooleanField(
        default=True,
        help_text="Teammates see each other's commitment titles and statuses (never reflections or moods).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymity_threshold__gte=ANONYMITY_THRESHOLD_FLOOR),
                name="team_anonymity_threshold_floor",
                violation_error_message=f"The anonymity threshold cannot be below {ANONYMITY_THRESHOLD_FLOOR}.",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_weekday__gte=0, checkin_weekday__lte=6),
                name="team_checkin_weekday_range",
            ),
        ]
        # Lists of teams go a page at a time in name order (accountability/paging.py). The
        # search by name uses a trigram index made on PostgreSQL only (migration 0006).
        indexes = [models.Index(fields=["name", "id"], name="team_name_id_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def anonymity_minimum(self) -> int:
        """The smallest group anonymous results may describe: the team's threshold, and never
        below the floor even if a row was written around the constraint."""
        return max(self.anonymity_threshold, ANONYMITY_THRESHOLD_FLOOR)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def current_week(self, now: datetime | None = None) -> Week:
        return weeks.current_week(self.tz, now or timezone.now())

    def checkin_due_at(self, week: Week) -> datetime:
        return weeks.checkin_due_at(week, self.tz, self.checkin_weekday, self.checkin_time)

    def week_closes_at(self, week: Week) -> datetime:
        return weeks.week_closes_at(week, self.tz)

    def today(self, now: datetime | None = None) -> date:
        return weeks.local_date(now or timezone.now(), self.tz)


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_user_team_unique"),
        ]
        indexes = [models.Index(fields=["team", "role"], name="membership_team_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


class Invitation(models.Model):
    """An emailed, signed, expiring invitation to join a team.

    One pending invitation per team and address: inviting again re-sends the same invitation.
    The account is created only when the invitee accepts, so two invitations never make two
    accounts.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "team",
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_pending_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.team}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None
