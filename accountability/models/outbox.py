"""The email outbox: one row per email, written in the transaction that causes it."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..sealing import SealedTextField


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Transport(models.TextChoices):
    """How a row is delivered: by email (SMTP, this module's own), or by an HTTP POST that an
    app registers the sender of (accountability.registry.transport_register)."""

    EMAIL = "email", "Email"
    HTTP = "http", "HTTP POST"


class OutboundEmail(models.Model):
    """The transactional outbox: one row per email, written with the change that causes it.

    `dedupe_key` is unique, so a second attempt to create the same email is a no-op. A worker
    claims a row (status `sending`, with a lease), sends it, and marks it `sent`; failures are
    retried with back-off until OUTBOX_MAX_ATTEMPTS, then the row is `failed`.

    A row of another transport (an HTTP POST: a webhook, a chat message) goes through the same
    claims, retries and dedupe: its body is `body_text`, its headers `headers`, its address
    `target_url`, and `target_ref` names what it is for in the app that wrote it.
    """

    kind = models.CharField(max_length=50)
    dedupe_key = models.CharField(max_length=255, unique=True)
    # Database defaults too: rows written by SQL of their own (or by code from before this
    # column, during a rolling deploy) are emails with no target.
    transport = models.CharField(
        max_length=10, choices=Transport.choices, default=Transport.EMAIL, db_default=Transport.EMAIL
    )
    to_email = models.EmailField(max_length=254, blank=True)
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
    # Not email: where the POST goes (sealed: a chat webhook's URL is its own credential), and
    # the sending app's name for its target ("endpoint:12"), to list a target's deliveries.
    target_url = SealedTextField(blank=True, default="", db_default="")
    target_ref = models.CharField(max_length=64, blank=True, default="", db_default="")
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
            # A webhook's or a channel's delivery log.
            models.Index(
                fields=["target_ref", "-created_at"],
                condition=~models.Q(transport="email"),
                name="outbox_target_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email or self.target_ref} ({self.status})"
