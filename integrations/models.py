"""Where the app posts what happens: webhook endpoints an organisation admin registers, and the
chat channels a team's managers connect. Deliveries are outbox rows (accountability.outbox)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from accountability.models import Team
from accountability.sealing import SealedTextField


class Event(models.TextChoices):
    """What a webhook endpoint may subscribe to. The names are the `type` of each delivery."""

    CHECKIN_SUBMITTED = "checkin.submitted", "A check-in is submitted"
    COMMITMENT_STATUS_CHANGED = "commitment.status_changed", "A commitment's status changes"
    MEETING_HELD = "meeting.held", "A team meeting is held"
    SURVEY_ROUND_CLOSED = "survey.round_closed", "A pulse survey closes (results only at the anonymity threshold)"
    UPDATE_POSTED = "update.posted", "A team update is posted"
    RECOGNITION_GIVEN = "recognition.given", "Someone is thanked"
    WEEK_CLOSED = "week.closed", "A team's week closes (its summary)"


# Sent by the "send test event" button; never subscribed to.
TEST_EVENT = "ping"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An HTTPS URL that receives signed JSON for the events it subscribes to, from every team
    (or from one team, when `team` is set)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    # Sealed at rest, readable by the sender: it must sign every delivery. Shown once.
    secret = SealedTextField(default=new_secret)
    events = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name

    @property
    def ref(self) -> str:
        """The outbox's `target_ref` of this endpoint's deliveries."""
        return f"endpoint:{self.pk}"


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack (incoming webhook)"
    TEAMS = "teams", "Microsoft Teams (workflow webhook)"
    MATTERMOST = "mattermost", "Mattermost or Rocket.Chat (incoming webhook)"
    JSON = "json", "Generic JSON webhook"


class TeamChannel(models.Model):
    """A team's chat channel (its incoming-webhook URL) and what is posted to it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ChannelKind.choices)
    name = models.CharField("label", max_length=100)
    # A chat webhook's URL is its credential: sealed at rest, never shown again in full.
    url = SealedTextField()
    url_hint = models.CharField(max_length=120, blank=True)
    # Generic JSON channels are signed like webhooks; the chat platforms ignore the header.
    secret = SealedTextField(default=new_secret)
    post_week_summary = models.BooleanField("the week's summary when the week closes", default=True)
    post_updates = models.BooleanField("team updates", default=True)
    post_recognition = models.BooleanField("thanks given to people in the team", default=True)
    post_meetings = models.BooleanField("team meetings' agendas and decisions once held", default=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "name", "pk"]
        indexes = [models.Index(fields=["team"], condition=models.Q(active=True), name="channel_active_team_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def ref(self) -> str:
        return f"channel:{self.pk}"


# Which channel switch carries which event.
CHANNEL_EVENTS = {
    Event.WEEK_CLOSED: "post_week_summary",
    Event.UPDATE_POSTED: "post_updates",
    Event.RECOGNITION_GIVEN: "post_recognition",
    Event.MEETING_HELD: "post_meetings",
}
