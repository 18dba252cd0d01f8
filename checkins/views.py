from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accountability import permissions as core_permissions
from accountability import selectors as core_selectors
from accountability import services as core_services
from accountability.forms import CommitmentForm, add_service_errors
from accountability.models import Commitment, Team, User
from accountability.navigation import remember_team
from accountability.views import render_commitment_detail
from accountability.weeks import Week

from . import selectors, services
from .forms import CheckInForm, ProposalResponseForm, ReplyForm, ReviewForm
from .models import CheckIn


def _get_team_for_member(user: User, slug: str) -> Team:
    """The team, if the person belongs to it (managers too): 404 otherwise. It carries the
    person's role, so permission checks on it need no further query."""
    return get_object_or_404(core_selectors.teams_with_viewer_role(user).filter(viewer_role__isnull=False), slug=slug)


def _get_week(team: Team, label: str | None) -> Week:
    current = team.current_week()
    if label is None:
        return current
    try:
        week = Week.from_label(label)
    except ValueError:
        raise Http404("No such week") from None
    if week > current:
        raise Http404("That week hasn't started yet")
    return week


def _get_own_commitment(user: User, commitment_id: int) -> Commitment:
    return get_object_or_404(Commitment.objects.select_related("team"), pk=commitment_id, owner=user)


def _week_url(team: Team, week: Week) -> str:
    if week == team.current_week():
        return reverse("this_week", args=[team.slug])
    return reverse("week", args=[team.slug, week.label])


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _render_week(
    request: HttpRequest,
    team: Team,
    week: Week,
    *,
    checkin_form: CheckInForm | None = None,
    commitment_form: CommitmentForm | None = None,
    review_form: tuple[int, ReviewForm] | None = None,
    conflict: CheckIn | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    view = selectors.week_for_member(member=request.user, team=team, week=week, today=team.today(now))
    # The page shows every reply not seen yet (highlighted as new, this once).
    services.comments_mark_seen(member=request.user, team=team, shown_at=now)
    window = services.checkin_window(team=team, week=week, now=now)
    if checkin_form is None:
        checkin_form = CheckInForm(
            instance=view.checkin, initial={"version": view.checkin.version if view.checkin else None}
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
            "previous_week": week.previous(),
            "next_week": week.next() if week < team.current_week(now) else None,
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

    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _render_week(request, team, week, checkin_form=form, status=422)
    try:
        result = services.checkin_submit(
            member=request.user,
            team=team,
            week=week,
            mood=form.cleaned_data["mood"],
            highlights=form.cleaned_data["highlights"],
            blockers=form.cleaned_data["blockers"],
            support_requested=form.cleaned_data["support_requested"],
            version=form.cleaned_data["version"],
        )
    except services.CheckInConflict as exc:
        # Keep what they typed, and let them save it over the newer version on purpose.
        data = request.POST.copy()
        data["version"] = exc.checkin.version
        form = CheckInForm(data)
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


@login_required
def history(request: HttpRequest, slug: str, user_id: int | None = None) -> HttpResponse:
    team = _get_team_for_member(request.user, slug)
    person = request.user
    if user_id is not None and user_id != request.user.pk:
        person = get_object_or_404(User, pk=user_id, memberships__team=team)
        if not core_permissions.can_view_person_in_team(request.user, team, person):
            raise Http404
    current = team.current_week()
    page, weeks = selectors.history_for_member(
        member=person, team=team, through=current, page_number=request.GET.get("page")
    )
    return render(
        request,
        "checkins/history.html",
        {
            "team": team,
            "person": person,
            "is_self": person.pk == request.user.pk,
            "page": page,
            "weeks": weeks,
            "current_week": current,
        },
    )


# --- Review: a check-in for its managers and its member, and the reply threads ---------------


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


def _get_commitment_to_reply(user: User, commitment_id: int) -> Commitment:
    commitment = get_object_or_404(Commitment.objects.select_related("team", "owner"), pk=commitment_id)
    if not core_permissions.can_reply_on_commitment(user, commitment):
        raise Http404
    return commitment


@login_required
@require_POST
def commitment_reply(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = _get_commitment_to_reply(request.user, commitment_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(author=request.user, body=form.cleaned_data["body"], commitment=commitment)
        except ValidationError as exc:
            add_service_errors(form, exc)
    if _is_htmx(request):
        return render(
            request,
            "checkins/_thread.html",
            {
                "thread": selectors.commitment_thread(commitment=commitment),
                "reply_form": form if form.errors else None,
                "reply_url": reverse("commitment_reply", args=[commitment.pk]),
                "team": commitment.team,
                "member": commitment.owner,
                "is_self": commitment.owner_id == request.user.pk,
                "can_reply": True,
            },
            status=422 if form.errors else 200,
        )
    if form.errors:
        return render_commitment_detail(request, commitment, "full", reply_form=form, status=422)
    messages.success(request, _reply_sent_message(request.user, commitment.owner))
    return redirect(reverse("commitment_detail", args=[commitment.pk]) + "#replies")


def _reply_sent_message(author: User, member: User) -> str:
    if author.pk == member.pk:
        return "Reply sent. Your manager will see it here."
    return f"Reply sent. {member.name} gets one email for replies written close together."
