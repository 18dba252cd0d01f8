"""The managers' (and admins') pages: the inbox and a thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accountability.forms import add_service_errors

from .. import permissions, selectors, services
from ..forms import (
    ManagerReplyForm,
    PublishForm,
    StatusForm,
)
from ..models import FeedbackThread, ThreadStatus

INBOX_PAGE_SIZE = 25


# --- Managers ----------------------------------------------------------------------------


def _get_thread_for(user, thread_id) -> FeedbackThread:
    """The thread, if this person handles it: 404 otherwise, for members above all."""
    thread = get_object_or_404(FeedbackThread.objects.select_related("team", "signed_by"), pk=thread_id)
    if not permissions.can_handle(user, thread):
        raise Http404
    return thread


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    if not permissions.can_use_inbox(request.user):
        raise Http404
    status = request.GET.get("status")
    if status not in ThreadStatus.values:
        status = None
    threads = selectors.inbox_threads(request.user, status=status)
    page = Paginator(threads, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/inbox.html",
        {"page": page, "status": status, "statuses": ThreadStatus.choices},
    )


def _render_thread(
    request: HttpRequest,
    thread: FeedbackThread,
    *,
    reply_form: ManagerReplyForm | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "feedback/thread.html",
        {
            "thread": thread,
            "conversation": selectors.thread_messages(thread),
            "reply_form": reply_form or ManagerReplyForm(),
            "status_form": StatusForm(initial={"status": thread.status}),
            "publish_form": publish_form
            or PublishForm(initial={"gist": thread.published_gist, "answer": thread.published_answer}),
        },
        status=status,
    )


@login_required
@require_safe
def thread_detail(request: HttpRequest, thread_id) -> HttpResponse:
    return _render_thread(request, _get_thread_for(request.user, thread_id))


@login_required
@require_POST
def thread_reply(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _get_thread_for(request.user, thread_id)
    form = ManagerReplyForm(request.POST)
    if form.is_valid():
        try:
            services.manager_reply(thread=thread, manager=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Answer sent. The writer reads it when they come back with their code.")
            return redirect("feedback_thread", thread_id=thread.pk)
    return _render_thread(request, thread, reply_form=form, status=422)


@login_required
@require_POST
def thread_status(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _get_thread_for(request.user, thread_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.thread_set_status(thread=thread, actor=request.user, status=form.cleaned_data["status"])
        messages.success(request, f"Marked as “{thread.get_status_display().lower()}”.")
    else:
        messages.error(request, "Choose one of the statuses.")
    return redirect("feedback_thread", thread_id=thread.pk)


@login_required
@require_POST
def thread_publish(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _get_thread_for(request.user, thread_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.thread_publish(
                thread=thread, actor=request.user, gist=form.cleaned_data["gist"], answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Shared with {thread.team.name} as “You said, we did”.")
            return redirect("feedback_thread", thread_id=thread.pk)
    return _render_thread(request, thread, publish_form=form, status=422)


@login_required
@require_POST
def thread_unpublish(request: HttpRequest, thread_id) -> HttpResponse:
    thread = _get_thread_for(request.user, thread_id)
    services.thread_unpublish(thread=thread, actor=request.user)
    messages.success(request, f"Taken down from {thread.team.name}'s page.")
    return redirect("feedback_thread", thread_id=thread.pk)
