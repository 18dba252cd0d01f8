"""What the series page posts: points, notes, action items, held/moved/skipped, the rhythm,
ending and a change of manager. Each: a scoped lookup, one service call, redirect (or the page
again with what was typed and what to fix)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accountability.forms import add_service_errors
from accountability.models import User

from .. import selectors, services
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
from ..models import AgendaPoint
from ..permissions import can_view_series
from .common import _get_meeting_for, _get_series_for, _redisplay, _render_series, _series_url


@login_required
@require_POST
def point_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    form = PointForm(request.POST)
    if not form.is_valid():
        return _redisplay(request, meeting, "point", form)
    try:
        services.agenda_point_add(meeting=meeting, actor=request.user, text=form.cleaned_data["text"])
    except ValidationError as exc:
        return _redisplay(request, meeting, "point", form, exc)
    messages.success(request, "Talking point added.")
    return redirect(_series_url(meeting.series, meeting) + "#agenda")


@login_required
@require_POST
def point_resolve(request: HttpRequest, point_id: int) -> HttpResponse:
    point = get_object_or_404(AgendaPoint.objects.select_related("meeting__series__team"), pk=point_id)
    if not can_view_series(request.user, point.meeting.series):
        raise Http404("No such point")
    try:
        services.agenda_point_resolve(point=point, actor=request.user, resolved=request.POST.get("resolved") != "0")
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    return redirect(_series_url(point.meeting.series, point.meeting) + "#agenda")


@login_required
@require_POST
def notes_save(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _redisplay(request, meeting, "notes", form)
    try:
        services.shared_notes_save(
            meeting=meeting,
            actor=request.user,
            notes=form.cleaned_data["notes"],
            decisions=form.cleaned_data["decisions"],
            version=form.cleaned_data["version"],
        )
    except services.SharedNotesConflict as exc:
        data = request.POST.copy()
        data["version"] = exc.meeting.version
        form = NotesForm(data)
        form.is_valid()
        form.add_error(
            None,
            "The shared notes were saved by someone else meanwhile. What you typed is kept here; the saved notes "
            f"read: “{exc.meeting.shared_notes[:500]}”. Save again to replace them.",
        )
        return _render_series(request, meeting.series, meeting.pk, forms={"notes": form}, status=409)
    except ValidationError as exc:
        return _redisplay(request, meeting, "notes", form, exc)
    messages.success(request, "Shared notes saved.")
    return redirect(_series_url(meeting.series, meeting) + "#notes")


@login_required
@require_POST
def private_note_save(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    form = PrivateNoteForm(request.POST)
    if not form.is_valid():
        return _redisplay(request, meeting, "private", form)
    services.private_note_save(meeting=meeting, actor=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Your private note is saved. Only you can see it.")
    return redirect(_series_url(meeting.series, meeting) + "#private-note")


@login_required
@require_POST
def action_item_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    series = meeting.series
    owners = (
        [series.manager, series.member]
        if series.is_one_to_one
        else list(User.objects.filter(memberships__team=series.team))
    )
    form = ActionItemForm(request.POST, owners=owners)
    if not form.is_valid():
        return _redisplay(request, meeting, "item", form)
    owner = next(u for u in owners if u.pk == form.cleaned_data["owner"])
    try:
        item = services.action_item_add(
            meeting=meeting,
            actor=request.user,
            owner=owner,
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
        )
    except ValidationError as exc:
        return _redisplay(request, meeting, "item", form, exc)
    whose = "your" if owner.pk == request.user.pk else f"{owner.name}'s"
    messages.success(request, f"Action item added: it is now one of {whose} commitments, on {whose} week page.")
    return redirect(_series_url(series, meeting) + f"#item-{item.pk}")


@login_required
@require_POST
def record(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    series = meeting.series
    members = None if series.is_one_to_one else list(User.objects.filter(memberships__team=series.team))
    form = RecordForm(request.POST, members=members)
    if not form.is_valid():
        return _redisplay(request, meeting, "record", form)
    try:
        services.meeting_record(
            meeting=meeting,
            actor=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            attendee_ids=form.cleaned_data.get("attendees"),
        )
    except ValidationError as exc:
        return _redisplay(request, meeting, "record", form, exc)
    if form.cleaned_data["status"] == "held":
        messages.success(request, "Recorded as held. Open points move to the next meeting.")
    else:
        messages.success(request, "Recorded as skipped, with your reason. Open points move to the next meeting.")
    return redirect(_series_url(series, meeting))


@login_required
@require_POST
def move(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _get_meeting_for(request.user, meeting_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _redisplay(request, meeting, "move", form)
    try:
        services.meeting_move(meeting=meeting, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _redisplay(request, meeting, "move", form, exc)
    messages.success(request, "Meeting moved. The agenda moves with it.")
    return redirect(_series_url(meeting.series, meeting))


@login_required
@require_POST
def cadence_change(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    form = CadenceForm(request.POST)
    if form.is_valid():
        try:
            services.series_change_cadence(series=series, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "New rhythm saved, from the next meeting on.")
            return redirect(_series_url(series))
    return _render_series(request, series, forms={"cadence": form}, status=422)


@login_required
@require_POST
def series_end(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.series_end(series=series, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The series has ended. Its history stays here for both of you.")
            return redirect(_series_url(series))
    return _render_series(request, series, forms={"end": form}, status=422)


@login_required
@require_POST
def transfer_propose(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    managers = selectors.transfer_candidates(series=series)
    form = TransferForm(request.POST, managers=managers)
    if form.is_valid():
        to = next(u for u in managers if u.pk == form.cleaned_data["to_manager"])
        try:
            services.series_transfer_propose(series=series, actor=request.user, to_manager=to)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Suggested. It moves to {to.name} once {series.member.name} agrees.")
            return redirect(_series_url(series))
    return _render_series(request, series, forms={"transfer": form}, status=422)


@login_required
@require_POST
def transfer_answer(request: HttpRequest, series_id: int) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    accept = request.POST.get("accept") == "1"
    try:
        result = services.series_transfer_answer(series=series, actor=request.user, accept=accept)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return redirect(_series_url(series))
    if accept:
        messages.success(request, "Agreed. Your one-to-ones continue here; the earlier ones stay readable.")
    else:
        messages.info(request, "Declined. Nothing changes.")
    return redirect(_series_url(result))
