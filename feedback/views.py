"""Pages for anonymous feedback.

The writer's pages (writing, and following up with the code) must leave no trace of who used
them: they never write the session, set no cookie of their own, use no messages framework
(a pending message shown there would be written back to the session or a cookie), log
nothing, and ask browsers not to keep a copy. The follow-up code travels only in POST bodies,
and in the response of the one page that shows it.

Post/redirect/get everywhere: no page is the direct response of a POST that writes something,
so a reload or the back button never sends anything twice. Where the next page must show
something no URL may carry (the new follow-up code, or which conversation was just answered),
the POST keeps it in the shared cache under a random single-use token
(services.shown_once_put) and redirects to a page that takes it once; opened again, that page
says kindly that it was shown once.

The managers' pages are ordinary signed-in pages.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from accountability.forms import add_service_errors
from accountability.models import Team
from accountability.navigation import CURRENT_TEAM_SESSION_KEY
from accountability.private_pages import render_private

from . import permissions, selectors, services
from .forms import (
    CodeForm,
    ConsentForm,
    FeedbackForm,
    ManagerReplyForm,
    PublishForm,
    StatusForm,
    WriterReplyForm,
    admins_reason,
    destination_of,
)
from .models import Author, FeedbackThread, ThreadStatus

INBOX_PAGE_SIZE = 25


# Every name the writer's pages (and base.html) look up, so none is ever missing: for a missing
# name Django's template debug log dumps the whole context, the signed-in person included.
_PRIVATE_DEFAULTS = {
    "confirm": False,
    "destination": None,
    "left": None,
    "notice": "",
    "not_found": False,
    "shown_once": False,
    "throttled": False,
    "email_paused": False,
    "code_known": False,
    "readers": "",
    "when": "",
    "consent_when": "",
}


def _render_private(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Render one of the writer's pages, leaving no trace (accountability.private_pages)."""
    return render_private(request, template, context, defaults=_PRIVATE_DEFAULTS, status=status)


def _readers(to_admins: bool) -> str:
    return "the organisation's admins" if to_admins else "your managers"


def _when_released(team: Team, written_on, now=None) -> str:
    """When readers see what was written on a team day, said the kind way: "tomorrow from
    08:00, Europe/London time"."""
    now = now or timezone.now()
    at = services.release_at(team=team, written_on=written_on)
    if at <= now:
        return "any moment now"
    day, today = at.astimezone(team.tz).date(), team.today(now)
    if day == today:
        when = "today"
    elif day == today + timedelta(days=1):
        when = "tomorrow"
    else:
        when = f"on {day:%A} {day.day} {day:%B}"
    return f"{when} from {services.RELEASE_LOCAL_TIME:%H:%M}, {team.time_zone} time"


# --- Writing -------------------------------------------------------------------------------


