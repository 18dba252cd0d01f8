"""What the meetings pages share: permission-scoped lookups (a series someone may not see is a
404) and the series page, rendered again with a form that needs fixing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from accountability.forms import add_service_errors
from accountability.models import User

from .. import selectors
from ..forms import (
    ActionItemForm,
    CadenceForm,
    EndForm,
    MoveForm,
    NotesForm,
    PointForm,
    PrivateNoteForm,
    RecordForm,
    TransferForm,
)
from ..models import Meeting, Series
from ..permissions import can_add_points, can_change_series, can_record, can_view_series


def _get_series_for(user: User, series_id: int) -> Series:
    series = get_object_or_404(Series.objects.select_related("team", "manager", "member", "transfer_to"), pk=series_id)
    if not can_view_series(user, series):
        raise Http404("No such series")
    return series


def _get_meeting_for(user: User, meeting_id: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("series__team", "series__manager", "series__member"), pk=meeting_id
    )
    if not can_view_series(user, meeting.series):
        raise Http404("No such meeting")
    return meeting


def _series_url(series: Series, meeting: Meeting | None = None) -> str:
    if meeting is None:
        return reverse("meeting_series", args=[series.pk])
    return reverse("meeting_detail", args=[series.pk, meeting.pk])


def _title(series: Series, viewer: User) -> str:
    if series.is_one_to_one:
        return f"One-to-one with {series.other_person(viewer).name}"
    return f"{series.team.name} team meeting"


def _render_series(request: HttpRequest, series: Series, meeting_id: int | None = None, *, forms=None, status=200):
    now = timezone.now()
    page = selectors.series_page(series=series, viewer=request.user, meeting_id=meeting_id, now=now)
    if meeting_id is not None and page.meeting is None:
        raise Http404("No such meeting")
    meeting = page.meeting
    owners = [series.manager, series.member] if series.is_one_to_one else page.members
    forms = forms or {}
    context = {
        "series": series,
        "page": page,
        "meeting": meeting,
        "title": _title(series, request.user),
        "now": now,
        "can_add_points": can_add_points(request.user, series),
        "can_record": can_record(request.user, series),
        "can_change": can_change_series(request.user, series),
        "point_form": forms.get("point") or PointForm(),
        "notes_form": forms.get("notes")
        or (
            NotesForm(
                initial={"notes": meeting.shared_notes, "decisions": meeting.decisions, "version": meeting.version}
            )
            if meeting
            else None
        ),
        "private_form": forms.get("private")
        or PrivateNoteForm(initial={"body": page.private_note.body if page.private_note else ""}),
        "item_form": forms.get("item") or ActionItemForm(owners=owners, initial={"owner": request.user.pk}),
        "record_form": forms.get("record")
        or RecordForm(
            members=None if series.is_one_to_one else page.members,
            initial={"attendees": list(page.attendee_ids) or [u.pk for u in page.members]},
        ),
        "move_form": forms.get("move") or MoveForm(),
        "cadence_form": forms.get("cadence")
        or CadenceForm(initial={"cadence": series.cadence, "weekday": series.weekday, "local_time": series.local_time}),
        "end_form": forms.get("end") or EndForm(),
        "transfer_form": None,
        "open_panel": next(iter(forms), ""),
    }
    if series.is_one_to_one and series.is_running and request.user.pk != series.member_id:
        managers = selectors.transfer_candidates(series=series)
        if managers:
            context["transfer_form"] = forms.get("transfer") or TransferForm(managers=managers)
    return render(request, "meetings/series.html", context, status=status)


def _redisplay(request, meeting: Meeting, key: str, form, exc: ValidationError | None = None) -> HttpResponse:
    """What was typed comes back with the message, never lost."""
    if exc is not None and not hasattr(exc, "error_dict"):
        # Not about a field (the series ended, the meeting was recorded meanwhile): said at the
        # top of the page, where it shows even when the form no longer does.
        messages.warning(request, " ".join(exc.messages))
    elif exc is not None:
        add_service_errors(form, exc)
    return _render_series(request, meeting.series, meeting.pk, forms={key: form}, status=422)
