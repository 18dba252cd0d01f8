"""Following up with the code: the writer's conversation, their answers and their consent."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accountability.forms import add_service_errors

from .. import selectors, services
from ..forms import (
    CodeForm,
    ConsentForm,
    WriterReplyForm,
)
from ..models import Author, FeedbackThread
from .private import readers_of, render_writer_page, when_released

# --- Following up with the code ----------------------------------------------------------
# These pages need no sign-in and take no CSRF token: a token means a cookie, and the code in
# the form is already the only thing that opens a conversation, so a forged request can do
# nothing its sender couldn't do with the code themselves.


class _Refused(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _client_key(request: HttpRequest) -> str:
    """The client's address, used only as an expiring keyed hash in the cache
    (services.wrong_code_record). Behind our own proxy every request comes from the proxy, so
    the address it forwards is the one that tells clients apart."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the one it vouches for.
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _thread_for_code(request: HttpRequest, code: str) -> FeedbackThread:
    """The conversation the code opens, or a refusal: 429 while this client has tried too many
    wrong codes (checked first, so a right guess can't be told from a wrong one), else 404."""
    client = _client_key(request)
    if services.wrong_code_throttled(client_key=client):
        raise _Refused(
            render_writer_page(request, "feedback/follow_up.html", {"form": CodeForm(), "throttled": True}, status=429)
        )
    thread = services.thread_for_code(code)
    if thread is None:
        services.wrong_code_record(client_key=client)
        form = CodeForm(initial={"code": code})
        raise _Refused(
            render_writer_page(request, "feedback/follow_up.html", {"form": form, "not_found": True}, status=404)
        )
    return thread


def _render_conversation(
    request: HttpRequest,
    thread: FeedbackThread,
    code: str | None,
    *,
    reply_form: WriterReplyForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The writer's conversation, their own waiting messages and choice included. Without the
    code (the page a reply or a choice redirects to), it asks for the code to go on."""
    now = timezone.now()
    team = thread.team
    conversation = selectors.writer_conversation(thread)
    for message in conversation:
        message.when = when_released(team, message.created_on, now) if message.pending else ""
    context = {
        "thread": thread,
        "conversation": conversation,
        "answered": any(message.author_kind == Author.MANAGER for message in conversation),
        "readers": readers_of(thread.to_admins),
        "when": when_released(team, thread.created_on, now) if not thread.is_released else "",
        "consent_when": when_released(team, thread.consent_pending_on, now)
        if thread.consent_pending is not None
        else "",
        "notice": notice,
        "code_known": code is not None,
    }
    if code is not None:
        code = services.code_normalise(code)
        context["reply_form"] = reply_form or WriterReplyForm(initial={"code": code})
        context["consent_form"] = ConsentForm(initial={"code": code, "consent": thread.consent_as_chosen})
    else:
        context["form"] = CodeForm()
    return render_writer_page(request, "feedback/conversation.html", context, status=status)


def _redirect_to_conversation(thread: FeedbackThread, notice: str) -> HttpResponse:
    """After a writer's POST: on to a page that shows the conversation once (the token carries
    which thread, never the code)."""
    token = services.shown_once_put(value={"kind": "conversation", "thread": str(thread.pk), "notice": notice})
    return redirect("feedback_follow_up_shown", token=token)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def follow_up(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render_writer_page(request, "feedback/follow_up.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render_writer_page(request, "feedback/follow_up.html", {"form": form}, status=422)
    code = form.cleaned_data["code"]
    try:
        thread = _thread_for_code(request, code)
    except _Refused as refused:
        return refused.response
    return _render_conversation(request, thread, code)


@csrf_exempt
@never_cache
@require_POST
@sensitive_post_parameters()
def follow_up_reply(request: HttpRequest) -> HttpResponse:
    form = WriterReplyForm(request.POST)
    code = request.POST.get("code", "")
    try:
        thread = _thread_for_code(request, code)
    except _Refused as refused:
        return refused.response
    if form.is_valid():
        try:
            message = services.writer_reply(thread=thread, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            when = when_released(thread.team, message.created_on)
            readers = readers_of(thread.to_admins)
            return _redirect_to_conversation(thread, f"Sent. {readers.capitalize()} will see your answer {when}.")
    return _render_conversation(request, thread, code, reply_form=form, status=422)


@csrf_exempt
@never_cache
@require_POST
@sensitive_post_parameters()
def follow_up_consent(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    code = request.POST.get("code", "")
    try:
        thread = _thread_for_code(request, code)
    except _Refused as refused:
        return refused.response
    form.is_valid()  # a checkbox: absent means no
    consent = bool(form.cleaned_data.get("consent"))
    thread = services.writer_set_consent(thread=thread, consent=consent)
    readers = readers_of(thread.to_admins)
    if thread.consent_pending is None:  # the choice they had already made
        notice = "Your choice is saved, as it was."
    elif consent:
        when = when_released(thread.team, thread.consent_pending_on)
        notice = (
            f"Thank you. {readers.capitalize()} will see your choice {when}; from then they may share the gist "
            "of this with the team, in their own words."
        )
    else:
        when = when_released(thread.team, thread.consent_pending_on)
        notice = (
            f"Noted. {readers.capitalize()} will see your choice {when}; from then nothing from this conversation "
            "will be shared with the team, and anything shared already is taken down."
        )
    return _redirect_to_conversation(thread, notice)


@never_cache
@require_GET
def follow_up_shown(request: HttpRequest, token: str) -> HttpResponse:
    """The conversation just answered (or whose choice was just saved), once. Opened again, it
    asks for the code, as the follow-up page always does."""
    shown = services.shown_once_take(token=token)
    thread = None
    if shown and shown.get("kind") == "conversation":
        thread = FeedbackThread.objects.select_related("team").filter(pk=shown["thread"]).first()
    if thread is None:
        return render_writer_page(
            request, "feedback/follow_up.html", {"form": CodeForm(), "shown_once": True}, status=410
        )
    return _render_conversation(request, thread, None, notice=shown["notice"])
