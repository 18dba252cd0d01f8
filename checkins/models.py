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
    # A manager's one-click acknowledgement ("seen, thank you"), and when the support request
    # was answered. Both feed the transparency and open-communication metrics.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_answered_at = models.DateTimeField(null=True, blank=True)
    support_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["member", "team", "week"], name="checkin_member_team_week_unique"),
            models.CheckConstraint(condition=models.Q(mood__gte=1, mood__lte=5), name="checkin_mood_range"),
        ]
        indexes = [
            models.Index(fields=["team", "week"], name="checkin_team_week_idx"),
            # "Needs you" lists every open support request and unacknowledged blocker, whatever
            # its week: these keep that to the few still open instead of a team's whole history.
            models.Index(
                fields=["team", "submitted_at"],
                condition=~models.Q(support_requested="") & models.Q(support_answered_at__isnull=True),
                name="checkin_open_support_idx",
            ),
            models.Index(
                fields=["team", "submitted_at"],
                condition=~models.Q(blockers="") & models.Q(acknowledged_at__isnull=True),
                name="checkin_open_blocker_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.team} · {self.week:%G-W%V}"


class Comment(models.Model):
    """A reply in the thread of a check-in or of a commitment (exactly one of the two).

    Managers reply ("active listening"); the member answers back in the same thread.
    """

    checkin = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    commitment = models.ForeignKey(
        "accountability.Commitment", null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    # The team and the member whose thread it is, denormalised so "replies for me" and "needs
    # you" are single indexed queries.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    # When the member (for a manager's reply) saw it on their week page.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(checkin__isnull=False, commitment__isnull=True)
                    | models.Q(checkin__isnull=True, commitment__isnull=False)
                ),
                name="comment_exactly_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "team", "created_at"], name="comment_member_idx"),
            # The reply-email dispatcher reads the unseen replies (and members' answers) of the
            # last few hours, across all teams.
            models.Index(fields=["created_at"], condition=models.Q(seen_at__isnull=True), name="comment_unseen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {'check-in' if self.checkin_id else 'commitment'}: {self.body[:40]}"
