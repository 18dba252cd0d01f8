"""The team's check-in questions, for its managers and organisation admins: add, reword,
reorder and retire them, or start from a template. Every change applies from the next week."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accountability import selectors as core_selectors
from accountability.forms import add_service_errors
from accountability.models import Team, User
from accountability.navigation import remember_team

from .. import permissions, selectors, services
from ..forms import QuestionForm, QuestionTemplateForm
from ..models import Question

CHANGES_FROM_NEXT_WEEK = "Saved. It applies from next week; this week's check-ins keep this week's questions."


def _get_team_to_edit(user: User, slug: str) -> Team:
    team = get_object_or_404(core_selectors.teams_with_viewer_role(user), slug=slug)
    if not permissions.can_edit_questions(user, team):
        raise Http404
    return team


def _next_week_question(team: Team, key) -> Question:
    next_week = team.current_week().next()
    for question in selectors.questions_for_week(team=team, week=next_week):
        if str(question.key) == str(key):
            return question
    raise Http404("Not one of next week's questions")


def _render_questions(
    request: HttpRequest,
    team: Team,
    *,
    add_form: QuestionForm | None = None,
    template_form: QuestionTemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    current = team.current_week()
    this_week = selectors.questions_for_week(team=team, week=current)
    next_week = selectors.questions_for_week(team=team, week=current.next())
    return render(
        request,
        "checkins/questions.html",
        {
            "team": team,
            "current_week": current,
            "next_week": current.next(),
            "this_week_questions": this_week,
            "next_week_questions": next_week,
            "changes_pending": selectors.question_set_fingerprint(this_week)
            != selectors.question_set_fingerprint(next_week),
            "add_form": add_form or QuestionForm(),
            "templates": selectors.question_templates(),
            "can_keep_template": permissions.can_keep_question_template(request.user),
            "template_form": template_form or QuestionTemplateForm(),
        },
        status=status,
    )


@login_required
def team_questions(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    remember_team(request, team)
    return _render_questions(request, team)


@login_required
@require_POST
def question_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_add(
                team=team,
                kind=data["kind"],
                label=data["label"],
                help_text=data["help_text"],
                required=data["required"],
                visibility=data["visibility"],
                choices=form.choice_list,
                low_label=data["low_label"],
                high_label=data["high_label"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Question added. {CHANGES_FROM_NEXT_WEEK}")
            return redirect("team_questions", slug=team.slug)
    return _render_questions(request, team, add_form=form, status=422)


@login_required
def question_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    question = _next_week_question(team, key)
    initial = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
        "visibility": question.visibility,
        "choices": "\n".join(question.choices),
        "low_label": question.low_label,
        "high_label": question.high_label,
    }
    form = QuestionForm(request.POST or None, initial=initial, editing=question)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.question_update(
                team=team,
                key=question.key,
                label=data["label"],
                help_text=data["help_text"],
                required=data["required"],
                visibility=data["visibility"],
                choices=form.choice_list if "choices" in form.fields else question.choices,
                low_label=data.get("low_label", ""),
                high_label=data.get("high_label", ""),
                same_meaning=data["same_meaning"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, CHANGES_FROM_NEXT_WEEK)
            return redirect("team_questions", slug=team.slug)
    return render(
        request,
        "checkins/question_edit.html",
        {"team": team, "question": question, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def question_move(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    question = _next_week_question(team, key)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.question_move(team=team, key=question.key, offset=offset)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Moved. The new order applies from next week.")
    return redirect("team_questions", slug=team.slug)


@login_required
@require_POST
def question_retire(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    question = _next_week_question(team, key)
    try:
        services.question_retire(team=team, key=question.key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"“{question.label}” is retired from next week. Its answers stay in history and exports."
        )
    return redirect("team_questions", slug=team.slug)


@login_required
@require_POST
def question_set_from_template(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    chosen = request.POST.get("template", "")
    template = next((t for t in selectors.question_templates() if t.slug == chosen), None)
    if template is None:
        messages.error(request, "Choose one of the templates listed.")
        return redirect("team_questions", slug=team.slug)
    try:
        services.question_set_replace(team=team, questions=template.questions)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"From next week the check-in asks the questions of “{template.name}”.")
    return redirect("team_questions", slug=team.slug)


@login_required
@require_POST
def question_template_save(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_to_edit(request.user, slug)
    if not permissions.can_keep_question_template(request.user):
        raise Http404
    form = QuestionTemplateForm(request.POST)
    if form.is_valid():
        try:
            template = services.question_template_save(
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                team=team,
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Kept as “{template.name}”: every team can start from it now.")
            return redirect("team_questions", slug=team.slug)
    return _render_questions(request, team, template_form=form, status=422)
