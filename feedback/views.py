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
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from accountability import selectors as accountability_selectors
from accountability.exports import csv_stream, neutralise
from accountability.forms import add_service_errors
from accountability.models import Team
from accountability.navigation import CURRENT_TEAM_SESSION_KEY

from . import permissions, selectors, services
from .forms import (
    AGREEMENT_WORDS,
    CodeForm,
    ConsentForm,
    FeedbackForm,
    ManagerReplyForm,
    PublishForm,
    QuestionEditFormSet,
    QuestionFormSet,
    RoundScheduleForm,
    StatusForm,
    SurveyAnswerForm,
    TemplateForm,
    WriterReplyForm,
    admins_reason,
    default_round_times,
    destination_of,
    formset_questions,
    question_formset_with_more_rows,
    question_rows,
)
from .models import Author, FeedbackThread, QuestionKind, Strategy, SurveyRound, SurveyTemplate, ThreadStatus

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
    """Render one of the writer's pages, leaving no trace:

    * `messages` is hidden: showing a signed-in person's pending messages here would consume
      them, and so write their session or cookie;
    * a refusal (404 for a wrong code, 410, 429, 422) is not logged by django.request, whose
      record carries the whole request (address, cookies, the signed-in person) to every handler;
    * the CSRF cookie a browser already holds is not sent again (Django renews it whenever a
      page uses the token, as base.html's sign-out form does): the page sets no cookie.
    """
    response = render(request, template, {**_PRIVATE_DEFAULTS, **context, "messages": ()}, status=status)
    if request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    if status >= 400:
        response._has_been_logged = True  # read by django.utils.log.log_response
    return response


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


# --- Pulse surveys: answering ----------------------------------------------------------------
# The emailed link is the permission: these pages need no sign-in and, like the follow-up
# pages, take no CSRF token (it would set a cookie; the token in the address is the only key
# the form needs), write no session, show no messages and log nothing (_render_private).

SURVEY_UNAVAILABLE_STATUS = {"unknown": 404, "not-open": 404, "used": 410, "closed": 410}


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The answering page's address is its key: no request from it may carry it along.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _render_survey_private(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """_render_private, and not even the CSRF cookie sent again: for someone signed in, base.html's
    sign-out form uses the CSRF token, and Django would then resend the cookie the browser
    already holds (to renew its expiry). Without that cookie, the page renews nothing."""
    response = _render_private(request, template, context, status=status)
    if request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    return _no_referrer(response)


def _survey_unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    return _render_survey_private(
        request, "feedback/survey_unavailable.html", {"reason": reason}, status=SURVEY_UNAVAILABLE_STATUS[reason]
    )


def _render_survey(request: HttpRequest, round: SurveyRound, form: SurveyAnswerForm, *, status: int = 200):
    return _render_survey_private(
        request,
        "feedback/survey_answer.html",
        {
            "round": round,
            "team": round.team,
            "form": form,
            "items": form.items(),
            "threshold": round.team.anonymity_minimum,
        },
        status=status,
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except services.SurveyUnavailable as exc:
        return _survey_unavailable(request, exc.reason)
    round = invitation.round
    questions = list(round.template.questions.all())
    if request.method != "POST":
        return _render_survey(request, round, SurveyAnswerForm(questions=questions))
    form = SurveyAnswerForm(request.POST, questions=questions)
    if form.is_valid():
        try:
            services.response_submit(token=token, answers=form.answers())
        except services.SurveyUnavailable as exc:
            # A double submit: the first one counted.
            return _survey_unavailable(request, exc.reason)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Post/redirect/get: a reload, or going back and forward, shows the thanks page
            # again and sends nothing. Its address holds no token, only which round it was.
            return _no_referrer(redirect("survey_thanks", key=services.survey_thanks_key(round)))
    return _render_survey(request, round, form, status=422)


@never_cache
@require_safe
def survey_thanks(request: HttpRequest, key: str) -> HttpResponse:
    """After answering. The key is the round's id, signed: it opens nothing, answers nothing
    and says nothing about who came here or when."""
    round = services.round_for_thanks_key(key)
    if round is None:
        return _survey_unavailable(request, "unknown")
    return _render_survey_private(
        request,
        "feedback/survey_thanks.html",
        {"round": round, "team": round.team, "threshold": round.team.anonymity_minimum},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey_open(request: HttpRequest, round_id: int) -> HttpResponse:
    """The reminders' link. A GET only shows the survey's name and a button, so a link scanner
    or another site's page changes nothing; the button POSTs, which issues a fresh single-use
    link for the signed-in person's invitation (the emailed one's token is kept nowhere), and
    goes on to the answering page."""
    round = get_object_or_404(SurveyRound.objects.select_related("team", "template"), pk=round_id)
    try:
        if request.method != "POST":
            services.invitation_renewable(round=round, user=request.user)
            return render(request, "feedback/survey_open.html", {"round": round, "team": round.team})
        token = services.invitation_renew(round=round, user=request.user)
    except services.SurveyUnavailable as exc:
        if exc.reason == "unknown":
            raise Http404 from None  # not invited: nothing to say about this round
        return _survey_unavailable(request, exc.reason)
    return redirect("survey_answer", token=token)


@login_required
@require_safe
def survey_list(request: HttpRequest) -> HttpResponse:
    """Surveys open for this person, and for managers and admins the teams whose surveys they run."""
    teams = [
        team
        for team in accountability_selectors.teams_for_user(request.user)
        if permissions.can_view_surveys(request.user, team)
    ]
    return render(
        request,
        "feedback/survey_list.html",
        {"invitations": selectors.invitations_for_user(request.user, now=timezone.now()), "teams": teams},
    )


# --- Pulse surveys: managers -----------------------------------------------------------------

ROUNDS_PAGE_SIZE = 20


def _get_survey_team_for(user, slug: str, *, run: bool = False) -> Team:
    """The team, if this person may see its surveys (or, with `run`, run them): 404 otherwise."""
    team = get_object_or_404(accountability_selectors.teams_with_viewer_role(user), slug=slug)
    allowed = permissions.can_run_surveys if run else permissions.can_view_surveys
    if not allowed(user, team):
        raise Http404
    return team


def _get_round_for(user, round_id: int, *, run: bool = False) -> SurveyRound:
    round = get_object_or_404(SurveyRound.objects.select_related("team", "template"), pk=round_id)
    allowed = permissions.can_run_surveys if run else permissions.can_view_surveys
    if not allowed(user, round.team):
        raise Http404
    return round


def _moment(instant, team: Team) -> str:
    """ "Monday 2 March at 09:00 (Europe/London)": a moment in the team's time, with its zone."""
    local = instant.astimezone(team.tz)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({team.time_zone})"


