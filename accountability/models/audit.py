"""The audit trail of privileged actions, and the organisation's data settings."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    ROLE_CHANGED = "role_changed", "Role changed"
    MEMBER_REMOVED = "member_removed", "Removed from a team"
    TEAM_CREATED = "team_created", "Team created"
    TEAM_SETTINGS_CHANGED = "team_settings_changed", "Team settings changed"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_REVOKED = "invitation_revoked", "Invitation withdrawn"
    PERSON_DEACTIVATED = "person_deactivated", "Person deactivated"
    PERSON_REACTIVATED = "person_reactivated", "Person reactivated"
    PERSON_DELETED = "person_deleted", "Person deleted"
    DATA_EXPORTED = "data_exported", "Data export requested"
    ADMIN_SIGNED_IN = "admin_signed_in", "Organisation admin signed in"
    SURVEY_ROUND_CLOSED = "survey_round_closed", "Survey round closed"
    SURVEY_ROUND_CANCELLED = "survey_round_cancelled", "Survey round cancelled"
    RETENTION_CHANGED = "retention_changed", "Retention policy changed"
    API_TOKEN_CREATED = "api_token_created", "API token created"


class AuditEvent(models.Model):
    """Who did what, when, before → after. Append-only: services only ever insert
    (`accountability.services.audit.audit_record`), the admin cannot add, change or delete, and
    on PostgreSQL a trigger (migration 0011) refuses any UPDATE or DELETE of a row.

    The people and the team are references without a database constraint and never cascade:
    deleting a person (who stays as "former member") or a team must not rewrite the trail.
    Never written for anonymous writers or survey answerers (tests/accountability/test_audit.py).
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    team = models.ForeignKey(
        "accountability.Team", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    team_name = models.CharField(max_length=100, blank=True)
    # The person acted upon, when there is one; otherwise a kind and id (a survey round, an
    # invitation) with a short label.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["action", "-id"], name="audit_action_idx"),
            models.Index(fields=["team", "-id"], name="audit_team_idx"),
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs, for the page."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


def _months(label: str, help_text: str):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=help_text,
    )


class OrganisationSettings(models.Model):
    """The organisation's data settings: one row (pk 1), made on first read. Empty keeps for ever."""

    checkin_text_months = _months(
        "keep check-in text (months)", "Highlights, blockers and support requests. Moods and counts are kept."
    )
    reply_months = _months("keep replies (months)", "Replies in check-in and commitment threads.")
    meeting_notes_months = _months("keep meeting notes (months)", "Shared notes, decisions and private notes.")
    former_member_months = models.PositiveSmallIntegerField(
        "former members' history readable (months)",
        default=12,
        validators=[MinValueValidator(0), MaxValueValidator(240)],
        help_text="How long a team's managers can still read the history of someone who left the team.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "organisation settings"
        verbose_name_plural = "organisation settings"

    def __str__(self) -> str:
        return "Organisation settings"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DataExport(models.Model):
    """A person's request for their data: built by a worker into a ZIP in the default storage,
    announced by email with a signed link that expires (settings.DATA_EXPORT_LINK_DAYS)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    file = models.FileField(upload_to="exports/", blank=True, max_length=255)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["user", "-requested_at"], name="dataexport_user_idx")]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"
