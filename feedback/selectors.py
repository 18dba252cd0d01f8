"""Reads for the feedback pages, and the figures other apps may show.

Nothing here returns anything about who wrote: threads carry their team, category, status and
day, and messages a position and, for managers' replies, the manager.

Readers (managers, admins, and every figure, digest and export made for them) see only what the
daily release has shown them (`released_on` set; models.py): `released_threads` and
`released_messages` are where every such read starts. Only the writer's own page, opened with
the code, shows what still waits (`writer_conversation`).
"""

from collections.abc import Mapping
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from accountability.counting import ANSWER_WITHIN_DAYS
from accountability.models import Membership, Role, Team, User
from accountability.weeks import Week

from .models import Author, FeedbackMessage, FeedbackThread


def with_feedback_counts(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams annotated with what decides where anonymous feedback to them goes (see
    services.goes_to_admins): their active members besides the managers, and their managers."""
    return teams.annotate(
        feedback_members=Count(
            "memberships", filter=Q(memberships__role=Role.MEMBER, memberships__user__is_active=True)
        ),
        feedback_managers=Count(
            "memberships", filter=Q(memberships__role=Role.MANAGER, memberships__user__is_active=True)
        ),
    )


def teams_for_writing() -> QuerySet[Team]:
    """Every team of the organisation: anyone may write to any team's managers."""
    return with_feedback_counts(Team.objects.order_by("name"))


def released_threads() -> QuerySet[FeedbackThread]:
    """Threads the daily release has shown to their readers."""
    return FeedbackThread.objects.filter(released_on__isnull=False)


def released_messages() -> QuerySet[FeedbackMessage]:
    """Messages the daily release has shown (managers' replies are released as they are sent)."""
    return FeedbackMessage.objects.filter(released_on__isnull=False)


def inbox_threads(user: User, *, status: str | None = None) -> QuerySet[FeedbackThread]:
    """Threads this person handles: their managed teams', and, for organisation admins, those
    routed to the admins. Each carries its number of messages, who wrote the last one
    (`last_author`, so the inbox can say which wait for an answer) and the start of the first
    (`opening`)."""
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("team_id")
    visible = Q(team_id__in=managed, to_admins=False)
    if user.is_staff:
        visible |= Q(to_admins=True)
    messages = released_messages().filter(thread=OuterRef("pk"))
    last_author = messages.order_by("-position").values("author_kind")[:1]
    opening = messages.filter(position=1).annotate(start=Substr("body", 1, 200)).values("start")[:1]
    qs = (
        released_threads()
        .filter(visible)
        .select_related("team", "signed_by")
        .annotate(
            message_count=Count("messages", filter=Q(messages__released_on__isnull=False)),
            last_author=Subquery(last_author),
            opening=Subquery(opening),
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_on", "id")


def thread_messages(thread: FeedbackThread) -> QuerySet[FeedbackMessage]:
    """The conversation as its readers see it: released messages only."""
    return released_messages().filter(thread=thread).select_related("manager").order_by("position")


def writer_conversation(thread: FeedbackThread) -> list[FeedbackMessage]:
    """The conversation as its writer sees it: everything released, then their own messages
    still waiting for the release (each with `pending` set), in the order they wrote them."""
    messages = sorted(
        FeedbackMessage.objects.filter(thread=thread).select_related("manager"),
        key=lambda message: (message.released_on is None, message.position),
    )
    for message in messages:
        message.pending = message.released_on is None
    return messages


def published_for_team(team: Team) -> QuerySet[FeedbackThread]:
    """ "You said, we did" for a team page."""
    return FeedbackThread.objects.filter(team=team, published_on__isnull=False).order_by("-published_on", "id")


def trust_figures(*, team: Team, weeks: list[Week]) -> dict[str, dict]:
    """Figures for the dashboard's trust metrics, as numerator/denominator pairs:

    * feedback_answered: of the anonymous threads to the team's managers that reached them (the
      daily release) in the period, those with a manager's first reply dated at most 7 days
      after that.
    """
    if not weeks:
        return {}
    start, end = weeks[0].start, weeks[-1].end
    threads = list(
        released_threads()
        .filter(team=team, to_admins=False, released_on__range=(start, end))
        .annotate(first_answer=Min("messages__created_on", filter=Q(messages__author_kind=Author.MANAGER)))
        .values_list("released_on", "first_answer")
    )
    answered = sum(
        1 for released, first in threads if first is not None and first - released <= timedelta(days=ANSWER_WITHIN_DAYS)
    )
    return {"feedback_answered": {"numerator": answered, "denominator": len(threads)}}


def new_feedback_count(*, team: Team, start: date, end: date) -> int:
    """How many anonymous threads reached the team's managers (were released to them) between
    two team-local dates: a count only, for the weekly digest. Never what still waits."""
    return released_threads().filter(team=team, to_admins=False, released_on__range=(start, end)).count()


def new_feedback_counts(*, spans: Mapping[int, tuple[date, date]]) -> dict[int, int]:
    """new_feedback_count for many teams, each between its own dates: one query, one branch
    per distinct pair of dates (the weekly digest's thousand teams share a few)."""
    groups: dict[tuple[date, date], list[int]] = {}
    for team_id, span in spans.items():
        groups.setdefault(span, []).append(team_id)
    if not groups:
        return {}
    in_spans = reduce(or_, [Q(team_id__in=ids, released_on__range=span) for span, ids in groups.items()])
    rows = (
        released_threads()
        .filter(in_spans, to_admins=False)
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    return {team_id: 0 for team_id in spans} | dict(rows)
