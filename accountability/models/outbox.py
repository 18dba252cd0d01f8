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
