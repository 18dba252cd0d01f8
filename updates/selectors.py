"""Reads of the updates app, for its pages, the week page's panel and the dashboard."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accountability.models import Membership, Role, Team, User
from accountability.weeks import Week, local_instant

from .models import Recognition, RecognitionRecipient, Update, UpdateRead, UpdateResponse, Value

# Unread updates older than this no longer wait on the week page (the digest has listed them).
UNREAD_SHOWN_FOR = timedelta(days=30)
READ_WITHIN = timedelta(days=7)
WEEK_PANEL_UNREAD_LIMIT = 5
TEAM_PAGE_RECOGNITION_LIMIT = 10


def values_current() -> QuerySet[Value]:
    return Value.objects.filter(retired_at__isnull=True).order_by("order", "name")


def values_all() -> QuerySet[Value]:
    return Value.objects.order_by("retired_at", "order", "name")


def _for_team(team: Team) -> Q:
    """A team's updates and the organisation-wide ones."""
    return Q(team=team) | Q(team__isnull=True)


def updates_for_team(*, team: Team, user: User) -> QuerySet[Update]:
    """The team's updates and the organisation's, newest first, each with `is_read` for this
    person (their own count as read)."""
    read = UpdateRead.objects.filter(update=OuterRef("pk"), user=user)
    return (
        Update.objects.filter(_for_team(team))
        .select_related("author", "team")
        .annotate(is_read=Exists(read) | Q(author=user))
        .order_by("-created_at", "-pk")
    )


UPDATES_PER_PAGE = 25


def updates_page(*, team: Team, user: User, before: str | None = None) -> tuple[list[Update], int | None]:
    """A page of updates_for_team, newest first: UPDATES_PER_PAGE of them, older than the update
    `before` (an id, from the "Older updates" link) when given. Keyset, not counted: one query
    however long the history. Returns the page and the id to continue before, if any."""
    qs = updates_for_team(team=team, user=user)
    anchor = int(before) if before and before.isdigit() and int(before) < 2**31 else None
    if anchor:
        at = Subquery(Update.objects.filter(pk=anchor).values("created_at")[:1])
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=anchor))
    rows = list(qs[: UPDATES_PER_PAGE + 1])
    more = len(rows) > UPDATES_PER_PAGE
    rows = rows[:UPDATES_PER_PAGE]
    return rows, (rows[-1].pk if more else None)


def unread_updates(*, team: Team, user: User, now: datetime | None = None) -> QuerySet[Update]:
    since = (now or timezone.now()) - UNREAD_SHOWN_FOR
    read = UpdateRead.objects.filter(update=OuterRef("pk"), user=user)
    return (
        Update.objects.filter(_for_team(team), created_at__gte=since)
        .exclude(author=user)
        .exclude(Exists(read))
        .select_related("author", "team")
        .order_by("-created_at", "-pk")
    )


def update_with_counts(*, pk: int) -> Update | None:
    return (
        Update.objects.select_related("author", "team")
        .annotate(read_count=Count("reads", distinct=True))
        .filter(pk=pk)
        .first()
    )


def update_responses(*, update: Update) -> list[UpdateResponse]:
    return list(update.responses.select_related("user").order_by("created_at", "pk"))


def update_responses_of(*, update: Update, user: User) -> set[str]:
    return set(update.responses.filter(user=user).values_list("kind", flat=True))


def _recognitions() -> QuerySet[Recognition]:
    return Recognition.objects.select_related("giver").prefetch_related(
        Prefetch("recipients", queryset=RecognitionRecipient.objects.select_related("user").order_by("pk")),
        Prefetch("values", queryset=Value.objects.order_by("order", "name")),
    )


def recognitions_for_team(*, team: Team, limit: int = TEAM_PAGE_RECOGNITION_LIMIT) -> list[Recognition]:
    """Recent thanks to anyone in the team (from anyone, in any team). A list of thanks, never a
    count per person."""
    in_team = RecognitionRecipient.objects.filter(recognition=OuterRef("pk"), user__memberships__team=team)
    return list(_recognitions().filter(Exists(in_team)).order_by("-created_at", "-pk")[:limit])


