"""Reads for the core pages."""

from collections.abc import Mapping
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from . import counting
from .models import (
    Absence,
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    Invitation,
    LeadershipEvent,
    Membership,
    Role,
    Team,
    User,
)
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
        # Reached from the person's memberships (their index), never a pass over every team:
        # the navigation runs this on every page.
        qs = qs.filter(pk__in=Membership.objects.filter(user=user).order_by().values("team_id"))
    return qs.order_by("name")


def email_opted_out(*, user_id: int, kind: str) -> bool | None:
    """Has this person turned this kind of email off? None if there is no such person."""
    opt_outs = User.objects.filter(pk=user_id).values_list("email_opt_outs", flat=True).first()
    return None if opt_outs is None else kind in opt_outs


def team_memberships(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__display_name", "user__email")
    )


def team_pending_invitations(team: Team) -> QuerySet[Invitation]:
    """Newest first."""
    return (
        Invitation.objects.filter(team=team, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


INVITATIONS_PER_PAGE = 25


def team_pending_invitations_page(team: Team, *, before: str | None = None) -> tuple[list[Invitation], int | None]:
    """A page of team_pending_invitations (INVITATIONS_PER_PAGE), older than the invitation
    `before` (an id, from the "Older invitations" link) when given. Keyset, not counted: one
    query. Returns the page and the id to continue before, if any."""
    qs = team_pending_invitations(team)
    anchor = int(before) if before and before.isdigit() and int(before) < 2**31 else None
    if anchor:
        at = Subquery(Invitation.objects.filter(pk=anchor).values("created_at")[:1])
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=anchor))
    rows = list(qs[: INVITATIONS_PER_PAGE + 1])
    more = len(rows) > INVITATIONS_PER_PAGE
    rows = rows[:INVITATIONS_PER_PAGE]
    return rows, (rows[-1].pk if more else None)


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


# --- Team dashboard ------------------------------------------------------------------------
# Each function is one aggregate query over a range of weeks, for one team or several at once
# (the overview), grouped by team, person and week: its cost follows the range, never the
# length of a team's history or (in queries) its number of members. What is counted is
# defined in accountability.counting.

# team id -> (first Monday, last Sunday) of the range, as team-local dates
Spans = Mapping[int, tuple[date, date]]


def _teams_by(values: Mapping[int, object]) -> dict[object, list[int]]:
    """Teams grouped by a value they share (a range, a date): SQL conditions stay one branch
    per distinct value (a handful), never one per team (a digest's thousand teams)."""
    groups: dict[object, list[int]] = {}
    for team_id, value in values.items():
        groups.setdefault(value, []).append(team_id)
    return groups


def in_spans(spans: Spans, field: str) -> Q:
    """Rows whose `field` (a team-local date) falls in their team's range."""
    return reduce(
        or_, [Q(team_id__in=team_ids, **{f"{field}__range": span}) for span, team_ids in _teams_by(spans).items()]
    )


def _per_team(values: Mapping[int, date]) -> Expression:
    """A team-local date (its "today") as an SQL expression of the row's team."""
    whens = [When(team_id__in=team_ids, then=Value(day)) for day, team_ids in _teams_by(values).items()]
    return Case(*whens, default=Value(None), output_field=DateField())


def is_current_member(*, team: str = "team", person: str = "owner") -> Exists:
    """The row's person has the member role in the row's team today."""
    return Exists(Membership.objects.filter(team=OuterRef(team), user=OuterRef(person), role=Role.MEMBER).order_by())


def dashboard_teams(user: User) -> QuerySet[Team]:
    """The teams whose dashboards someone sees on their overview: those they manage, every
    team for organisation admins. Each carries `viewer_role`. Unevaluated: pages show them a
    page at a time (accountability.paging)."""
    qs = teams_with_viewer_role(user)
    if not user.is_staff:
        managed = Membership.objects.filter(user=user, role=Role.MANAGER).order_by().values("team_id")
        qs = qs.filter(pk__in=managed)
    return qs.order_by("name")


def manages_any_team(user: User) -> bool:
    return Membership.objects.filter(user=user, role=Role.MANAGER).exists()


def dashboard_memberships(team_ids: list[int], *, user_id: int | None = None) -> list[Membership]:
    """The people with the member role in these teams (the dashboard's rows), by name."""
    qs = Membership.objects.filter(team_id__in=team_ids, role=Role.MEMBER)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return list(
        qs.select_related("user")
        .only("team_id", "role", "joined_at", "user__email", "user__display_name")
        .order_by("team_id", "user__display_name", "user__email")
    )


def commitment_outcome_counts(*, spans: Spans, today: Mapping[int, date], owner_id: int | None = None) -> list[dict]:
    """How the commitments due in each range turned out, per team, owner and due date (rows
    with `team_id`, `owner_id`, `due_date` and the counts of counting.commitment_outcome_conditions)."""
    if not spans:
        return []
    conditions = counting.commitment_outcome_conditions(today=_per_team(today))
    qs = Commitment.objects.filter(in_spans(spans, "due_date"), is_current_member())
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    # By due date rather than its week: a date needs no time-zone-sensitive truncation, and
    # there are at most seven a week. order_by(): the default ordering would join the GROUP BY.
    return list(
        qs.order_by()
        .values("team_id", "owner_id", "due_date")
        .annotate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )


