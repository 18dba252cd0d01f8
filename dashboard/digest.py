"""The weekly manager digest: last week's figures and what needs them, by email.

Cross-app like the dashboard (it is the dashboard's figures, in an email): it reads check-ins
and feedback only through their selectors, via dashboard.pages.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accountability.models import Membership, Role, Team, User
from accountability.outbox import outbox_dispatch
from accountability.weeks import Week, local_instant
from feedback import selectors as feedback_selectors
from meetings import selectors as meeting_selectors

from . import emails, pages
from .range import WeekRange

# Monday from 08:00 in the manager's own zone (else the team's), until Wednesday: after that a
# digest of the week before is stale and is not sent late.
DIGEST_WEEKDAY = 0
DIGEST_LOCAL_TIME = time(8, 0)
DIGEST_RELEVANT_FOR = timedelta(days=2)


def manager_digest_dispatch(*, now: datetime | None = None) -> int:
    """Queue the weekly digest for every manager whose Monday-morning moment has come.

    One per manager, team and week (the dedupe key); only within two days of the moment.
    The anonymous-feedback part is a count, never content.
    """
    now = now or timezone.now()
    memberships = (
        Membership.objects.filter(role=Role.MANAGER, user__is_active=True).select_related("team", "user").order_by("pk")
    )
    due: dict[int, list] = {}
    for membership in memberships:
        team, manager = membership.team, membership.user
        zone = ZoneInfo(manager.time_zone) if manager.time_zone else team.tz
        local_week = Week.containing(now.astimezone(zone).date())
        moment = local_instant(local_week.day(DIGEST_WEEKDAY), DIGEST_LOCAL_TIME, zone)
        if moment <= now < moment + DIGEST_RELEVANT_FOR:
            due.setdefault(team.pk, []).append(manager)
    if not due:
        return 0
    teams = Team.objects.in_bulk(due)
    return sum(
        _queue_team_digests(team=teams[team_id], managers=managers, now=now) for team_id, managers in due.items()
    )


def _queue_team_digests(*, team: Team, managers: list[User], now: datetime) -> int:
    last_week = team.current_week(now).previous()
    figures: dict[str, object] = {}

    def load(_new: list[User]) -> None:
        # The team's figures are built once, and only if some manager still needs their digest.
        if not figures:
            figures["board"] = pages.team_dashboard(
                team=team, week_range=WeekRange(last_week, last_week), individual=True, now=now
            )
            figures["feedback"] = feedback_selectors.new_feedback_count(
                team=team, start=last_week.start, end=last_week.end
            )

    return outbox_dispatch(
        managers,
        key=lambda manager: f"manager-digest:{manager.pk}:{team.pk}:{last_week.label}",
        write=lambda manager, key: emails.manager_digest(
            manager=manager,
            team=team,
            week=last_week,
            board=figures["board"],
            new_feedback=figures["feedback"],
            dedupe_key=key,
            one_to_ones=meeting_selectors.one_to_ones_due(team=team, manager=manager, week=last_week.next()),
        ),
        prepare=load,
    )
