"""The member's week: the check-in, adding and reviewing commitments, answering proposals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accountability import registry
from accountability import services as core_services
from accountability.forms import add_service_errors
from accountability.models import Commitment, Team
from accountability.navigation import remember_team
from accountability.weeks import Week

from .. import selectors, services
from ..forms import CheckInForm, CommitmentForm, ProposalResponseForm, ReviewForm
from ..models import CheckIn
from .common import _get_own_commitment, _get_team_for_member, _get_week, _is_htmx, _week_url


def _render_week(
    request: HttpRequest,
    team: Team,
    week: Week,
    *,
    checkin_form: CheckInForm | None = None,
    commitment_form: CommitmentForm | None = None,
    review_form: tuple[int, ReviewForm] | None = None,
    conflict: CheckIn | None = None,
    unasked: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    view = selectors.week_for_member(member=request.user, team=team, week=week, today=team.today(now))
    # The page shows every reply not seen yet (highlighted as new, this once).
    services.comments_mark_seen(member=request.user, team=team, shown_at=now, ids=view.new_reply_ids)
    window = services.checkin_window(team=team, week=week, now=now)
    questions = selectors.questions_for_week(team=team, week=week)
    answers = selectors.checkin_answers(checkin=view.checkin, questions=questions)
    if view.checkin is not None:
        view.checkin.answered = selectors.answered(view.checkin, questions, answers)
    if checkin_form is None:
        checkin_form = CheckInForm(
            instance=view.checkin,
            initial={
                "version": view.checkin.version if view.checkin else None,
                "question_set": selectors.question_set_fingerprint(questions),
                **selectors.answer_initial(questions, answers),
            },
            questions=questions,
        )
    return render(
        request,
        "checkins/week.html",
        {
            "team": team,
            "view": view,
            "week": week,
            "is_current": week == team.current_week(now),
            "window": window,
            "due_at": team.checkin_due_at(week),
            "closes_at": team.week_closes_at(week),
            "can_edit_checkin": view.checkin is None or window != "closed",
            "checkin_form": checkin_form,
            "commitment_form": commitment_form or CommitmentForm(),
            "review_form": review_form,
            "conflict": conflict,
            "unasked": unasked or [],
            "previous_week": week.previous(),
            "next_week": week.next() if week < team.current_week(now) else None,
            # Other apps' pieces of the week (team updates, thanks received), registered with the core.
            "week_panels": registry.week_panels(user=request.user, team=team, week=week),
        },
        status=status,
    )


@login_required
def week_page(request: HttpRequest, slug: str, label: str | None = None) -> HttpResponse:
    team = _get_team_for_member(request.user, slug)
    week = _get_week(team, label)
    remember_team(request, team)
    if request.method != "POST":
        return _render_week(request, team, week)

    questions = selectors.questions_for_week(team=team, week=week)
    # A form from before this change has no fingerprint: the service checks its answers instead.
    posted_set = request.POST.get("question_set")
    asked = {q.field_name for q in questions}
    unknown = [k for k, v in request.POST.items() if k.startswith("q-") and k not in asked and v.strip()]
    if unknown or (posted_set and posted_set != selectors.question_set_fingerprint(questions)):
        return _questions_changed(request, team, week, questions)
    form = CheckInForm(request.POST, questions=questions)
    if not form.is_valid():
        return _render_week(request, team, week, checkin_form=form, status=422)
    try:
        result = services.checkin_submit(
            member=request.user,
            team=team,
            week=week,
            mood=form.cleaned_data["mood"],
            highlights=form.cleaned_data.get("highlights", ""),
            blockers=form.cleaned_data.get("blockers", ""),
            support_requested=form.cleaned_data.get("support_requested", ""),
            version=form.cleaned_data["version"],
            answers=form.answers,
            question_set=form.cleaned_data["question_set"] or None,
        )
    except services.QuestionsChanged as exc:
        return _questions_changed(request, team, week, exc.questions)
    except services.CheckInConflict as exc:
        # Keep what they typed, and let them save it over the newer version on purpose.
        data = request.POST.copy()
        data["version"] = exc.checkin.version
        selectors.with_answers([exc.checkin], team=team)
        form = CheckInForm(data, questions=questions)
        form.is_valid()
        messages.warning(
            request,
            "This week's check-in was already saved from somewhere else (another tab?). "
            "What you just typed is kept below; save again to replace the saved one.",
        )
        return _render_week(request, team, week, checkin_form=form, conflict=exc.checkin, status=409)
    except services.CheckInClosed:
        messages.info(request, "That week has closed, so its check-in can no longer change.")
        return redirect(_week_url(team, week))
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_week(request, team, week, checkin_form=form, status=422)
    if result.created:
        late = " It's marked late, and that's fine: thank you for checking in." if result.checkin.is_late else ""
        messages.success(request, f"Check-in saved.{late}")
    else:
        messages.success(request, "Check-in updated.")
    return redirect(_week_url(team, week))


def _questions_changed(request: HttpRequest, team: Team, week: Week, questions: list) -> HttpResponse:
    """The form was made for other questions (opened before the week turned, say): ask this
    week's questions again with everything typed kept: in the fields of the questions still
    asked, and the answers to the others shown beside them to copy from."""
    fields = {q.field_name for q in questions}
    typed = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "question_set")}
    leftover = {k[2:]: v for k, v in typed.items() if k.startswith("q-") and k not in fields and v.strip()}
    for name in ("highlights", "blockers", "support_requested"):
        if name not in fields and typed.get(name, "").strip():
            leftover[name] = typed[name]
    labels = selectors.questions_by_key(team=team, keys=list(leftover))
    unasked = [(_unasked_label(k, labels), v) for k, v in leftover.items()]
    form = CheckInForm(
        initial={**typed, "question_set": selectors.question_set_fingerprint(questions)}, questions=questions
    )
    messages.warning(
        request,
        "This week's check-in asks different questions from the form you filled in. Nothing you typed is lost: "
        "it is in the questions below, and anything for a question no longer asked is shown beside them.",
    )
    return _render_week(request, team, week, checkin_form=form, unasked=unasked, status=409)


def _unasked_label(key: str, labels: dict) -> str:
    if key in labels:
        return labels[key].label
    if key in ("highlights", "blockers", "support_requested"):
        return {"highlights": "Highlights", "blockers": "Anything in your way?"}.get(key, "Support I'd like")
    return "A question this check-in doesn't ask"


@login_required
@require_POST
def commitment_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_member(request.user, slug)
    week = team.current_week()
    form = CommitmentForm(request.POST)
    if form.is_valid():
        try:
            core_services.commitment_create(
                team=team,
                owner=request.user,
                actor=request.user,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
                due_date=form.cleaned_data["due_date"],
                week=week,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Commitment added.")
            return redirect(reverse("this_week", args=[team.slug]) + "#commitments")
    return _render_week(request, team, week, commitment_form=form, status=422)


@login_required
@require_POST
def commitment_review(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = _get_own_commitment(request.user, commitment_id)
    team = commitment.team
    # The page it is reviewed on, decided before the review: a carried-over commitment is
    # reviewed on "This week" and the member goes back there, not to the week it was made in.
    week = _week_for_commitment(team, commitment)
    form = ReviewForm(request.POST)
    current = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            current = core_services.commitment_review(
                commitment=commitment,
                actor=request.user,
                status=data["status"],
                note=data["note"],
                obstacle=data["obstacle"],
                help_wanted=data["help_wanted"],
                new_due_date=data["new_due_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if _is_htmx(request):
        ids = [commitment.pk] if current is None else [commitment.pk, current.pk]
        # week.html tells htmx to swap 422s (by default it ignores 4xx answers).
        return _render_rows(request, team, week, ids, review_form=(commitment.pk, form) if form.errors else None)
    if form.errors:
        return _render_week(request, team, week, review_form=(commitment.pk, form), status=422)
    messages.success(request, _review_message(current, commitment))
    return redirect(_week_url(team, week) + f"#commitment-{current.pk}")


def _render_rows(
    request: HttpRequest,
    team: Team,
    week: Week,
    ids: list[int],
    *,
    review_form: tuple[int, ReviewForm] | None = None,
) -> HttpResponse:
    """htmx's answer to a review or an undo on the page of `week`: the rows it changed (a
    renegotiation's successor too), as they now stand, to replace the one in the page."""
    return render(
        request,
        "checkins/_commitment_rows.html",
        {
            "rows": selectors.commitment_rows(owner=request.user, ids=ids),
            "team": team,
            "week": week,
            "today": team.today(),
            "review_form": review_form,
        },
        status=422 if review_form else 200,
    )


