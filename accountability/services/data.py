"""People's data: "export my data" (a ZIP built by a worker, an emailed link that expires), the
core's own part of exports and deletions, and the daily retention purge.

The core runs what the apps registered (registry.personal_data) and never reads their columns.
"""

import calendar
import csv
import io
import json
import logging
import secrets
import zipfile
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .. import emails, registry
from ..models import (
    Absence,
    AuditAction,
    Commitment,
    CommitmentEvent,
    DataExport,
    ExportStatus,
    LeadershipEvent,
    Membership,
    OrganisationSettings,
    User,
)
from ..outbox.queue import _send_task
from .audit import audit_record

logger = logging.getLogger(__name__)

EXPORT_SALT = "accountability.data-export"
EXPORT_TASK = "accountability.tasks.data_export_build"
# A second request within this time returns the export already under way.
EXPORT_REQUEST_INTERVAL = timedelta(minutes=10)
REMOVED = "(removed)"


# --- The organisation's settings ------------------------------------------------------------


def organisation_settings() -> OrganisationSettings:
    """The settings row, or the defaults (unsaved) until an admin first saves them: a page that
    only shows them writes nothing."""
    return OrganisationSettings.objects.filter(pk=1).first() or OrganisationSettings(pk=1)


RETENTION_FIELDS = ("checkin_text_months", "reply_months", "meeting_notes_months", "former_member_months")


@transaction.atomic
def organisation_settings_update(*, actor: User, **fields) -> OrganisationSettings:
    OrganisationSettings.objects.get_or_create(pk=1)
    row = OrganisationSettings.objects.select_for_update().get(pk=1)
    before = {name: getattr(row, name) for name in fields}
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    changed = {name: value for name, value in fields.items() if before[name] != value}
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.RETENTION_CHANGED,
            before={name: before[name] for name in changed},
            after=changed,
        )
    return row


# --- Export -------------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def core_export(user: User) -> dict:
    """The core's part of a person's export: profile, preferences, time away, memberships,
    commitments with their history, leadership events about them."""
    commitments = list(
        Commitment.objects.filter(owner=user)
        .select_related("team")
        .order_by("week", "pk")
        .values(
            "id",
            "team__name",
            "week",
            "title",
            "details",
            "due_date",
            "status",
            "source",
            "obstacle",
            "help_wanted",
            "lesson",
            "created_at",
            "resolved_on",
            "renegotiated_from_id",
        )
    )
    events = list(
        CommitmentEvent.objects.filter(commitment__owner=user)
        .order_by("commitment_id", "created_at", "pk")
        .values("commitment_id", "from_status", "to_status", "note", "created_at", "old_due_date", "new_due_date")
    )
    return {
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "joined": _iso(user.date_joined),
            "organisation_admin": user.is_staff,
        },
        "preferences": {"emails_turned_off": list(user.email_opt_outs or [])},
        "time_away": [
            {"from": _iso(a.starts_on), "to": _iso(a.ends_on), "note": a.note}
            for a in Absence.objects.filter(user=user).order_by("starts_on")
        ],
        "memberships": [
            {"team": m["team__name"], "role": m["role"], "joined": _iso(m["joined_at"])}
            for m in Membership.objects.filter(user=user)
            .order_by("team__name")
            .values("team__name", "role", "joined_at")
        ],
        "commitments": [{("team" if k == "team__name" else k): _iso(v) for k, v in row.items()} for row in commitments],
        "commitment_history": [{k: _iso(v) for k, v in row.items()} for row in events],
        "leadership_history": [
            {"team": e["team__name"], "from_role": e["from_role"], "to_role": e["to_role"], "at": _iso(e["at"])}
            for e in LeadershipEvent.objects.filter(user=user)
            .order_by("at")
            .values("team__name", "from_role", "to_role", "at")
        ],
    }


def core_erase(user: User) -> None:
    """Deletion, the core's part: the text of a person's commitments and of their notes in
    commitment histories. Statuses, dates and sources stay (follow-through figures)."""
    Commitment.objects.filter(owner=user).update(title=REMOVED, details="", obstacle="", help_wanted="", lesson="")
    CommitmentEvent.objects.filter(Q(actor=user) | Q(commitment__owner=user)).exclude(note="").update(note="")


@transaction.atomic
def data_export_request(*, user: User, actor: User) -> DataExport:
    """Ask for one's own export. Only for oneself: nobody, not even an admin, exports another
    person's data here. A request while one is being prepared returns that one."""
    if actor.pk != user.pk:
        raise ValidationError("You can only export your own data.")
    User.objects.select_for_update().filter(pk=user.pk).exists()
    recent = DataExport.objects.filter(
        user=user, status=ExportStatus.PENDING, requested_at__gte=timezone.now() - EXPORT_REQUEST_INTERVAL
    ).first()
    if recent is not None:
        return recent
    export = DataExport.objects.create(user=user)
    audit_record(actor=actor, action=AuditAction.DATA_EXPORTED, target_user=user, target=export)
    transaction.on_commit(lambda: _enqueue_build(export.pk))
    return export


