"""What the check-in pages share: finding the team, the week and one's own commitment."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accountability import selectors as core_selectors
from accountability.models import Commitment, Team, User
from accountability.weeks import Week


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


def _reply_sent_message(author: User, member: User) -> str:
    if author.pk == member.pk:
        return "Reply sent. Your manager will see it here."
    return f"Reply sent. {member.name} gets one email for replies written close together."
