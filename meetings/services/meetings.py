"""One meeting: its agenda, notes, action items, and whether it was held, moved or skipped."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accountability.models import Commitment, CommitmentSource, Membership, User
from accountability.registry import event_emit
from accountability.services import commitment_create

from ..models import ActionItem, AgendaPoint, Meeting, PrivateNote, Series, Status
from ..permissions import can_add_points, can_record
from .series import meetings_ensure

POINT_MAX = 500


class SharedNotesConflict(Exception):
    """The shared notes changed since the form was loaded; nothing was overwritten."""

    def __init__(self, meeting: Meeting):
        super().__init__("The shared notes were changed by someone else.")
        self.meeting = meeting


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("series__team").get(pk=meeting.pk)


def agenda_point_add(*, meeting: Meeting, actor: User, text: str, now: datetime | None = None) -> AgendaPoint:
    """Add a talking point. Points are rows of their own, in the order they arrive, so two
    people adding at once both keep theirs (no read-modify-write of a shared list). The same
    text twice from the same person (a form sent twice) is one point."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": "Write the talking point first."})
    if len(text) > POINT_MAX:
        raise ValidationError({"text": f"Keep a talking point to {POINT_MAX} characters (it has {len(text)})."})
    series = meeting.series
    if not can_add_points(actor, series):
        raise ValidationError("This series has ended, so its agenda can no longer change.")
    if meeting.status != Status.PLANNED:
        raise ValidationError("That meeting is recorded already; add the point to the next one.")
    existing = AgendaPoint.objects.filter(meeting=meeting, author=actor, text=text, resolved=False).first()
    if existing is not None:
        return existing
    return AgendaPoint.objects.create(meeting=meeting, author=actor, text=text, created_at=now or timezone.now())


def agenda_point_resolve(*, point: AgendaPoint, actor: User, resolved: bool = True) -> AgendaPoint:
    if not can_add_points(actor, point.meeting.series):
        raise ValidationError("This series has ended, so its agenda can no longer change.")
    AgendaPoint.objects.filter(pk=point.pk).update(resolved=resolved)
    point.resolved = resolved
    return point


def private_note_save(*, meeting: Meeting, actor: User, body: str, now: datetime | None = None) -> PrivateNote:
    """The writer's own note on a meeting; nobody else ever reads it."""
    from ..permissions import can_view_series

    if not can_view_series(actor, meeting.series):
        raise ValidationError("You are not part of this meeting.")
    note, _ = PrivateNote.objects.update_or_create(
        meeting=meeting, author=actor, defaults={"body": (body or "").strip(), "updated_at": now or timezone.now()}
    )
    return note


@transaction.atomic
def shared_notes_save(*, meeting: Meeting, actor: User, notes: str, decisions: str = "", version: int) -> Meeting:
    """Save the shared notes (and a team meeting's decisions) if nobody saved since `version`
    was loaded; otherwise SharedNotesConflict and the caller keeps what was typed."""
    meeting = _locked(meeting)
    if not can_record(actor, meeting.series):
        raise ValidationError("Only the people running this meeting can change its notes.")
    if meeting.version != version:
        raise SharedNotesConflict(meeting)
    meeting.shared_notes, meeting.decisions = (notes or "").strip(), (decisions or "").strip()
    meeting.version = F("version") + 1
    meeting.save(update_fields=["shared_notes", "decisions", "version"])
    meeting.refresh_from_db(fields=["version"])
    return meeting


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    actor: User,
    status: str,
    reason: str = "",
    attendee_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Held, or skipped with a reason. Points not resolved are carried to the next meeting (a
    new row pointing back), so nothing is dropped; the next meeting is made if needed. Recording
    it again (held after all, or a corrected reason) is allowed; points carry once."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    series = meeting.series
    if not can_record(actor, series):
        raise ValidationError("Only the people running this meeting can record it.")
    if status not in (Status.HELD, Status.SKIPPED):
        raise ValidationError({"status": "Choose held or skipped."})
    reason = " ".join((reason or "").split())[:300]
    if status == Status.SKIPPED and not reason:
        raise ValidationError({"reason": "Add a short reason, so you both remember why (no judgement)."})
    if status == Status.HELD and meeting.starts_at > now + timedelta(hours=12):
        raise ValidationError("That meeting is still ahead: record it once it has happened.")
    meeting.status, meeting.recorded_at, meeting.recorded_by = status, now, actor
    meeting.reason = reason if status == Status.SKIPPED else meeting.reason
    meeting.save(update_fields=["status", "recorded_at", "recorded_by", "reason"])
    if status == Status.HELD and not series.is_one_to_one:  # a one-to-one is its two people's only
        event_emit(name="meeting.held", team=series.team, payload={"meeting": meeting.pk}, key=str(meeting.pk))
    if not series.is_one_to_one and attendee_ids is not None:
        allowed = Membership.objects.filter(team=series.team, user_id__in=attendee_ids).values_list(
            "user_id", flat=True
        )
        meeting.attendees.set(list(allowed))
    upcoming = meetings_ensure(series=series, now=max(now, meeting.starts_at))
    if upcoming is not None and upcoming.pk != meeting.pk:
        open_points = meeting.points.filter(resolved=False, carried_to__isnull=True).order_by("created_at", "pk")
        AgendaPoint.objects.bulk_create(
            [
                AgendaPoint(
                    meeting=upcoming, author_id=p.author_id, text=p.text, created_at=p.created_at, carried_from=p
                )
                for p in open_points
            ]
        )
    return meeting


@transaction.atomic
def meeting_move(
    *,
    meeting: Meeting,
    actor: User,
    new_date: date,
    new_time: time | None = None,
    reason: str,
    now: datetime | None = None,
) -> Meeting:
    """Reschedule one meeting (its agenda goes with it); the series keeps its rhythm."""
    now = now or timezone.now()
    meeting = _locked(meeting)
    series = meeting.series
    if not can_record(actor, series):
        raise ValidationError("Only the people running this meeting can move it.")
    if meeting.status != Status.PLANNED:
        raise ValidationError("That meeting is recorded already.")
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError({"reason": "Say in a few words why it moves."})
    if new_date is None:
        raise ValidationError({"new_date": "Pick the new date."})
    starts = Series(team=series.team, local_time=new_time or series.local_time).starts_at(new_date)
    if starts <= now:
        raise ValidationError({"new_date": "Pick a time that is still ahead."})
    if meeting.moved_from is None:
        meeting.moved_from = meeting.starts_at
    meeting.starts_at, meeting.on, meeting.reason = starts, new_date, reason
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "on", "reason", "moved_from", "sequence"])
    return meeting


@transaction.atomic
def action_item_add(*, meeting: Meeting, actor: User, owner: User, title: str, due_date: date | None) -> ActionItem:
    """An action item becomes the owner's commitment (open at once, marked as from the
    meeting), for the team's current week: on their week page, reviewed like any other."""
    series = meeting.series
    if not can_record(actor, series):
        raise ValidationError("Only the people running this meeting can add action items.")
    if series.is_one_to_one and owner.pk not in (series.manager_id, series.member_id):
        raise ValidationError({"owner": "An action item belongs to one of the two of you."})
    if due_date is None:
        raise ValidationError({"due_date": "Pick a due date."})
    commitment: Commitment = commitment_create(
        team=series.team,
        owner=owner,
        actor=actor,
        title=title,
        due_date=due_date,
        source=CommitmentSource.ONE_TO_ONE if series.is_one_to_one else CommitmentSource.MEETING,
    )
    item, _ = ActionItem.objects.get_or_create(commitment=commitment, defaults={"meeting": meeting})
    return item