def recognitions_received(*, user: User, start: datetime | None = None, end: datetime | None = None) -> list:
    qs = _recognitions().filter(recipients__user=user)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    return list(qs.order_by("-created_at", "-pk")[:50])


def recognitions_given(*, user: User) -> list:
    return list(_recognitions().filter(giver=user).order_by("-created_at", "-pk")[:50])


def colleagues_for_thanks(*, team: Team, user: User) -> QuerySet[User]:
    """The team's people besides the giver, to tick; others are found by email."""
    return (
        User.objects.filter(memberships__team=team, is_active=True)
        .exclude(pk=user.pk)
        .order_by("display_name", "email")
    )


def week_panel(*, user: User, team: Team, week: Week) -> dict | None:
    """The week page's panel: updates this person has not read yet, and thanks they received
    during the week shown."""
    now = timezone.now()
    unread = list(unread_updates(team=team, user=user, now=now)[: WEEK_PANEL_UNREAD_LIMIT + 1])
    start, end = week_bounds(team, week)
    thanks = recognitions_received(user=user, start=start, end=end)
    if not unread and not thanks:
        return None
    return {
        "unread": unread[:WEEK_PANEL_UNREAD_LIMIT],
        "more_unread": len(unread) > WEEK_PANEL_UNREAD_LIMIT,
        "thanks": thanks,
        "team": team,
    }


# --- The trust figures -----------------------------------------------------------------------


def trust_figures(*, team: Team, start: datetime, end: datetime, now: datetime | None = None) -> dict:
    """The transparency and consistency inputs of dashboard/metrics.py (defined there), for the
    team between two instants:

    * `updates_posted`: the team's own updates posted in the period (organisation-wide ones
      are not the team's manager's);
    * `updates_read`: numerator/denominator. Pairs of (team update posted in the period at
      least 7 days before now, person with the member role in the team today who had joined
      by the time it was posted); numerator: those read within 7 days of posting;
    * `recognition_by_value`: [(value name, recognitions)]: thanks given in the period to
      anyone in the team today, counted once per recognition and value; team totals only.
    """
    now = now or timezone.now()
    posted = Update.objects.filter(team=team, created_at__gte=start, created_at__lt=end)
    updates_posted = posted.count()
    settled = posted.filter(created_at__lte=now - READ_WITHIN)
    members = Membership.objects.filter(team=team, role=Role.MEMBER, joined_at__lte=OuterRef("created_at"))
    pairs = settled.annotate(
        audience=_subquery_count(members),
    ).values_list("pk", "audience")
    denominator = sum(audience or 0 for _, audience in pairs)
    numerator = UpdateRead.objects.filter(
        update__in=settled,
        read_at__lte=F("update__created_at") + READ_WITHIN,
        user__memberships__team=team,
        user__memberships__role=Role.MEMBER,
        user__memberships__joined_at__lte=F("update__created_at"),
    ).count()
    # From the recognition-value pairs, so each pair's recognition is the one checked.
    in_team = RecognitionRecipient.objects.filter(recognition=OuterRef("recognition_id"), user__memberships__team=team)
    by_value = (
        Recognition.values.through.objects.filter(recognition__created_at__gte=start, recognition__created_at__lt=end)
        .filter(Exists(in_team))
        .values("value__name", "value__order")
        .annotate(n=Count("recognition_id", distinct=True))
        .order_by("value__order", "value__name")
    )
    return {
        "updates_posted": updates_posted,
        "updates_read": {"numerator": numerator, "denominator": denominator},
        "recognition_by_value": [(row["value__name"], row["n"]) for row in by_value],
    }