def _week_for_commitment(team: Team, commitment: Commitment) -> Week:
    """Where a commitment is reviewed: this week while it is carried over or once reviewed
    during it (it is listed there under "Reviewed this week"), else the week it was made for."""
    current = team.current_week()
    if commitment.status == "open" or (
        commitment.resolved_on is not None and current.start <= commitment.resolved_on <= current.end
    ):
        return current
    return Week.containing(commitment.week)


def _review_message(current: Commitment | None, commitment: Commitment) -> str:
    if current is not None and current.pk != commitment.pk:
        return f"Renegotiated: now due {current.due_date:%a %d %b}. Thanks for saying so early."
    return "Saved. Thank you for the honest update."


@login_required
@require_POST
def commitment_reopen(request: HttpRequest, commitment_id: int) -> HttpResponse:
    """Undo an outcome. The commitment is open again, so it waits on "This week"."""
    commitment = _get_own_commitment(request.user, commitment_id)
    team = commitment.team
    try:
        core_services.commitment_reopen(commitment=commitment, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        error = None
    if _is_htmx(request):
        # The row as it now stands (also when another tab had reopened it already).
        return _render_rows(request, team, team.current_week(), [commitment.pk])
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Reopened: it waits for your review again.")
    return redirect(reverse("this_week", args=[team.slug]) + f"#commitment-{commitment.pk}")


@login_required
@require_POST
def proposal_respond(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = _get_own_commitment(request.user, commitment_id)
    form = ProposalResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept or decline.")
    else:
        accept = form.cleaned_data["decision"] == "accept"
        try:
            core_services.commitment_respond_to_proposal(
                commitment=commitment, actor=request.user, accept=accept, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Accepted: it's yours now." if accept else "Declined. Your manager will see why.")
    return redirect(reverse("this_week", args=[commitment.team.slug]) + "#commitments")
