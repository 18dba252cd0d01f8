"""Team updates, values and thanks: thin views over the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accountability import permissions as core_permissions
from accountability import selectors as core_selectors
from accountability.forms import add_service_errors
from accountability.models import Team, User

from . import permissions, selectors, services
from .forms import RecognitionForm, UpdateForm, ValueForm
from .models import Update, Value


def _get_team_for(user: User, slug: str) -> Team:
    team = get_object_or_404(core_selectors.teams_with_viewer_role(user), slug=slug)
    if not core_permissions.can_view_team(user, team):
        raise Http404
    return team


def _get_update_for(user: User, pk: int) -> Update:
    update = selectors.update_with_counts(pk=pk)
    if update is None or not permissions.can_view_update(user, update):
        raise Http404
    return update


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- Updates -----------------------------------------------------------------------------


@login_required
@require_safe
def team_updates(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    before = request.GET.get("before")
    updates, next_before = selectors.updates_page(team=team, user=request.user, before=before)
    return render(
        request,
        "updates/list.html",
        {
            "team": team,
            "updates": updates,
            "next_before": next_before,
            "paged": bool(before),
            "can_post": permissions.can_post_update(request.user, team),
        },
    )


def _post_update(request: HttpRequest, team: Team | None) -> HttpResponse:
    if not permissions.can_post_update(request.user, team):
        raise Http404
    form = UpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update = services.update_post(
                author=request.user, team=team, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Update posted. People see it on their week page until they've read it.")
            return redirect("update_detail", update.pk)
    return render(
        request,
        "updates/new.html",
        {"team": team, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def update_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _post_update(request, _get_team_for(request.user, slug))


@login_required
def update_new_organisation(request: HttpRequest) -> HttpResponse:
    return _post_update(request, None)


@login_required
@require_safe
def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    update = _get_update_for(request.user, pk)
    # Opening an update is reading it (the author's own reading is no receipt).
    services.update_mark_read(update=update, user=request.user)
    is_author = permissions.can_see_read_count(request.user, update)
    return render(
        request,
        "updates/detail.html",
        {
            "update": update,
            "is_author": is_author,
            "responses": selectors.update_responses(update=update) if is_author else [],
            "my_responses": set() if is_author else selectors.update_responses_of(update=update, user=request.user),
        },
    )


@login_required
@require_POST
def update_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    update = _get_update_for(request.user, pk)
    services.update_mark_read(update=update, user=request.user)
    messages.success(request, f"Marked “{update.title}” as read.")
    return redirect(_next_url(request, reverse("update_detail", args=[update.pk])))


@login_required
@require_POST
def update_respond(request: HttpRequest, pk: int) -> HttpResponse:
    update = _get_update_for(request.user, pk)
    try:
        created = services.update_respond(update=update, user=request.user, kind=request.POST.get("kind", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        author = update.author.name if update.author else "The author"
        if request.POST.get("kind") == "question":
            text = f"{author} will see you have a question; they'll get back to you."
        else:
            text = f"{author} will see your thanks."
        messages.success(request, text if created else "Already sent: once is enough.")
    return redirect("update_detail", update.pk)


# --- Values ------------------------------------------------------------------------------


@login_required
@require_safe
def value_list(request: HttpRequest) -> HttpResponse:
    if not permissions.in_organisation(request.user):
        raise Http404
    can_manage = permissions.can_manage_values(request.user)
    return render(
        request,
        "updates/values.html",
        {
            "values": selectors.values_all() if can_manage else selectors.values_current(),
            "can_manage": can_manage,
        },
    )


@login_required
def value_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not permissions.can_manage_values(request.user):
        raise Http404
    value = get_object_or_404(Value, pk=pk) if pk is not None else None
    initial = {"name": value.name, "meaning": value.meaning, "order": value.order} if value else None
    form = ValueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if value is None:
                services.value_create(
                    actor=request.user, name=data["name"], meaning=data["meaning"], order=data["order"]
                )
            else:
                services.value_update(
                    actor=request.user,
                    value=value,
                    name=data["name"],
                    meaning=data["meaning"],
                    order=data["order"] if data["order"] is not None else value.order,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Value saved.")
            return redirect("value_list")
    return render(
        request,
        "updates/value_form.html",
        {"form": form, "value": value},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def value_retire(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_manage_values(request.user):
        raise Http404
    value = get_object_or_404(Value, pk=pk)
    retire = request.POST.get("retire", "1") == "1"
    services.value_retire(actor=request.user, value=value, retire=retire)
    if retire:
        messages.success(request, f"“{value.name}” is retired: past thanks keep it; new thanks can't use it.")
    else:
        messages.success(request, f"“{value.name}” is one of the organisation's values again.")
    return redirect("value_list")


# --- Recognition -------------------------------------------------------------------------


@login_required
def recognition_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for(request.user, slug)
    if not permissions.can_give_thanks(request.user):
        raise Http404
    form = RecognitionForm(
        request.POST or None,
        teammates=selectors.colleagues_for_thanks(team=team, user=request.user),
        values=selectors.values_all(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipients = list(data["teammates"])
        found = {u.email.lower(): u for u in User.objects.filter(email__in=data["others"], is_active=True)}
        unknown = [email for email in data["others"] if email not in found]
        if unknown:
            form.add_error("others", f"We couldn't find {', '.join(unknown)} in this organisation. Check the address?")
        else:
            try:
                services.recognition_give(
                    giver=request.user,
                    recipients=recipients + list(found.values()),
                    values=list(data["values"]),
                    message=data["message"],
                )
            except ValidationError as exc:
                _recognition_errors(form, exc)
            else:
                messages.success(request, "Thank you for saying thanks. They'll be told by email.")
                return redirect(reverse("team_detail", args=[team.slug]) + "#thanks")
    return render(
        request,
        "updates/recognition_new.html",
        {"team": team, "form": form, "has_values": bool(form.fields["values"].widget.choices)},
        status=422 if request.method == "POST" else 200,
    )


def _recognition_errors(form: RecognitionForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "recipients" in exc.error_dict:
        for error in exc.error_dict.pop("recipients"):
            form.add_error("teammates", error)
    add_service_errors(form, exc)


@login_required
@require_safe
def recognition_mine(request: HttpRequest) -> HttpResponse:
    if not permissions.in_organisation(request.user):
        raise Http404
    return render(
        request,
        "updates/recognition_mine.html",
        {
            "received": selectors.recognitions_received(user=request.user),
            "given": selectors.recognitions_given(user=request.user),
        },
    )
