"""Commitments and their history."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from .teams import Team


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
    # Action items agreed in a meeting (the meetings app): the owner's, open at once.
    ONE_TO_ONE = "one_to_one", "From a one-to-one"
    MEETING = "meeting", "From a team meeting"


# Sources whose commitments were agreed together, so they start open whoever wrote them down.
AGREED_SOURCES = frozenset({CommitmentSource.ONE_TO_ONE, CommitmentSource.MEETING})


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
            # The overdue-note dispatcher: open commitments due in the last week, all teams at once.
            models.Index(fields=["due_date"], condition=models.Q(status="open"), name="commitment_open_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

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