def _enqueue_build(export_id: int) -> None:
    try:
        # One connection attempt, as for the outbox: the request that asked must not hang.
        _send_task(EXPORT_TASK, (export_id,))
    except Exception:  # the broker is down: the daily job builds what is still pending
        logger.warning("data export %s: could not reach the broker; it will be built later", export_id)


def data_export_parts(user: User) -> dict[str, dict]:
    """Every registered holder's part: {holder: {part: rows}} and the notes of those holding nothing."""
    parts: dict[str, dict] = {}
    for holder in registry.personal_data():
        if holder.export is not None:
            parts[holder.name] = holder.export(user)
    return parts


def _zip(user: User) -> bytes:
    parts = data_export_parts(user)
    notes = {holder.name: holder.holds_nothing for holder in registry.personal_data() if holder.holds_nothing}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            "Everything Check-ins holds about you, as of "
            f"{timezone.now().astimezone(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
            "data.json has all of it; each table is also a CSV file (folder per part of the app).\n\n"
            "Not in this export, because nothing links it to you:\n"
            + "".join(f"- {name}: {text}\n" for name, text in notes.items()),
        )
        archive.writestr(
            "data.json",
            json.dumps({"exported_for": user.email, **parts, "not_included": notes}, indent=2, default=str),
        )
        for holder_name, holder_parts in parts.items():
            for part_name, rows in holder_parts.items():
                if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
                    archive.writestr(f"{holder_name}/{part_name}.csv", _csv(rows))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    fields = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _iso(v) for k, v in row.items()})
    return out.getvalue()


def data_export_build(*, export_id: int) -> DataExport | None:
    """The worker's part: build the ZIP, store it, email the link. Running twice is harmless."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("user").filter(pk=export_id).first()
        if export is None or export.status != ExportStatus.PENDING:
            return export
        content = _zip(export.user)
        name = f"checkins-data-{export.user_id}-{secrets.token_hex(16)}.zip"
        export.file.save(name, ContentFile(content), save=False)
        now = timezone.now()
        export.status = ExportStatus.READY
        export.ready_at = now
        export.expires_at = now + timedelta(days=settings.DATA_EXPORT_LINK_DAYS)
        export.save(update_fields=["file", "status", "ready_at", "expires_at"])
        emails.data_export_ready(export=export, url=data_export_url(export))
    return export


def data_export_token(export: DataExport) -> str:
    return signing.dumps({"x": export.pk, "u": export.user_id}, salt=EXPORT_SALT)


def data_export_url(export: DataExport) -> str:
    return settings.SITE_URL + reverse("data_export_download", args=[data_export_token(export)])


class ExportLinkInvalid(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def data_export_from_token(*, token: str, user: User) -> DataExport:
    """The export a link opens, for the signed-in person it belongs to only."""
    max_age = timedelta(days=settings.DATA_EXPORT_LINK_DAYS)
    try:
        data = signing.loads(token, salt=EXPORT_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExportLinkInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise ExportLinkInvalid("invalid") from exc
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise ExportLinkInvalid("not-yours")
    export = DataExport.objects.filter(pk=data.get("x"), user=user).first()
    if export is None or export.status != ExportStatus.READY or not export.file:
        raise ExportLinkInvalid("expired")
    if export.expires_at is not None and export.expires_at <= timezone.now():
        raise ExportLinkInvalid("expired")
    return export


def data_exports_purge(*, now: datetime | None = None) -> int:
    """Delete expired export files and rows; build any the broker never got."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        if export.file:
            export.file.delete(save=False)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    for export_id in DataExport.objects.filter(
        status=ExportStatus.PENDING, requested_at__lte=now - EXPORT_REQUEST_INTERVAL
    ).values_list("pk", flat=True):
        data_export_build(export_id=export_id)
    return len(expired)


# --- Retention ----------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_cutoffs(*, now: datetime | None = None) -> registry.RetentionCutoffs:
    now = now or timezone.now()
    row = organisation_settings()

    def before(months: int | None):
        return months_before(now, months) if months else None

    return registry.RetentionCutoffs(
        checkin_text=before(row.checkin_text_months),
        replies=before(row.reply_months),
        meeting_notes=before(row.meeting_notes_months),
    )


def retention_purge(*, now: datetime | None = None) -> dict[str, int]:
    """The daily job: every registered purge, each set-based, with the organisation's cutoffs;
    then expired exports. Returns rows changed per holder."""
    cutoffs = retention_cutoffs(now=now)
    done: dict[str, int] = {}
    for holder in registry.personal_data():
        if holder.purge is not None:
            with transaction.atomic():
                done[holder.name] = holder.purge(cutoffs)
    done["exports"] = data_exports_purge(now=now)
    return done
