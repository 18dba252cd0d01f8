"""The weekly manager digest: last week's figures and what needs them, by email.

Cross-app like the dashboard (it is the dashboard's figures, in an email): it reads check-ins
and feedback only through their selectors, via dashboard.pages.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accountability.models import Membership, Role, Team
from accountability.outbox import outbox_existing_keys, outbox_schedule_sweep
from accountability.weeks import Week, local_instant
from feedback import selectors as feedback_selectors

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
    queued = 0
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
    for team_id, managers in due.items():
        team = teams[team_id]
        last_week = team.current_week(now).previous()
        keys = {m.pk: f"manager-digest:{m.pk}:{team.pk}:{last_week.label}" for m in managers}
        sent = outbox_existing_keys(keys.values())
        missing = [m for m in managers if keys[m.pk] not in sent]
        if not missing:
            continue
        board = pages.team_dashboard(team=team, week_range=WeekRange(last_week, last_week), individual=True, now=now)
        feedback = feedback_selectors.new_feedback_count(team=team, start=last_week.start, end=last_week.end)
        with transaction.atomic():
            for manager in missing:
                if emails.manager_digest(
                    manager=manager,
                    team=team,
                    week=last_week,
                    board=board,
                    new_feedback=feedback,
                    dedupe_key=keys[manager.pk],
                ):
                    queued += 1
            transaction.on_commit(outbox_schedule_sweep)
    return queued
