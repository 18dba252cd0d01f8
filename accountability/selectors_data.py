"""Reads for the people's-data pages: the profile's export panel, the audit trail, a person."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent, DataExport, ExportStatus, Membership, User

AUDIT_PAGE_SIZE = 50


def data_export_panel(*, user: User) -> dict | None:
    """The profile page's "Your data" panel: the latest request and whether it is ready."""
    latest = DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()
    if latest is not None and latest.status == ExportStatus.READY and latest.expires_at <= timezone.now():
        latest = None
    return {"export": latest}


def audit_events(
    *,
    action: str = "",
    actor_email: str = "",
    team_query: str = "",
    on_or_after: date | None = None,
    on_or_before: date | None = None,
    before_id: int | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> list[AuditEvent]:
    """A page of the trail, newest first, filtered in the database and paged by id (keyset:
    one index range however far back). One more row than `limit` says there is an older page."""
    events: QuerySet[AuditEvent] = AuditEvent.objects.select_related("actor", "target_user", "team")
    if action:
        events = events.filter(action=action)
    if actor_email:
        events = events.filter(actor__email__iexact=actor_email.strip())
    if team_query:
        events = events.filter(team_name__icontains=team_query.strip())
    tz = timezone.get_current_timezone()
    if on_or_after:
        events = events.filter(at__gte=datetime.combine(on_or_after, time.min, tzinfo=tz))
    if on_or_before:
        events = events.filter(at__lt=datetime.combine(on_or_before + timedelta(days=1), time.min, tzinfo=tz))
    if before_id:
        events = events.filter(pk__lt=before_id)
    return list(events.order_by("-pk")[: limit + 1])


def person_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")
