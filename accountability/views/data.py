"""People's data: one's own export; for organisation admins, a person's page (deactivate,
delete), the audit trail and the retention policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from .. import permissions, selectors_data, services
from ..forms_data import AuditFilterForm, PersonDeleteForm, RetentionForm
from ..models import User

EXPORT_LINK_PROBLEMS = {
    "expired": "This download link has expired, or the file was removed. Ask for a new copy on your profile page.",
    "invalid": "This download link is not valid. Check that you copied the whole link from the email.",
}


def _require_admin(user) -> None:
    if not permissions.can_administer_people(user):
        raise Http404


@login_required
@require_POST
def data_export_request(request: HttpRequest) -> HttpResponse:
    services.data_export_request(user=request.user, actor=request.user)
    messages.success(request, "We're preparing your data. We'll email you a download link in a few minutes.")
    return redirect("profile")


@login_required
@require_safe
def data_export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: for the signed-in person whose export it is, until it expires.
    Someone else's link is a 404, whoever asks."""
    try:
        export = services.data_export_from_token(token=token, user=request.user)
    except services.ExportLinkInvalid as exc:
        if exc.reason == "not-yours":
            raise Http404 from exc
        return render(
            request,
            "accountability/data_export_invalid.html",
            {"problem": EXPORT_LINK_PROBLEMS[exc.reason]},
            status=410,
        )
    return FileResponse(export.file.open("rb"), as_attachment=True, filename="checkins-my-data.zip")


@login_required
@require_safe
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    try:
        before_id = int(request.GET.get("before", "") or 0) or None
    except ValueError:
        before_id = None
    events = selectors_data.audit_events(
        action=filters.get("action", ""),
        actor_email=filters.get("actor", ""),
        team_query=filters.get("team", ""),
        on_or_after=filters.get("on_or_after"),
        on_or_before=filters.get("on_or_before"),
        before_id=before_id,
    )
    older = None
    if len(events) > selectors_data.AUDIT_PAGE_SIZE:
        events = events[: selectors_data.AUDIT_PAGE_SIZE]
        query = request.GET.copy()
        query["before"] = events[-1].pk
        older = f"{reverse('audit_list')}?{query.urlencode()}"
    newest = None
    if before_id:
        query = request.GET.copy()
        query.pop("before", None)
        newest = f"{reverse('audit_list')}?{query.urlencode()}"
    return render(
        request, "accountability/audit_list.html", {"form": form, "events": events, "older": older, "newest": newest}
    )


@login_required
def data_settings(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    current = services.organisation_settings()
    form = RetentionForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_settings_update(
                actor=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Data settings saved. The next daily purge applies them.")
            return redirect("data_settings")
    return render(request, "accountability/data_settings.html", {"form": form})


def _get_person_for(user, user_id: int) -> User:
    _require_admin(user)
    return get_object_or_404(User, pk=user_id)


@login_required
@require_safe
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _get_person_for(request.user, user_id)
    return render(
        request,
        "accountability/person.html",
        {
            "person": person,
            "memberships": selectors_data.person_memberships(person),
            "former": services.is_former_member(person),
            "delete_form": PersonDeleteForm(),
        },
    )


def _person_action(request: HttpRequest, user_id: int, action, done: str) -> HttpResponse:
    person = _get_person_for(request.user, user_id)
    name = person.name
    try:
        action(user=person, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done.format(name=name))
    return redirect("person_detail", user_id=person.pk)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _person_action(
        request, user_id, services.person_deactivate, "{name} is deactivated: no sign-in, no email, history kept."
    )


@login_required
@require_POST
def person_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _person_action(request, user_id, services.person_reactivate, "{name} can sign in again.")


@login_required
@require_POST
def person_delete(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _get_person_for(request.user, user_id)
    form = PersonDeleteForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accountability/person.html",
            {
                "person": person,
                "memberships": selectors_data.person_memberships(person),
                "former": services.is_former_member(person),
                "delete_form": form,
            },
            status=400,
        )
    return _person_action(
        request,
        user_id,
        services.person_delete,
        "{name}'s personal data is deleted. They appear as “former member” where team figures need them.",
    )
