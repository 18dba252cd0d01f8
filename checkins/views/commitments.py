"""A commitment's page with its history and reply thread, a manager's proposal, and a member's
history of weeks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accountability import permissions as core_permissions
from accountability import selectors as core_selectors
from accountability import selectors_data
from accountability import services as core_services
from accountability.forms import add_service_errors
from accountability.models import Commitment, User

from .. import selectors, services
from ..forms import ProposeForm, ReplyForm
from .common import _get_team_for_member, _is_htmx, _reply_sent_message


def _get_commitment_for(user, commitment_id: int) -> tuple[Commitment, str]:
    commitment = get_object_or_404(Commitment.objects.select_related("team", "owner"), pk=commitment_id)
    access = core_permissions.commitment_access(user, commitment)
    if access is None:
        raise Http404
    return commitment, access


@login_required
def commitment_detail(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment, access = _get_commitment_for(request.user, commitment_id)
    return render_commitment_detail(request, commitment, access)


def render_commitment_detail(
    request: HttpRequest, commitment: Commitment, access: str, *, reply_form=None, status: int = 200
) -> HttpResponse:
    """The commitment page. Its reply thread posts to `commitment_reply` (below), which renders
    this page again, with `reply_form` and its errors, when a reply is refused."""
    full = access == "full"
    chain, events = core_selectors.commitment_chain(commitment) if full else ([], [])
    return render(
        request,
        "checkins/commitment_detail.html",
        {
            "commitment": commitment,
            "access": access,
            "chain": chain,
            "events": events,
            "is_owner": commitment.owner_id == request.user.pk,
            "today": commitment.team.today(),
            # Teammates, who see a summary, never see the thread.
            "thread": selectors.commitment_thread(commitment=commitment) if full else None,
            "reply_form": reply_form,
        },
        status=status,
    )


@login_required
def commitment_propose(request: HttpRequest, slug: str) -> HttpResponse:
    """A manager proposes a commitment to a member; it waits for the member's yes or no."""
    team = _get_team_for_member(request.user, slug)
    if not core_permissions.can_propose_commitment(request.user, team):
        raise Http404
    members = core_selectors.team_members_only(team)
    form = ProposeForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        owner = next(m for m in members if m.pk == form.cleaned_data["owner"])
        try:
            core_services.commitment_create(
                team=team,
                owner=owner,
                actor=request.user,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Proposed to {owner.name}. They'll accept or decline it on their week page.")
            return redirect("team_detail", slug=team.slug)
    return render(request, "checkins/commitment_propose.html", {"team": team, "form": form})


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


@login_required
def history(request: HttpRequest, slug: str, user_id: int | None = None) -> HttpResponse:
    team = _get_team_for_member(request.user, slug)
    person = request.user
    if user_id is not None and user_id != request.user.pk:
        person = User.objects.filter(pk=user_id, memberships__team=team).first()
        if person is None and core_permissions.can_manage_team(request.user, team):
            # Someone who left: readable to the team's managers for the organisation's period.
            person = selectors_data.former_member_of(team_id=team.pk, user_id=user_id)
        if person is None or not core_permissions.can_view_person_in_team(request.user, team, person):
            raise Http404
    current = team.current_week()
    page, weeks = selectors.history_for_member(
        member=person, team=team, through=current, page_number=request.GET.get("page")
    )
    selectors.with_answers([item.checkin for item in weeks], team=team)
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
