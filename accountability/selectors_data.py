"""Reads for the people's-data pages: the profile's export panel, the audit trail, a person."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent, DataExport, ExportStatus, LeadershipEvent, Membership, User

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
        # Addresses are stored lower-cased: an equality the unique index answers.
        events = events.filter(actor__email=actor_email.strip().lower())
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


def former_member_of(*, team_id: int, user_id: int, now: datetime | None = None) -> User | None:
    """Someone who left the team within the organisation's "former members' history readable"
    period (OrganisationSettings.former_member_months): its managers may still read their
    history until then. None for anyone else (a current member is not a former one)."""
    from .services.data import months_before, organisation_settings

    months = organisation_settings().former_member_months
    if not months:
        return None
    since = months_before(now or timezone.now(), months)
    left = LeadershipEvent.objects.filter(team_id=team_id, user_id=user_id, to_role="", at__gte=since)
    if not left.exists() or Membership.objects.filter(team_id=team_id, user_id=user_id).exists():
        return None
    return User.objects.filter(pk=user_id).first()


def person_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")
