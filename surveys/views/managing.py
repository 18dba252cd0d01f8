"""The managers' survey pages: a team's rounds, scheduling, closing and cancelling them, and
writing and editing templates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accountability.forms import add_service_errors
from accountability.models import Team

from .. import charts, permissions, selectors, services
from ..forms import (
    QuestionEditFormSet,
    QuestionFormSet,
    RoundScheduleForm,
    TemplateForm,
    default_round_times,
    formset_questions,
    question_formset_with_more_rows,
    question_rows,
)
from ..models import SurveyRound, SurveyTemplate
from .scoping import charts_json, get_round_for, get_survey_team_for, moment

ROUNDS_PAGE_SIZE = 20


@login_required
@require_safe
def survey_rounds(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_survey_team_for(request.user, slug)
    now = timezone.now()
    page = Paginator(selectors.rounds_for_team(team), ROUNDS_PAGE_SIZE).get_page(request.GET.get("page"))
    for round in page:
        round.state = selectors.round_state(round, now)
    chart = charts.trend_chart(selectors.strategy_trend(team))
    return render(
        request,
        "surveys/rounds.html",
        {
            "team": team,
            "page": page,
            "can_run": permissions.can_run_surveys(request.user, team),
            "threshold": team.anonymity_minimum,
            "chart": chart,
            "charts_json": charts_json(chart),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_survey_team_for(request.user, slug, run=True)
    templates = selectors.templates_for_team(team)
    if request.method != "POST":
        opens_at, closes_at = default_round_times(team)
        # ?template= preselects a template (the one just written, say).
        wanted = request.GET.get("template", "")
        chosen = templates.filter(pk=wanted).first() if wanted.isdigit() else None
        initial = {"template": chosen or templates.first(), "opens_at": opens_at, "closes_at": closes_at}
        form = RoundScheduleForm(team=team, templates=templates, initial=initial)
        return render(request, "surveys/schedule.html", {"team": team, "form": form, "templates": templates})
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
                text = f"“{round.template.name}” is scheduled. Invitations go out on {moment(round.opens_at, team)}."
            messages.success(request, text)
            return redirect("survey_rounds", slug=team.slug)
    return render(request, "surveys/schedule.html", {"team": team, "form": form, "templates": templates}, status=422)


@login_required
@require_POST
def survey_round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    round = get_round_for(request.user, round_id, run=True)
    if round.closed:
        messages.info(request, "That survey was already closed.")
        return redirect("survey_rounds", slug=round.team.slug)
    closed = services.round_close(round=round, actor=request.user)
    following = SurveyRound.objects.filter(previous=closed).first()
    text = "Closed. No more answers are taken."
    if following is not None:
        text += f" The next round opens on {moment(following.opens_at, round.team)}."
    messages.success(request, text)
    return redirect("survey_results", round_id=round.pk)


@login_required
@require_POST
def survey_round_cancel(request: HttpRequest, round_id: int) -> HttpResponse:
    round = get_round_for(request.user, round_id, run=True)
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
    page = "surveys/template_edit.html" if template is not None else "surveys/template_new.html"
    context = {"team": team, "form": form, "formset": formset, "template": template, "use": use}
    return render(request, page, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def survey_template_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_survey_team_for(request.user, slug, run=True)
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
    """A template the team's managers may run (`user` is one, as get_survey_team_for made sure):
    404 otherwise."""
    return get_object_or_404(selectors.templates_for_team(team, older_versions=older_versions), pk=template_id)


@login_required
@require_http_methods(["GET", "POST"])
def survey_template_edit(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    """Edit a template the team may run: in place until a round using it has opened, as a new
    version after that (services.template_update); the page says which before saving."""
    team = get_survey_team_for(request.user, slug, run=True)
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
    team = get_survey_team_for(request.user, slug, run=True)
    template = _get_template_for(request.user, team, template_id, older_versions=True)
    newer = SurveyTemplate.objects.filter(previous=template).first()
    return render(
        request,
        "surveys/template.html",
        {
            "team": team,
            "template": template,
            "questions": template.questions.all(),
            "newer": newer,
            "use": selectors.template_use(template, now=timezone.now()),
        },
    )
