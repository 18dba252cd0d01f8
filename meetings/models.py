"""One-to-ones and team meetings: a series with a cadence, its occurrences, their agendas,
notes and action items (which are commitments of the core).

A `Series` is either a one-to-one (a manager and a member of one of their teams) or a team's
meeting (`member` empty). Each cadence slot is one `Meeting` row, made ahead of time (the
next one always exists while the series runs), so "held against the cadence" is a count of
rows: held, out of those whose date has passed.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accountability.models import Team, Weekday
from accountability.weeks import local_instant


class Kind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "One-to-one"
    TEAM = "team", "Team meeting"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Every month"


def slot_after(*, cadence: str, anchor: date, weekday: int, after: date) -> date:
    """The first cadence date strictly after `after`, counting from `anchor` (the series'
    first date, whose weekday is `weekday`). Monthly: the same n-th weekday of each month as
    the anchor's (the 4th at most, so every month has one)."""
    if cadence == Cadence.MONTHLY:
        nth = min((anchor.day - 1) // 7, 3)
        year, month = after.year, after.month
        while True:
            first = date(year, month, 1)
            day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * nth)
            if day > after and day >= anchor:
                return day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = 7 if cadence == Cadence.WEEKLY else 14
    if after < anchor:
        return anchor
    steps = (after - anchor).days // step + 1
    return anchor + timedelta(days=steps * step)


class Series(models.Model):
    """A one-to-one between a manager and a member, or a team's regular meeting.

    Day and local time are in the team's time zone, so a meeting stays at 10:00 local across a
    daylight-saving change. `uid` is the stable identity of the calendar (ICS) events.
    """

    kind = models.CharField(max_length=12, choices=Kind.choices)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="meeting_series")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.FORTNIGHTLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.TUESDAY)
    local_time = models.TimeField(default=time(10, 0), help_text="In the team's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    # The first date under the current cadence (a cadence change starts a new anchor).
    anchor = models.DateField()
    started_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    # A transfer to another of the team's managers waits for the member's consent.
    transfer_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["team__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="one_to_one", member__isnull=False) | models.Q(kind="team", member__isnull=True)
                ),
                name="series_member_by_kind",
            ),
            models.UniqueConstraint(
                fields=["team", "manager", "member"],
                condition=models.Q(kind="one_to_one", ended_at__isnull=True),
                name="series_one_running_one_to_one",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=models.Q(kind="team", ended_at__isnull=True),
                name="series_one_running_team_meeting",
            ),
            models.CheckConstraint(condition=models.Q(weekday__gte=0, weekday__lte=6), name="series_weekday_range"),
        ]
        indexes = [
            models.Index(fields=["manager", "ended_at"], name="series_manager_idx"),
            models.Index(fields=["member", "ended_at"], name="series_member_idx"),
        ]

    def __str__(self) -> str:
        if self.kind == Kind.TEAM:
            return f"{self.team} team meeting"
        return f"One-to-one: {self.manager} and {self.member}"

    @property
    def is_one_to_one(self) -> bool:
        return self.kind == Kind.ONE_TO_ONE

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    def starts_at(self, day: date) -> datetime:
        return local_instant(day, self.local_time, self.team.tz)

    def other_person(self, user):
        return self.member if user.pk == self.manager_id else self.manager


class Status(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    SKIPPED = "skipped", "Skipped, with a reason"


class Meeting(models.Model):
    """One occurrence. Moved (rescheduled) keeps its row: `moved_from` and the reason say so."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="meetings")
    # The team, denormalised for the dashboard's counts over a range.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    # The team-local date, for counting by week.
    on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    moved_from = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    shared_notes = models.TextField(blank=True, max_length=10000)
    decisions = models.TextField(blank=True, max_length=10000)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every change of date: calendars replace the event instead of adding one.
    sequence = models.PositiveIntegerField(default=0)
    # Shared notes carry the version they were loaded with: a stale tab cannot overwrite.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["series", "starts_at"], name="meeting_series_idx"),
            models.Index(fields=["team", "on"], name="meeting_team_on_idx"),
            models.Index(fields=["starts_at"], condition=models.Q(status="planned"), name="meeting_planned_idx"),
            models.Index(fields=["recorded_at"], condition=models.Q(status="held"), name="meeting_held_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.series} on {self.on}"

    @property
    def is_planned(self) -> bool:
        return self.status == Status.PLANNED


class AgendaPoint(models.Model):
    """A talking point, in the order written. A point not resolved when its meeting is recorded
    is carried to the next occurrence as a new row pointing back (`carried_from`), so both
    meetings show it: visibly carried, never dropped."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="points")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        # Insertion order: two people adding points at once both keep theirs, in the order the
        # database took them; no shared counter to fight over.
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text


class PrivateNote(models.Model):
    """A note only its writer ever sees (not the other person, not admins)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(blank=True, max_length=10000)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="private_note_one_per_author"),
        ]

    def __str__(self) -> str:
        return "A private note"


class ActionItem(models.Model):
    """An action item agreed in a meeting: the commitment is the core's, the owner's."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    commitment = models.OneToOneField(
        "accountability.Commitment", on_delete=models.CASCADE, related_name="meeting_action"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Action item {self.commitment_id}"
