"""One-to-ones and team meetings: the pages and the forms they post. Every lookup is scoped by
permissions.py: a series someone may not see is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accountability import selectors as core_selectors
from accountability.forms import add_service_errors
from accountability.models import Membership, Role, User
from accountability.weeks import week_range

from . import ics, selectors, services
from .forms import (
    ActionItemForm,
    CadenceForm,
    EndForm,
    MoveForm,
    NotesForm,
    PointForm,
    PrivateNoteForm,
    RecordForm,
    StartForm,
    TransferForm,
)
from .models import AgendaPoint, Kind, Meeting, Series
from .permissions import can_add_points, can_change_series, can_record, can_view_series


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


@login_required
def index(request: HttpRequest) -> HttpResponse:
    people = selectors.series_people_choices(request.user)
    form = StartForm(request.POST or None, people=people) if people else None
    if request.method == "POST":
        if form is None:
            raise Http404("Nobody to meet")
        if form.is_valid():
            team_id, user_id = (int(x) for x in form.cleaned_data["other"].split(":"))
            team = next(team for team, _ in people if team.pk == team_id)
            other = get_object_or_404(User, pk=user_id)
            try:
                series = services.series_start(
                    team=team,
                    actor=request.user,
                    other=other,
                    cadence=form.cleaned_data["cadence"],
                    weekday=form.cleaned_data["weekday"],
                    local_time=form.cleaned_data["local_time"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"One-to-one with {other.name} planned. Add a first talking point?")
                return redirect(_series_url(series))
    all_series = selectors.series_for_user(request.user)
    managed = [ms.team for ms in Membership.objects.filter(user=request.user, role=Role.MANAGER).select_related("team")]
    return render(
        request,
        "meetings/index.html",
        {
            "one_to_ones": [s for s in all_series if s.kind == Kind.ONE_TO_ONE],
            "team_series": [s for s in all_series if s.kind == Kind.TEAM],
            "form": form,
            "managed_teams": managed,
            # Per manager, for the teams this person manages (counts, never content): a query a team.
            "held_by_manager": [
                (team, selectors.one_to_ones_by_manager(team=team, weeks=week_range(team.current_week(), 12)))
                for team in managed
            ],
        },
        status=422 if form is not None and form.errors else 200,
    )


@login_required
def team_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's meeting: its page if one is planned; otherwise its managers plan one."""
    team = get_object_or_404(
        core_selectors.teams_with_viewer_role(request.user).filter(viewer_role__isnull=False), slug=slug
    )
    running = Series.objects.filter(kind=Kind.TEAM, team=team, ended_at__isnull=True).first()
    if running is not None and request.method != "POST":
        return redirect(_series_url(running))
    form = CadenceForm(request.POST or None)
    if request.method == "POST":
        if team.viewer_role != Role.MANAGER:
            raise Http404("Only managers plan team meetings")
        if form.is_valid():
            try:
                series = services.team_series_start(team=team, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Team meeting planned. Everyone in the team can add agenda points.")
                return redirect(_series_url(series))
    return render(
        request,
        "meetings/team.html",
        {"team": team, "form": form, "can_plan": team.viewer_role == Role.MANAGER},
        status=422 if form.errors else 200,
    )


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
        managers = [
            ms.user
            for ms in Membership.objects.filter(team=series.team, role=Role.MANAGER)
            .exclude(user_id=series.manager_id)
            .select_related("user")
        ]
        if managers:
            context["transfer_form"] = forms.get("transfer") or TransferForm(managers=managers)
    return render(request, "meetings/series.html", context, status=status)


@login_required
@require_GET
def series_page(request: HttpRequest, series_id: int, meeting_id: int | None = None) -> HttpResponse:
    series = _get_series_for(request.user, series_id)
    return _render_series(request, series, meeting_id)


def _redisplay(request, meeting: Meeting, key: str, form, exc: ValidationError | None = None) -> HttpResponse:
    """What was typed comes back with the message, never lost."""
    if exc is not None and not hasattr(exc, "error_dict"):
        # Not about a field (the series ended, the meeting was recorded meanwhile): said at the
        # top of the page, where it shows even when the form no longer does.
        messages.warning(request, " ".join(exc.messages))
    elif exc is not None:
        add_service_errors(form, exc)
    return _render_series(request, meeting.series, meeting.pk, forms={key: form}, status=422)


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
    managers = [ms.user for ms in Membership.objects.filter(team=series.team, role=Role.MANAGER).select_related("user")]
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


@login_required
@require_GET
def calendar(request: HttpRequest, series_id: int) -> HttpResponse:
    """The series as an ICS file: signed in, and only for who may see the series."""
    series = _get_series_for(request.user, series_id)
    meetings = list(series.meetings.order_by("starts_at"))
    body = ics.series_calendar(series=series, meetings=meetings, title=_title(series, request.user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meetings-{series.pk}.ics"'
    return response
