"""Weekly check-ins: one per member, team and week, and the team's own check-in questions."""

import uuid

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


# --- The team's own questions ---------------------------------------------------------------


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    SCALE = "scale", "Scale from 1 to 5"
    YES_NO = "yes_no", "Yes or no"
    CHOICE = "choice", "One choice from a list"
    NUMBER = "number", "Number"


# Kinds whose answers are figures (averaged, or a share for yes/no) rather than words.
NUMERIC_KINDS = {QuestionKind.SCALE, QuestionKind.NUMBER, QuestionKind.YES_NO}
TEXT_KINDS = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private: the person and the team's managers"
    SHARED = "shared", "Shared: teammates see it too"


class Special(models.TextChoices):
    """The default questions whose answers are stored on the check-in itself (its columns feed
    "Needs you", support answered and the indexes that find what is open)."""

    NONE = "", "—"
    HIGHLIGHTS = "highlights", "Highlights"
    BLOCKERS = "blockers", "Blockers"
    SUPPORT = "support_requested", "Support I'd like"


class Question(models.Model):
    """One version of one of a team's check-in questions.

    A version is asked in the weeks from `valid_from` (a Monday) up to, not including,
    `valid_until`. A manager's change applies from the next week: the version asked so far is
    closed and a new one opens, so a past week always reads as it was asked. `key` is the same
    question across its versions (a form field keeps its typed answer across a rewording);
    `series` is what figures are pooled by: a rewording starts a new series unless the manager
    says it means the same thing.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField(default=uuid.uuid4)
    series = models.UUIDField(default=uuid.uuid4)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=200, blank=True)
    required = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    choices = models.JSONField(default=list, blank=True)
    low_label = models.CharField("label for 1", max_length=200, blank=True)
    high_label = models.CharField("label for 5", max_length=200, blank=True)
    special = models.CharField(max_length=20, choices=Special.choices, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "key", "valid_from"], name="question_team_key_from_unique"),
        ]
        indexes = [models.Index(fields=["team", "valid_from"], name="question_team_from_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        """The form field: the check-in column for a special question, else one per question."""
        return self.special or f"q-{self.key}"

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED

    def asked_in(self, week_start) -> bool:
        return self.valid_from <= week_start and (self.valid_until is None or week_start < self.valid_until)


class Answer(models.Model):
    """An answer to a question that is not one of the check-in's own columns. A yes/no is 1 or
    0 in `number`, a scale 1 to 5; a choice and text are in `text`."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    text = models.TextField(blank=True, max_length=4000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkin", "question"], name="answer_checkin_question_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.display}"

    @property
    def display(self) -> str:
        kind = self.question.kind
        if kind == QuestionKind.YES_NO and self.number is not None:
            return "Yes" if self.number else "No"
        if kind in (QuestionKind.SCALE, QuestionKind.NUMBER) and self.number is not None:
            return f"{self.number.normalize():f}"
        return self.text


class QuestionTemplate(models.Model):
    """A question set an organisation admin saved for teams to start from (the built-in ones
    live in checkins/question_sets.py). `questions` is a list of the fields of Question."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=200, blank=True)
    questions = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
