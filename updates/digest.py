"""The weekly updates digest: to each member, the updates of last week they have not opened.

Monday from 08:00 in the team's time zone, until Wednesday (after that it is stale and not sent
late); one per member, team and week (the dedupe key), written through `outbox_dispatch`.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from accountability.models import Team
from accountability.outbox import outbox_dispatch
from accountability.weeks import local_instant

from . import emails, selectors

DIGEST_WEEKDAY = 0
DIGEST_LOCAL_TIME = time(8, 0)
DIGEST_RELEVANT_FOR = timedelta(days=2)


def updates_digest_dispatch(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due: dict[int, Team] = {}
    # Only the fields the moment needs: one pass over the teams, no query per team.
    for team in Team.objects.only("pk", "slug", "name", "time_zone").order_by("pk").iterator(chunk_size=2000):
        week = team.current_week(now)
        moment = local_instant(week.day(DIGEST_WEEKDAY), DIGEST_LOCAL_TIME, team.tz)
        if moment <= now < moment + DIGEST_RELEVANT_FOR:
            due[team.pk] = team
    if not due:
        return 0
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
