"""Team updates (with read receipts and one-click responses), the organisation's values and
recognition: thanks for something specific, tagged with values. Never a score."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accountability.models import Team

VALUE_NAME_MAX = 60
VALUE_MEANING_MAX = 200
UPDATE_TITLE_MAX = 150
# An update is short: what's decided, what's changing, why.
UPDATE_BODY_MAX = 5000
RECOGNITION_MESSAGE_MAX = 1000


class Value(models.Model):
    """One of the organisation's values. Retired values stay on past recognition."""

    name = models.CharField(max_length=VALUE_NAME_MAX)
    meaning = models.CharField("one-line meaning", max_length=VALUE_MEANING_MAX)
    order = models.PositiveSmallIntegerField(default=0, help_text="Values are listed from the lowest number.")
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="value_name_unique",
                violation_error_message="There is already a value with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Update(models.Model):
    """A short update from a team's manager, or (team None) from an organisation admin to
    everyone. `body` is the Markdown as written; `body_html` its sanitised rendering."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=UPDATE_TITLE_MAX)
    body = models.TextField(max_length=UPDATE_BODY_MAX)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["team", "created_at"], name="update_team_created_idx")]

    def __str__(self) -> str:
        return self.title


class UpdateRead(models.Model):
    """Someone read an update. Its author sees a count, never the names."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "user"], name="update_read_unique")]
        indexes = [models.Index(fields=["user", "update"], name="update_read_user_idx")]

    def __str__(self) -> str:
        return f"Read {self.update_id} by {self.user_id}"


class ResponseKind(models.TextChoices):
    THANKS = "thanks", "Thanks"
    QUESTION = "question", "I have a question"


class UpdateResponse(models.Model):
    """A one-click "thanks" or "I have a question" back to the author, under one's own name."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ResponseKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["update", "user", "kind"], name="update_response_unique")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.update_id} from {self.user_id}"


class Recognition(models.Model):
    """Thanks from one person to one or several, for something specific, tagged with values.
    Never anonymous: thanks should be owned."""

    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(max_length=RECOGNITION_MESSAGE_MAX)
    values = models.ManyToManyField(Value, related_name="recognitions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], name="recognition_created_idx")]

    def __str__(self) -> str:
        return f"Thanks from {self.giver_id}"


class RecognitionRecipient(models.Model):
    recognition = models.ForeignKey(Recognition, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recognition", "user"], name="recognition_recipient_unique"),
        ]
        indexes = [models.Index(fields=["user", "recognition"], name="recognition_recipient_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} thanked in {self.recognition_id}"