def _charts_json(chart) -> dict:
    return {chart.key: chart.config} if chart else {}


@login_required
@require_safe
def survey_rounds(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_survey_team_for(request.user, slug)
    now = timezone.now()
    page = Paginator(selectors.rounds_for_team(team), ROUNDS_PAGE_SIZE).get_page(request.GET.get("page"))
    for round in page:
        round.state = selectors.round_state(round, now)
    chart = selectors.trend_chart(selectors.strategy_trend(team))
    return render(
        request,
        "feedback/survey_rounds.html",
        {
            "team": team,
            "page": page,
            "can_run": permissions.can_run_surveys(request.user, team),
            "threshold": team.anonymity_minimum,
            "chart": chart,
            "charts_json": _charts_json(chart),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_survey_team_for(request.user, slug, run=True)
    templates = selectors.templates_for_team(team)
    if request.method != "POST":
        opens_at, closes_at = default_round_times(team)
        # ?template= preselects a template (the one just written, say).
        wanted = request.GET.get("template", "")
        chosen = templates.filter(pk=wanted).first() if wanted.isdigit() else None
        initial = {"template": chosen or templates.first(), "opens_at": opens_at, "closes_at": closes_at}
        form = RoundScheduleForm(team=team, templates=templates, initial=initial)
        return render(request, "feedback/survey_schedule.html", {"team": team, "form": form, "templates": templates})
    form = RoundScheduleForm(request.POST, team=team, templates=templates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            round = services.round_schedule(
                team=team,
                template=data["template"],
                actor=request.user,
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                repeat_every_weeks=data["repeat_every_weeks"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if round.invited:
                text = f"“{round.template.name}” is open now: the team's members are being emailed their links."
            else:
                text = f"“{round.template.name}” is scheduled. Invitations go out on {_moment(round.opens_at, team)}."
            messages.success(request, text)
            return redirect("survey_rounds", slug=team.slug)
    return render(
        request, "feedback/survey_schedule.html", {"team": team, "form": form, "templates": templates}, status=422
    )


@login_required
@require_POST
def survey_round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    round = _get_round_for(request.user, round_id, run=True)
    if round.closed:
        messages.info(request, "That survey was already closed.")
        return redirect("survey_rounds", slug=round.team.slug)
    closed = services.round_close(round=round, actor=request.user)
    following = SurveyRound.objects.filter(previous=closed).first()
    text = "Closed. No more answers are taken."
    if following is not None:
        text += f" The next round opens on {_moment(following.opens_at, round.team)}."
    messages.success(request, text)
    return redirect("survey_results", round_id=round.pk)


@login_required
@require_POST
def survey_round_cancel(request: HttpRequest, round_id: int) -> HttpResponse:
    round = _get_round_for(request.user, round_id, run=True)
    try:
        services.round_cancel(round=round, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Cancelled “{round.template.name}”. Nobody was invited.")
    return redirect("survey_rounds", slug=round.team.slug)


def _template_page(
    request: HttpRequest, team: Team, form, formset, *, template=None, use=None, status: int = 200
) -> HttpResponse:
    page = "feedback/survey_template_edit.html" if template is not None else "feedback/survey_template_new.html"
    context = {"team": team, "form": form, "formset": formset, "template": template, "use": use}
    return render(request, page, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def survey_template_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_survey_team_for(request.user, slug, run=True)
    if request.method != "POST":
        return _template_page(request, team, TemplateForm(), QuestionFormSet())
    form, formset = TemplateForm(request.POST), QuestionFormSet(request.POST)
    if "more" in request.POST:
        return _more_rows(request, team, formset)
    if form.is_valid() and formset.is_valid():
        try:
            template = services.template_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                questions=formset_questions(formset),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved “{template.name}”. You can schedule it now.")
            return redirect(f"{reverse('survey_schedule', args=[team.slug])}?template={template.pk}")
    return _template_page(request, team, form, formset, status=422)


def _more_rows(request: HttpRequest, team: Team, formset, *, template=None, use=None) -> HttpResponse:
    """ "More rows" (without JavaScript): the same page again, as typed, with empty rows added."""
    form = TemplateForm(
        initial={"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
    )
    more = question_formset_with_more_rows(formset)
    status = 200 if more is not formset else 422
    return _template_page(request, team, form, more, template=template, use=use, status=status)


def _get_template_for(user, team: Team, template_id: int, *, older_versions: bool = False) -> SurveyTemplate:
    """A template the team's managers may run (`user` is one, as _get_survey_team_for made sure):
    404 otherwise."""
    return get_object_or_404(selectors.templates_for_team(team, older_versions=older_versions), pk=template_id)


@login_required
@require_http_methods(["GET", "POST"])
def survey_template_edit(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    """Edit a template the team may run: in place until a round using it has opened, as a new
    version after that (services.template_update); the page says which before saving."""
    team = _get_survey_team_for(request.user, slug, run=True)
    template = _get_template_for(request.user, team, template_id)
    if template.built_in:
        raise Http404
    use = selectors.template_use(template, now=timezone.now())
    if request.method != "POST":
        form = TemplateForm(initial={"name": template.name, "description": template.description})
        formset = QuestionEditFormSet(initial=question_rows(template.questions.all()))
        return _template_page(request, team, form, formset, template=template, use=use)
    form, formset = TemplateForm(request.POST), QuestionEditFormSet(request.POST)
    if "more" in request.POST:
        return _more_rows(request, team, formset, template=template, use=use)
    if form.is_valid() and formset.is_valid():
        try:
            saved = services.template_update(
                team=team,
                template=template,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                questions=formset_questions(formset),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _saved_text(saved))
            return redirect("survey_template", slug=team.slug, template_id=saved.template.pk)
    return _template_page(request, team, form, formset, template=template, use=use, status=422)


def _saved_text(saved: services.TemplateSaved) -> str:
    name = saved.template.name
    if not saved.changed:
        return f"Nothing to save: “{name}” is as it was."
    if not saved.new_version:
        return f"Saved your changes to “{name}”."
    text = f"Saved as version {saved.template.version} of “{name}”. Past rounds keep the questions they asked."
    if saved.moved_rounds:
        rounds = "round" if saved.moved_rounds == 1 else "rounds"
        text += f" The {saved.moved_rounds} {rounds} not opened yet will ask the new ones."
    return text


@login_required
@require_safe
def survey_template(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    """A template's questions; older versions too, so a manager can read what past rounds asked."""
    team = _get_survey_team_for(request.user, slug, run=True)
    template = _get_template_for(request.user, team, template_id, older_versions=True)
    newer = SurveyTemplate.objects.filter(previous=template).first()
    return render(
        request,
        "feedback/survey_template.html",
        {
            "team": team,
            "template": template,
            "questions": template.questions.all(),
            "newer": newer,
            "use": selectors.template_use(template, now=timezone.now()),
        },
    )


# --- Pulse surveys: results ------------------------------------------------------------------


@login_required
@require_safe
def survey_results(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round's results, only when round_results says they may be shown. Otherwise the page
    says why and shows no figure at all (not even how many answered)."""
    round = _get_round_for(request.user, round_id)
    results = selectors.round_results(round)
    chart = selectors.trend_chart(selectors.strategy_trend(round.team, until=round)) if results.visible else None
    return render(
        request,
        "feedback/survey_results.html",
        {
            "round": round,
            "team": round.team,
            "results": results,
            "questions": _question_rows(results) if results.visible else [],
            "strategies": _strategy_rows(results) if results.visible else [],
            "chart": chart,
            "charts_json": _charts_json(chart),
        },
    )


def _share(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def _question_rows(results: selectors.RoundResults) -> list[dict]:
    rows = []
    for item in results.questions:
        q = item.question
        shown = bool(item.comments) if q.kind == QuestionKind.TEXT else bool(item.distribution)
        if q.kind == QuestionKind.AGREEMENT:
            labels = [f"{value}, {words}" for value, words in AGREEMENT_WORDS.items()]
        else:
            labels = [label for label, _ in item.distribution]
        rows.append(
            {
                "question": q,
                "shown": shown,
                "count": item.count if shown else None,
                "mean": item.mean,
                "options": [
                    {"label": label, "count": count, "share": _share(count, item.count)}
                    for label, (_, count) in zip(labels, item.distribution, strict=False)
                ],
                "comments": item.comments,
            }
        )
    return rows


# A strategy pools statements, some reverse-scored: its spread is of scores, not of answers.
STRATEGY_SCORE_LABELS = {"1": "1, least favourable", "5": "5, most favourable"}


def _strategy_rows(results: selectors.RoundResults) -> list[dict]:
    names = dict(Strategy.choices)
    rows = []
    for key, mean in results.strategies.items():
        distribution = results.strategy_distributions.get(key, [])
        total = sum(count for _, count in distribution)
        rows.append(
            {
                "key": key,
                "name": names[key],
                "mean": mean,
                "count": total,
                "options": [
                    {"label": STRATEGY_SCORE_LABELS.get(score, score), "count": count, "share": _share(count, total)}
                    for score, count in distribution
                ],
            }
        )
    return rows


@login_required
@require_safe
def survey_results_export(request: HttpRequest, round_id: int) -> HttpResponse:
    """The results as CSV, only when they may be shown at all (404 otherwise: below the
    threshold there is nothing to export)."""
    round = _get_round_for(request.user, round_id)
    results = selectors.round_results(round)
    if not results.visible:
        raise Http404
    closed_on = round.closes_at.astimezone(round.team.tz).date()
    filename = f"{round.team.slug}-survey-{closed_on.isoformat()}.csv"
    return StreamingHttpResponse(
        csv_stream(_results_csv_rows(results)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


def _results_csv_rows(results: selectors.RoundResults):
    """One line per figure: participation, each question's options, each strategy's scores,
    and the comments. Every cell neutralised against spreadsheet formulas."""
    names = dict(Strategy.choices)
    yield ["Section", "Question", "Strategy", "Reverse-scored", "Answers", "Mean", "Option", "Count", "Comment"]

    def line(*cells) -> list[str]:
        return [neutralise(cell) for cell in cells]

    participation = "" if results.participation is None else f"{results.participation * 100:.1f}%"
    yield line("Participation", "", "", "", results.responses, "", f"of {results.invited} invited", participation, "")
    for row in _question_rows(results):
        q = row["question"]
        common = (q.text, names.get(q.strategy, ""), "yes" if q.reverse_scored else "no")
        if not row["shown"]:
            yield line("Question", *common, "", "", "Not shown: too few answers to keep them anonymous", "", "")
            continue
        mean = "" if row["mean"] is None else f"{row['mean']:.2f}"
        for option in row["options"]:
            yield line("Question", *common, row["count"], mean, option["label"], option["count"], "")
        for comment in row["comments"]:
            yield line("Comment", *common, row["count"], "", "", "", comment)
    for row in _strategy_rows(results):
        for option in row["options"]:
            yield line(
                "Strategy",
                "",
                row["name"],
                "",
                row["count"],
                f"{row['mean']:.2f}",
                option["label"],
                option["count"],
                "",
            )