def _destination(team) -> dict | None:
    if team is None:
        return None
    kind = destination_of(team)
    return {"kind": kind, "team": team, "reason": admins_reason(team) if kind == "admins" else ""}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def feedback_new(request: HttpRequest) -> HttpResponse:
    teams = selectors.teams_for_writing()
    left = services.submissions_left(writer=request.user)
    if request.method != "POST":
        # Start from the team last opened (read from the session, never written to it).
        team = teams.filter(pk=request.session.get(CURRENT_TEAM_SESSION_KEY)).first()
        form = FeedbackForm(
            teams=teams, initial={"team": team, "shown_destination": destination_of(team) if team else ""}
        )
        return _render_private(
            request, "feedback/new.html", {"form": form, "destination": _destination(team), "left": left}
        )

    form = FeedbackForm(request.POST, teams=teams)
    if not form.is_valid():
        team = form.cleaned_data.get("team")
        context = {"form": form, "destination": _destination(team), "left": left}
        return _render_private(request, "feedback/new.html", context, status=422)

    data = form.cleaned_data
    destination = _destination(data["team"])
    if data["shown_destination"] != destination["kind"]:
        # The page said (or, without JavaScript, could only say) something else: say where it
        # really goes, and send only when they confirm.
        confirmed = request.POST.copy()
        confirmed["shown_destination"] = destination["kind"]
        form = FeedbackForm(confirmed, teams=teams)
        form.is_valid()
        context = {"form": form, "destination": destination, "left": left, "confirm": True}
        return _render_private(request, "feedback/new.html", context)

    try:
        submitted = services.feedback_submit(
            writer=request.user, team=data["team"], category=data["category"], body=data["body"], sign=data["sign"]
        )
    except services.Throttled:
        form.add_error(
            None,
            f"You've sent {services.DAILY_LIMIT} pieces of anonymous feedback today, the most we take from one "
            "person in a day. Your text is still here: send it tomorrow, or tick “Sign it with my name” to send "
            "it now.",
        )
        context = {"form": form, "destination": destination, "left": 0}
        return _render_private(request, "feedback/new.html", context, status=429)
    except ValidationError as exc:
        add_service_errors(form, exc)
        context = {"form": form, "destination": destination, "left": left}
        return _render_private(request, "feedback/new.html", context, status=422)
    # Shown once, on the page this redirects to: a reload there shows nothing and sends nothing.
    token = services.shown_once_put(
        value={
            "kind": "code",
            "code": submitted.code,
            "team": submitted.thread.team_id,
            "to_admins": submitted.thread.to_admins,
            "signed": submitted.thread.is_signed,
            "written_on": submitted.thread.created_on,
        }
    )
    return redirect("feedback_sent", token=token)


@never_cache
@require_GET  # not HEAD: a HEAD request would take the token and show nothing
def feedback_sent(request: HttpRequest, token: str) -> HttpResponse:
    """The follow-up code, once. The code is not stored anywhere it could be read back: opened
    again (a reload, the back button), the page says so and shows nothing."""
    shown = services.shown_once_take(token=token)
    team = Team.objects.filter(pk=shown["team"]).first() if shown and shown.get("kind") == "code" else None
    if team is None:
        return _render_private(request, "feedback/sent_once.html", {}, status=410)
    return _render_private(
        request,
        "feedback/sent.html",
        {
            "code": shown["code"],
            "team": team,
            "to_admins": shown["to_admins"],
            "signed": shown["signed"],
            "readers": _readers(shown["to_admins"]),
            "when": _when_released(team, shown["written_on"]),
        },
    )


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
            _render_private(request, "feedback/follow_up.html", {"form": CodeForm(), "throttled": True}, status=429)
        )
    thread = services.thread_for_code(code)
    if thread is None:
        services.wrong_code_record(client_key=client)
        form = CodeForm(initial={"code": code})
        raise _Refused(
            _render_private(request, "feedback/follow_up.html", {"form": form, "not_found": True}, status=404)
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
        message.when = _when_released(team, message.created_on, now) if message.pending else ""
    context = {
        "thread": thread,
        "conversation": conversation,
        "answered": any(message.author_kind == Author.MANAGER for message in conversation),
        "readers": _readers(thread.to_admins),
        "when": _when_released(team, thread.created_on, now) if not thread.is_released else "",
        "consent_when": _when_released(team, thread.consent_pending_on, now)
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
    return _render_private(request, "feedback/conversation.html", context, status=status)


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
        return _render_private(request, "feedback/follow_up.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _render_private(request, "feedback/follow_up.html", {"form": form}, status=422)
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
            when = _when_released(thread.team, message.created_on)
            readers = _readers(thread.to_admins)
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
    readers = _readers(thread.to_admins)
    if thread.consent_pending is None:  # the choice they had already made
        notice = "Your choice is saved, as it was."
    elif consent:
        when = _when_released(thread.team, thread.consent_pending_on)
        notice = (
            f"Thank you. {readers.capitalize()} will see your choice {when}; from then they may share the gist "
            "of this with the team, in their own words."
        )
    else:
        when = _when_released(thread.team, thread.consent_pending_on)
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
        return _render_private(request, "feedback/follow_up.html", {"form": CodeForm(), "shown_once": True}, status=410)
    return _render_conversation(request, thread, None, notice=shown["notice"])


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
