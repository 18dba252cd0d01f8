"""Review: a check-in for its managers and its member, and its reply thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accountability import permissions as core_permissions
from accountability.forms import add_service_errors
from accountability.models import User

from .. import selectors, services
from ..forms import ReplyForm
from ..models import CheckIn
from .common import _is_htmx, _reply_sent_message


def _get_checkin_for(user: User, checkin_id: int, *, to_review: bool = False) -> CheckIn:
    """The check-in, for its member and the team's managers (404 for anyone else). With
    `to_review`, only for those who may acknowledge it: the team's other managers."""
    checkin = selectors.checkin_for_viewer(viewer=user, checkin_id=checkin_id)
    if checkin is None or not core_permissions.can_view_checkin(user, checkin):
        raise Http404
    if to_review and not core_permissions.can_review_checkin(user, checkin):
        raise Http404
    return checkin


def _checkin_context(request: HttpRequest, checkin: CheckIn) -> dict:
    return {
        "checkin": checkin,
        "team": checkin.team,
        "member": checkin.member,
        "is_self": checkin.member_id == request.user.pk,
        "can_review": core_permissions.can_review_checkin(request.user, checkin),
        "can_reply": core_permissions.can_reply_on_checkin(request.user, checkin),
        "reply_url": reverse("checkin_reply", args=[checkin.pk]),
    }


def _render_checkin(
    request: HttpRequest, checkin: CheckIn, *, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    review = selectors.checkin_review(checkin=checkin)
    selectors.with_answers([checkin], team=checkin.team)
    # Support and blockers are shown first, on their own: the other answers follow the mood.
    checkin.answered_others = [
        a for a in checkin.answered if a.question.special not in ("support_requested", "blockers")
    ]
    return render(
        request,
        "checkins/checkin_detail.html",
        {
            **_checkin_context(request, checkin),
            "review": review,
            "week": review.week,
            "thread": review.thread,
            "reply_form": reply_form,
        },
        status=status,
    )


def _render_checkin_status(request: HttpRequest, checkin: CheckIn) -> HttpResponse:
    return render(request, "checkins/_checkin_status.html", _checkin_context(request, checkin))


@login_required
def checkin_detail(request: HttpRequest, checkin_id: int) -> HttpResponse:
    return _render_checkin(request, _get_checkin_for(request.user, checkin_id))


@login_required
@require_POST
def checkin_acknowledge(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = _get_checkin_for(request.user, checkin_id, to_review=True)
    already = checkin.acknowledged_at is not None
    try:
        services.checkin_acknowledge(checkin=checkin, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if _is_htmx(request):
        # The block as it now stands (also when someone else was first).
        return _render_checkin_status(request, checkin)
    if already:
        messages.info(request, f"{checkin.acknowledged_by.name} had already acknowledged it.")
    elif checkin.acknowledged_at is not None:
        messages.success(request, f"Acknowledged. {checkin.member.name} will see that you've read it.")
    return redirect("checkin_detail", checkin_id=checkin.pk)


@login_required
@require_POST
def checkin_support_answered(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = _get_checkin_for(request.user, checkin_id, to_review=True)
    try:
        services.support_mark_answered(checkin=checkin, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if _is_htmx(request):
        return _render_checkin_status(request, checkin)
    if checkin.support_answered_at is not None:
        messages.success(request, "Marked as answered. Thank you for making time for it.")
    return redirect("checkin_detail", checkin_id=checkin.pk)


@login_required
@require_POST
def checkin_reply(request: HttpRequest, checkin_id: int) -> HttpResponse:
    checkin = _get_checkin_for(request.user, checkin_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(author=request.user, body=form.cleaned_data["body"], checkin=checkin)
        except ValidationError as exc:
            add_service_errors(form, exc)
    if _is_htmx(request):
        # The thread with a fresh form (or the typed text and what to fix), and the
        # acknowledgement, which a manager's reply may just have given.
        return render(
            request,
            "checkins/_checkin_reply_response.html",
            {
                **_checkin_context(request, checkin),
                "thread": selectors.checkin_thread(checkin=checkin),
                "reply_form": form if form.errors else None,
            },
            status=422 if form.errors else 200,
        )
    if form.errors:
        return _render_checkin(request, checkin, reply_form=form, status=422)
    messages.success(request, _reply_sent_message(request.user, checkin.member))
    return redirect(reverse("checkin_detail", args=[checkin.pk]) + "#replies")
