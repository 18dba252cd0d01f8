"""Who may see and do what with teams. Views, selectors and templates all ask here.

Organisation admins (`is_staff`) manage every team; a team's managers manage theirs; members
see their own team. Anyone else gets a 404 from the views, never a hint that a team exists.
"""

from typing import Protocol

from .models import Commitment, CommitmentStatus, Membership, Role, Team, User


def role_in(user: User, team: Team) -> str | None:
    if not user.is_authenticated:
        return None
    # Teams loaded by selectors.teams_with_viewer_role carry the viewer's role already; it is
    # used only when this is the user it was loaded for.
    if getattr(team, "viewer_role_of", None) == user.pk:
        return team.viewer_role
    return Membership.objects.filter(user=user, team=team).order_by().values_list("role", flat=True).first()


def is_manager_of(user: User, team_id: int) -> bool:
    """By the team's id, for services that hold a row of the team's rather than the team: one
    query, the same one `role_in` makes."""
    return user.is_authenticated and Membership.objects.filter(user=user, team_id=team_id, role=Role.MANAGER).exists()


def can_view_team(user: User, team: Team) -> bool:
    return user.is_authenticated and (user.is_staff or role_in(user, team) is not None)


def can_manage_team(user: User, team: Team) -> bool:
    return user.is_authenticated and (user.is_staff or role_in(user, team) == Role.MANAGER)


def can_create_team(user: User) -> bool:
    return user.is_authenticated and user.is_staff


def commitment_access(user: User, commitment: Commitment) -> str | None:
    """How much of a commitment someone may see.

    'full' for its owner and the team's managers (reflections and history included),
    'summary' for teammates when the team's "open commitments" switch is on (title, status
    and due date only; never proposals, reflections or notes), otherwise None (404).
    """
    if not user.is_authenticated:
        return None
    if commitment.owner_id == user.pk:
        return "full"
    role = (
        Membership.objects.filter(user=user, team_id=commitment.team_id)
        .order_by()
        .values_list("role", flat=True)
        .first()
    )
    if role == Role.MANAGER:
        return "full"
    if (
        role == Role.MEMBER
        and commitment.team.open_commitments
        and commitment.status not in (CommitmentStatus.PROPOSED, CommitmentStatus.DECLINED)
    ):
        return "summary"
    return None


def can_see_team_commitments(user: User, team: Team) -> bool:
    """The team's list of commitment titles and statuses: its managers always, its members
    when the team works with open commitments."""
    role = role_in(user, team)
    return role == Role.MANAGER or (role == Role.MEMBER and team.open_commitments)


def can_propose_commitment(user: User, team: Team) -> bool:
    """Propose a commitment to a member: the team's managers (not organisation admins outside
    it, who do not work with the team week by week)."""
    return user.is_authenticated and role_in(user, team) == Role.MANAGER


def can_view_person_in_team(user: User, team: Team, person: User) -> bool:
    """Someone's check-ins, moods and reflections in a team: themselves and its managers."""
    return user.is_authenticated and (person.pk == user.pk or role_in(user, team) == Role.MANAGER)


# --- Reviewing someone's week: their check-in and the reply threads ---------------------------
# A check-in belongs to the checkins app, which this module must not import: these take any row
# with the check-in's `team` and `member_id`.


class _PersonsWeek(Protocol):
    team: Team
    member_id: int


def can_view_checkin(user: User, checkin: _PersonsWeek) -> bool:
    """A check-in with its mood, blockers, support request and reply thread: its member and the
    team's managers. Not teammates, not organisation admins who are not in the team."""
    return user.is_authenticated and (checkin.member_id == user.pk or role_in(user, checkin.team) == Role.MANAGER)


def can_review_checkin(user: User, checkin: _PersonsWeek) -> bool:
    """Acknowledge it, mark its support request answered: the team's managers, and never on
    their own check-in (an acknowledgement is someone else saying "seen, thank you")."""
    return user.is_authenticated and checkin.member_id != user.pk and role_in(user, checkin.team) == Role.MANAGER


def can_reply_on_checkin(user: User, checkin: _PersonsWeek) -> bool:
    """The thread is a conversation between the member and the team's managers."""
    return can_view_checkin(user, checkin)


def can_reply_on_commitment(user: User, commitment: Commitment) -> bool:
    """A commitment's thread: whoever sees it in full (its owner and the team's managers).
    Teammates who see a summary never see the thread."""
    return commitment_access(user, commitment) == "full"


def can_view_dashboard(user: User, team: Team) -> bool:
    """A team's dashboard and its export: its managers, and organisation admins (who see the
    team's figures, not individual moods or what people wrote)."""
    return can_manage_team(user, team)


def can_see_individuals_on_dashboard(user: User, team: Team) -> bool:
    """Individual moods, check-ins and "Needs you" on the dashboard: the team's managers."""
    return user.is_authenticated and role_in(user, team) == Role.MANAGER


def can_administer_people(user: User) -> bool:
    """Deactivate or delete people, read the audit trail, set the retention policy: the
    organisation's admins only."""
    return user.is_authenticated and user.is_active and user.is_staff
