"""Answering a survey. The emailed link is the permission: these pages need no sign-in and,
like feedback's follow-up pages, take no CSRF token (it would set a cookie; the token in the
address is the only key the form needs), write no session, show no messages and log nothing
(accountability.private_pages). And someone's open surveys, for them to find again."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from accountability import paging
from accountability import selectors as accountability_selectors
from accountability.forms import add_service_errors
from accountability.private_pages import render_private

from .. import permissions, selectors, services
from ..forms import SurveyAnswerForm
from ..models import SurveyRound

# The one name the answering pages' base.html looks up that no context processor sets: none
# may be missing (see render_private).
_PRIVATE_DEFAULTS = {"email_paused": False}

SURVEY_UNAVAILABLE_STATUS = {"unknown": 404, "not-open": 404, "used": 410, "closed": 410}


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The answering page's address is its key: no request from it may carry it along.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _render_survey_private(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Rendered leaving no trace (accountability.private_pages: no messages, no log of a
    refusal, not even the CSRF cookie sent again), and sending no referrer."""
    return _no_referrer(render_private(request, template, context, defaults=_PRIVATE_DEFAULTS, status=status))


def _survey_unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    return _render_survey_private(
        request, "surveys/unavailable.html", {"reason": reason}, status=SURVEY_UNAVAILABLE_STATUS[reason]
    )


def _render_survey(request: HttpRequest, round: SurveyRound, form: SurveyAnswerForm, *, status: int = 200):
    return _render_survey_private(
        request,
        "surveys/answer.html",
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
        "surveys/thanks.html",
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
            return render(request, "surveys/open.html", {"round": round, "team": round.team})
        token = services.invitation_renew(round=round, user=request.user)
    except services.SurveyUnavailable as exc:
        if exc.reason == "unknown":
            raise Http404 from None  # not invited: nothing to say about this round
        return _survey_unavailable(request, exc.reason)
    return redirect("survey_answer", token=token)


@login_required
@require_safe
def survey_list(request: HttpRequest) -> HttpResponse:
    """Surveys open for this person, and for managers and admins the teams whose surveys they run
    (the teams they manage; every team for admins), a page at a time, searchable by name."""
    page = paging.team_page(accountability_selectors.dashboard_teams(request.user), request.GET)
    page.teams = [team for team in page.teams if permissions.can_view_surveys(request.user, team)]
    if request.headers.get("HX-Request") == "true":
        return render(request, "surveys/_team_list.html", {"page": page})
    return render(
        request,
        "surveys/list.html",
        {"invitations": selectors.invitations_for_user(request.user, now=timezone.now()), "page": page},
    )