def commitment_made_counts(*, spans: Spans, owner_id: int | None = None) -> list[dict]:
    """Commitments made for each week of the ranges, per team, owner and week (rows with
    `team_id`, `owner_id`, `week`, `made` and `self_set`)."""
    if not spans:
        return []
    conditions = counting.commitment_made_conditions()
    qs = Commitment.objects.filter(in_spans(spans, "week"), is_current_member())
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    return list(
        qs.order_by()
        .values("team_id", "owner_id", "week")
        .annotate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )


OVERDUE = "overdue"
DECLINED = "declined"


def commitments_needing_attention(
    *, team: Team, start: date, end: date, today: date, declined_since: date, limit: int
) -> list[Commitment]:
    """For "Needs you": open commitments due in the range whose due date has passed, and
    proposals declined since `declined_since`; the first `limit` of each kind, each row
    carrying `kind` and `kind_total` (how many there are of its kind). One query."""
    return commitments_needing_attention_by_team(
        spans={team.pk: (start, end)}, today={team.pk: today}, declined_since={team.pk: declined_since}, limit=limit
    ).get(team.pk, [])


def commitments_needing_attention_by_team(
    *, spans: Spans, today: Mapping[int, date], declined_since: Mapping[int, date], limit: int
) -> dict[int, list[Commitment]]:
    """commitments_needing_attention for many teams, each with its own range and dates, in one
    query (the weekly digest); one branch per distinct range and date, not per team."""
    if not spans:
        return {}
    kind = Case(
        When(status=CommitmentStatus.OPEN, then=Value(OVERDUE)),
        default=Value(DECLINED),
        output_field=CharField(),
    )
    # The teams in each branch, so each can use its own index (team, due_date) and the partial
    # (team, resolved_on) of declined ones.
    by_range_and_day = _teams_by({team_id: (span, today[team_id]) for team_id, span in spans.items()})
    overdue = [
        Q(team_id__in=team_ids, status=CommitmentStatus.OPEN, due_date__range=span, due_date__lt=day)
        for (span, day), team_ids in by_range_and_day.items()
    ]
    declined = [
        Q(team_id__in=team_ids, status=CommitmentStatus.DECLINED, resolved_on__gte=since)
        for since, team_ids in _teams_by(declined_since).items()
    ]
    found: dict[int, list[Commitment]] = {team_id: [] for team_id in spans}
    rows = (
        Commitment.objects.filter(reduce(or_, overdue + declined))
        .filter(is_current_member())
        .select_related("owner")
        .only("title", "status", "due_date", "week", "resolved_on", "team_id", "owner__email", "owner__display_name")
        .annotate(
            kind=kind,
            kind_total=Window(Count("pk"), partition_by=[F("team_id"), kind]),
            kind_rank=Window(
                RowNumber(), partition_by=[F("team_id"), kind], order_by=[F("due_date").asc(), F("pk").asc()]
            ),
        )
        .filter(kind_rank__lte=limit)
        .order_by("kind", "due_date", "pk")
    )
    for row in rows:
        found[row.team_id].append(row)
    return found


def member_commitments(*, team: Team, owner_id: int, start: date, end: date) -> list[Commitment]:
    """A member's commitments due in, or made for, the weeks of a range (not proposals)."""
    return list(
        Commitment.objects.filter(owner_id=owner_id, team=team)
        .filter(Q(due_date__range=(start, end)) | Q(week__range=(start, end)))
        .exclude(status=CommitmentStatus.PROPOSED)
        .order_by("due_date", "pk")
    )


def absences_between(*, user_ids: list[int], start: date, end: date) -> dict[int, list[tuple[date, date]]]:
    """Each person's time away overlapping the dates: one query."""
    found: dict[int, list[tuple[date, date]]] = {}
    rows = Absence.objects.filter(user_id__in=user_ids, starts_on__lte=end, ends_on__gte=start).order_by()
    for user_id, starts_on, ends_on in rows.values_list("user_id", "starts_on", "ends_on"):
        found.setdefault(user_id, []).append((starts_on, ends_on))
    return found


def manager_changes(*, team: Team, start, end) -> int:
    """Manager arrivals and departures (a manager joining, leaving, or a role change to or from
    manager) in a team between two instants: the "stability of leadership" count."""
    return LeadershipEvent.objects.filter(team=team, manager_change=True, at__gte=start, at__lt=end).count()


def manager_changes_by_team(*, spans: Mapping[int, tuple]) -> dict[int, int]:
    """manager_changes for many teams, each between its own two instants (team id -> (start,
    end)): one query, one branch per distinct pair of instants (the digest's teams)."""
    if not spans:
        return {}
    within = reduce(
        or_, [Q(team_id__in=ids, at__gte=start, at__lt=end) for (start, end), ids in _teams_by(spans).items()]
    )
    counts = dict.fromkeys(spans, 0)
    rows = LeadershipEvent.objects.filter(within, manager_change=True).order_by().values("team_id")
    counts.update({row["team_id"]: row["n"] for row in rows.annotate(n=Count("pk"))})
    return counts


def leadership_history(*, team: Team, limit: int = 20) -> list:
    """A team's latest leadership events (joined, role changed, left), newest first."""
    return list(LeadershipEvent.objects.filter(team=team).order_by("-at", "-pk")[:limit])
