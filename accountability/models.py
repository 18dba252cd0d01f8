"""People, teams, memberships, invitations and the email outbox.

Models hold fields, constraints and small derived values of one row. Every write and business
rule lives in services.py (or outbox.py for email).
"""

import zoneinfo
from datetime import time
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# An anonymous result is shown only to groups at least this large; teams may raise it, never
# lower it below the floor.
ANONYMITY_THRESHOLD_FLOOR = 3
ANONYMITY_THRESHOLD_DEFAULT = 5


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not a time zone we know.", params={"value": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str):
        # Sign-in is case-insensitive: addresses are stored lower-cased.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; organisation admins are Django staff."""

    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Leave empty to use each team's time zone.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "organisation admin",
        default=False,
        help_text="Can create teams, appoint managers and use the Django admin.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


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
    checkin_weekday = models.PositiveSmallIntegerField(
        "check-in day", choices=Weekday.choices, default=Weekday.FRIDAY
    )
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

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


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


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundEmail(models.Model):
    """The transactional outbox: one row per email, written with the change that causes it.

    `dedupe_key` is unique, so a second attempt to create the same email is a no-op. A worker
    claims a row (status `sending`, with a lease), sends it, and marks it `sent`; failures are
    retried with back-off until OUTBOX_MAX_ATTEMPTS, then the row is `failed`.
    """

    kind = models.CharField(max_length=50)
    dedupe_key = models.CharField(max_length=255, unique=True)
    to_email = models.EmailField(max_length=254)
    # Who it is for, when it is for an account. Never set for anything about anonymous content
    # beyond the recipient manager themselves.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbound email"
        indexes = [
            # The sweep's query: what is queued and due, or sending with an expired lease.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"
