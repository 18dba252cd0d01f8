"""People, teams, memberships, invitations and the email outbox.

Models hold fields, constraints and small derived values of one row. Every write and business
rule lives in services.py (or outbox.py for email).
"""

import zoneinfo
from datetime import date, datetime, time
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from . import weeks
from .sealing import SealedTextField
from .weeks import Week

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
    # Optional email kinds this person turned off (see registry.optional_kinds).
    email_opt_outs = models.JSONField(default=list, blank=True)

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
    # Sealed at rest (accountability.sealing): a reset or invitation link in a body is a key.
    body_text = SealedTextField()
    body_html = SealedTextField(blank=True)
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


class CommitmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed by a manager"
    OPEN = "open", "Open"
    DONE = "done", "Done"
    PARTLY_DONE = "partly_done", "Partly done"
    NOT_DONE = "not_done", "Not done yet"
    RENEGOTIATED = "renegotiated", "Renegotiated"
    LET_GO = "let_go", "Let go, with a lesson"
    DECLINED = "declined", "Declined"


# A commitment in one of these is settled: it no longer waits for review.
SETTLED_STATUSES = frozenset(
    {
        CommitmentStatus.DONE,
        CommitmentStatus.PARTLY_DONE,
        CommitmentStatus.NOT_DONE,
        CommitmentStatus.RENEGOTIATED,
        CommitmentStatus.LET_GO,
        CommitmentStatus.DECLINED,
    }
)


class CommitmentSource(models.TextChoices):
    SELF = "self", "Set by themselves"
    MANAGER = "manager", "Proposed by a manager"


class Commitment(models.Model):
    """Something a person committed to for a week of a team.

    Renegotiating closes this commitment as `renegotiated` and opens a new one with the new due
    date whose `renegotiated_from` points back here, so the chain of promises is kept.
    The manager-proposed flow: `proposed` until the member accepts (`open`) or `declined`.
    `resolved_on` is the team-local date the outcome was recorded, for "done by the due date".
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitments")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="commitments")
    week = models.DateField(help_text="Monday of the team-local ISO week it was made for.")
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True, max_length=2000)
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN)
    source = models.CharField(max_length=10, choices=CommitmentSource.choices, default=CommitmentSource.SELF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    renegotiated_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renegotiated_to"
    )
    # The first commitment of a renegotiation chain (None on the first itself), so a whole
    # chain is one query however long it grows.
    chain_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="chain_members"
    )
    # The member's reflection when it slipped: private to them and the team's managers.
    obstacle = models.TextField("what got in the way", blank=True, max_length=2000)
    help_wanted = models.TextField("what would help", blank=True, max_length=2000)
    lesson = models.TextField("what I learned", blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["week", "due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "team", "week"], name="commitment_owner_week_idx"),
            models.Index(fields=["team", "week"], name="commitment_team_week_idx"),
            # The dashboard: commitments by due date in a range of weeks, and proposals declined
            # lately, without reading a team's whole history.
            models.Index(fields=["team", "due_date"], name="commitment_team_due_idx"),
            models.Index(
                fields=["team", "resolved_on"],
                condition=models.Q(status="declined"),
                name="commitment_declined_idx",
            ),
            models.Index(
                fields=["owner", "team"],
                condition=models.Q(status__in=["open", "proposed"]),
                name="commitment_unsettled_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_STATUSES

    @property
    def is_proposal(self) -> bool:
        return self.status == CommitmentStatus.PROPOSED

    @property
    def week_label(self) -> str:
        return Week.containing(self.week).label

    def is_overdue(self, today: date) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_date < today


class CommitmentEvent(models.Model):
    """One change of a commitment: who moved it from what to what, when, and why."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=CommitmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CommitmentStatus.choices)
    note = models.TextField(blank=True, max_length=2000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # For renegotiations: the due date before and after.
    old_due_date = models.DateField(null=True, blank=True)
    new_due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.from_status or 'new'} → {self.to_status}"


class Absence(models.Model):
    """Out of office: no reminders, and the weeks whose check-in day it covers are left out of
    that person's metrics."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_dates_order"),
        ]
        indexes = [models.Index(fields=["user", "ends_on"], name="absence_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_on} to {self.ends_on}"
