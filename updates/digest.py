"""The weekly updates digest: to each member, the updates of last week they have not opened.

Monday from 08:00 in the team's time zone, until Wednesday (after that it is stale and not sent
late); one per member, team and week (the dedupe key), written through `outbox_dispatch`.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accountability.models import Team
from accountability.outbox import outbox_dispatch
from accountability.weeks import Week, local_instant
from accountability.zones import zones_in_use

from . import emails, selectors

DIGEST_WEEKDAY = 0
DIGEST_LOCAL_TIME = time(8, 0)
DIGEST_RELEVANT_FOR = timedelta(days=2)


def _digest_due(zone: str, now: datetime) -> bool:
    tz = ZoneInfo(zone)
    moment = local_instant(Week.containing(now.astimezone(tz).date()).day(DIGEST_WEEKDAY), DIGEST_LOCAL_TIME, tz)
    return moment <= now < moment + DIGEST_RELEVANT_FOR


def updates_digest_dispatch(*, now: datetime | None = None) -> int:
    """Set-based (accountability/zones.py): the zones in use (one query), the moment decided
    once per zone, then the teams of the due zones only. Nothing due: that one query."""
    now = now or timezone.now()
    teams = Team.objects.only("pk", "slug", "name", "time_zone")
    due_zones = [zone for zone in zones_in_use(teams, "time_zone") if _digest_due(zone, now)]
    if not due_zones:
        return 0
    due = {team.pk: team for team in teams.filter(time_zone__in=due_zones).order_by("pk")}
    sent = 0
    by_week: dict[str, list[Team]] = {}
    for team in due.values():
        by_week.setdefault(team.current_week(now).previous().label, []).append(team)
    for teams in by_week.values():
        week = teams[0].current_week(now).previous()
        start, end = selectors.week_bounds(teams[0], week)
        # Each team's own week bounds differ by its zone by hours at most; a day either side
        # keeps every team's week in the query and the per-team filter below exact.
        missed = selectors.digest_unread(
            team_ids=[team.pk for team in teams], start=start - timedelta(days=1), end=end + timedelta(days=1)
        )
        for team in teams:
            team_start, team_end = selectors.week_bounds(team, week)
            people = [
                (member, [u for u in updates if team_start <= u.created_at < team_end])
                for member, updates in missed.get(team.pk, [])
            ]
            people = [(member, updates) for member, updates in people if updates]
            lists = {member.pk: updates for member, updates in people}
            sent += outbox_dispatch(
                [member for member, _ in people],
                key=lambda member, team=team: f"updates-digest:{member.pk}:{team.pk}:{week.label}",
                write=lambda member, key, team=team, lists=lists: emails.updates_digest(
                    member=member, team=team, updates=lists[member.pk], dedupe_key=key
                ),
            )
    return sent
