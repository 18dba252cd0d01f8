"""Reads for the core pages."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from .models import Invitation, Membership, Role, Team, User


def teams_for_user(user: User, *, member_only: bool = False) -> QuerySet[Team]:
    """The teams a person belongs to, each annotated with `viewer_role`. Staff see every team
    (their role is None where they are not members) unless `member_only`."""
    role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    qs = Team.objects.annotate(viewer_role=Subquery(role))
    if member_only or not user.is_staff:
        qs = qs.filter(viewer_role__isnull=False)
    return qs.order_by("name")


def team_with_counts(team_id: int) -> Team:
    return Team.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__role=Role.MEMBER)),
        manager_count=Count("memberships", filter=Q(memberships__role=Role.MANAGER)),
    ).get(pk=team_id)


def team_memberships(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__display_name", "user__email")
    )


def team_pending_invitations(team: Team) -> QuerySet[Invitation]:
    return Invitation.objects.filter(team=team, accepted_at__isnull=True).select_related("invited_by")