def trust_figures_by_team(*, spans: Mapping[int, tuple[datetime, datetime]], now: datetime | None = None) -> dict:
    """trust_figures for many teams, each between its own two instants (team id -> (start,
    end)), in four queries whatever the number of teams (the weekly digest): the conditions
    take one branch per distinct pair of instants, never one per team."""
    now = now or timezone.now()
    if not spans:
        return {}
    groups: dict[tuple, list[int]] = {}
    for team_id, span in spans.items():
        groups.setdefault(tuple(span), []).append(team_id)

    def within(prefix: str, team: str) -> Q:
        return reduce(
            or_,
            [
                Q(**{f"{team}__in": ids, f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end})
                for (start, end), ids in groups.items()
            ],
        )

    result = {
        team_id: {"updates_posted": 0, "updates_read": {"numerator": 0, "denominator": 0}, "recognition_by_value": []}
        for team_id in spans
    }
    posted = Update.objects.filter(within("", "team_id")).order_by()
    for row in posted.values("team_id").annotate(n=Count("pk")):
        result[row["team_id"]]["updates_posted"] = row["n"]
    settled = posted.filter(created_at__lte=now - READ_WITHIN)
    members = Membership.objects.filter(
        team=OuterRef("team"), role=Role.MEMBER, joined_at__lte=OuterRef("created_at")
    ).order_by()
    audiences = settled.annotate(audience=_subquery_count(members)).values_list("team_id", "audience")
    for team_id, audience in audiences:
        result[team_id]["updates_read"]["denominator"] += audience or 0
    reads = (
        UpdateRead.objects.filter(
            update__in=settled,
            read_at__lte=F("update__created_at") + READ_WITHIN,
            user__memberships__team=F("update__team"),
            user__memberships__role=Role.MEMBER,
            user__memberships__joined_at__lte=F("update__created_at"),
        )
        .order_by()
        .values("update__team_id")
        .annotate(n=Count("pk"))
    )
    for row in reads:
        result[row["update__team_id"]]["updates_read"]["numerator"] = row["n"]
    # Thanks to anyone in the team today, given in that team's period: once per recognition
    # and value, whatever the number of the team's people it thanked.
    team = "recognition__recipients__user__memberships__team_id"
    by_value = (
        Recognition.values.through.objects.filter(within("recognition__", team))
        .values(team, "value__name", "value__order")
        .annotate(n=Count("recognition_id", distinct=True))
        .order_by(team, "value__order", "value__name")
    )
    for row in by_value:
        result[row[team]]["recognition_by_value"].append((row["value__name"], row["n"]))
    return result


def _subquery_count(qs: QuerySet):
    counted = qs.order_by().values("team").annotate(c=Count("pk")).values("c")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- The updates digest --------------------------------------------------------------------


def digest_unread(*, team_ids: list[int], start: datetime, end: datetime) -> dict[int, list[tuple[User, list]]]:
    """For each team: its members (member role, active) and the updates posted between two
    instants (the team's and the organisation's) each has not read. Three queries."""
    updates = list(
        Update.objects.filter(Q(team_id__in=team_ids) | Q(team__isnull=True), created_at__gte=start, created_at__lt=end)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    if not updates:
        return {}
    read = set(UpdateRead.objects.filter(update__in=updates).values_list("update_id", "user_id"))
    memberships = (
        Membership.objects.filter(team_id__in=team_ids, role=Role.MEMBER, user__is_active=True)
        .select_related("user")
        .order_by("team_id", "user_id")
    )
    result: dict[int, list[tuple[User, list]]] = {}
    for membership in memberships:
        missed = [
            update
            for update in updates
            if update.team_id in (None, membership.team_id)
            and update.author_id != membership.user_id
            and (update.pk, membership.user_id) not in read
            and update.created_at >= membership.joined_at
        ]
        if missed:
            result.setdefault(membership.team_id, []).append((membership.user, missed))
    return result


def week_bounds(team: Team, week: Week) -> tuple[datetime, datetime]:
    return (
        local_instant(week.start, datetime.min.time(), team.tz),
        local_instant(week.next().start, datetime.min.time(), team.tz),
    )
