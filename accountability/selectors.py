"""Reads for the core pages."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value

from .models import Commitment, CommitmentEvent, CommitmentStatus, Invitation, Membership, Role, Team, User
from .weeks import Week


def teams_with_viewer_role(user: User) -> QuerySet[Team]:
    """Every team, each annotated with `viewer_role`: the person's role in it, or None. The
    permission functions read it instead of asking the database again."""
    # order_by(): Membership's default ordering would join two tables for nothing.
    role = Membership.objects.filter(team=OuterRef("pk"), user=user).order_by().values("role")[:1]
    # `viewer_role_of` says whose role it is, so it is never mistaken for someone else's.
    return Team.objects.annotate(viewer_role=Subquery(role), viewer_role_of=Value(user.pk))


def teams_for_user(user: User, *, member_only: bool = False) -> QuerySet[Team]:
    """The teams a person belongs to, each annotated with `viewer_role`. Staff see every team
    (their role is None where they are not members) unless `member_only`."""
    qs = teams_with_viewer_role(user)
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


def commitment_chain(commitment: Commitment) -> tuple[list[Commitment], list[CommitmentEvent]]:
    """The whole renegotiation chain a commitment belongs to, and all its history rows:
    two queries however long the chain."""
    root_id = commitment.chain_root_id or commitment.pk
    chain = list(
        Commitment.objects.filter(Q(pk=root_id) | Q(chain_root_id=root_id))
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    events = list(
        CommitmentEvent.objects.filter(commitment__in=[c.pk for c in chain])
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    return chain, events


def team_commitments(*, team: Team, week: Week) -> list[Commitment]:
    """Titles and statuses of a team's commitments made for a week, for the team page."""
    return list(
        Commitment.objects.filter(team=team, week=week.start)
        .exclude(status__in=[CommitmentStatus.PROPOSED, CommitmentStatus.DECLINED])
        .select_related("owner")
        .only("title", "status", "due_date", "week", "team_id", "owner__display_name", "owner__email")
        .order_by("owner__display_name", "owner__email", "due_date", "pk")
    )


def team_members_only(team: Team) -> list[User]:
    """People with the member role, for a manager's "propose a commitment" form."""
    return list(User.objects.filter(memberships__team=team, memberships__role=Role.MEMBER).order_by("display_name"))
