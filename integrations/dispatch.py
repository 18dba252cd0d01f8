"""The week's summary, posted to a team's channels when its week closes.

Set-based, like the other dispatchers (accountability/zones.py): one query for the zones of the
teams with a channel that wants the summary; none due, nothing more. Due: one query for those
channels, one for the outbox keys already written, then for each chunk of new ones the
dashboard's own figures (dashboard.collect: four aggregate queries for all the chunk's teams,
never a dashboard per team) and one insert. Run it twice, late, or concurrently: each channel
gets each week's summary once (the dedupe key names the channel and the week).

What it says: participation, on-time check-ins and follow-through as the dashboard defines
them, the commitments' outcomes as counts, and the week's answers to the questions the team
shares with teammates (checkins: a shared question's answers are the team's to read; one query
a chunk). Never a private answer (between a member and their managers), never anyone's mood,
nothing about anonymous feedback or surveys.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accountability.outbox import outbox_existing_keys
from accountability.outbox.posts import outbox_post
from accountability.registry import event_id_for
from accountability.weeks import Week, week_closes_at
from accountability.zones import zones_in_use
from checkins.selectors import shared_answers_by_team
from dashboard.collect import collect, team_card
from dashboard.metrics import format_value
from dashboard.range import WeekRange

from . import services
from .events import link
from .formats import Message
from .models import Event, TeamChannel

# From the moment a week closes, for this long: a summary two days late is still news; later not.
SUMMARY_RELEVANT_FOR = timedelta(days=2)
CHUNK = 500


def _closed_week(zone: str, now: datetime) -> Week | None:
    """The week that closed in this zone within SUMMARY_RELEVANT_FOR of `now`, if any."""
    tz = ZoneInfo(zone)
    week = Week.containing(now.astimezone(tz).date()).previous()
    closes = week_closes_at(week, tz)
    return week if closes <= now < closes + SUMMARY_RELEVANT_FOR else None


def summary_key(channel_id: int, week: Week) -> str:
    return f"hook:channel:{channel_id}:week:{week.label}"


def week_summaries_dispatch(*, now: datetime | None = None) -> int:
    """Queue the week's summary for every channel whose team's week has just closed."""
    now = now or timezone.now()
    wanting = TeamChannel.objects.filter(active=True, post_week_summary=True)
    weeks = {zone: week for zone in zones_in_use(wanting, "team__time_zone") if (week := _closed_week(zone, now))}
    if not weeks:
        return 0
    channels = list(wanting.filter(team__time_zone__in=list(weeks)).select_related("team").order_by("pk"))
    existing = outbox_existing_keys(summary_key(c.pk, weeks[c.team.time_zone]) for c in channels)
    channels = [c for c in channels if summary_key(c.pk, weeks[c.team.time_zone]) not in existing]
    queued = 0
    for start in range(0, len(channels), CHUNK):
        part = channels[start : start + CHUNK]
        teams = list({c.team_id: c.team for c in part}.values())
        ranges = {team.pk: WeekRange(weeks[team.time_zone], weeks[team.time_zone]) for team in teams}
        members = collect(teams, ranges, now)
        shared = shared_answers_by_team(weeks={team.pk: weeks[team.time_zone].start for team in teams})
        with transaction.atomic():
            rows = []
            for channel in part:
                week = weeks[channel.team.time_zone]
                data, message, url = summary(
                    team=channel.team,
                    week=week,
                    card=team_card(members[channel.team_id], 1),
                    shared=shared.get(channel.team_id, []),
                )
                event_id = event_id_for(Event.WEEK_CLOSED, f"{channel.team_id}:{week.label}")
                built = services.rows_build(
                    name=Event.WEEK_CLOSED,
                    event_id=event_id,
                    team=channel.team,
                    data=data,
                    message=message,
                    url=url,
                    endpoints=[],
                    channels=[channel],
                    at=now,
                )
                built[0].dedupe_key = summary_key(channel.pk, week)
                rows += built
            queued += len(outbox_post(rows))
    return queued


def summary(*, team, week: Week, card, shared=()) -> tuple[dict, Message, str]:
    total, values = card.total, card.values
    url = link("team_dashboard", team.slug)
    data = {
        "week": week.label,
        "participation": {"checked_in": total.checkins, "expected": total.expected, "on_time": total.on_time},
        "follow_through": {
            "came_due": total.came_due,
            "done_on_time": total.done_on_time,
            "done_late": total.done_late,
            "renegotiated_in_time": total.renegotiated_in_time,
            "renegotiated_late": total.renegotiated_late,
            "partly_done": total.partly_done,
            "not_done_yet": total.not_done + total.overdue_open,
            "let_go": total.let_go,
        },
        "figures": {key: values.get(key) for key in ("participation", "on_time", "follow_through")},
        "shared_answers": [
            {"question": a.question.label, "member": a.checkin.member.name, "answer": a.display} for a in shared
        ],
    }
    facts = [
        (
            "Checked in",
            f"{total.checkins} of {total.expected} ({format_value('participation', values.get('participation'))})",
        ),
        ("On time", format_value("on_time", values.get("on_time"))),
        ("Follow-through", format_value("follow_through", values.get("follow_through"))),
        (
            "Commitments due",
            f"{total.came_due}: {total.done_on_time + total.done_late} done, "
            f"{total.renegotiated_in_time + total.renegotiated_late} renegotiated, "
            f"{total.partly_done} partly done, {total.let_go} let go",
        ),
    ]
    message = Message(
        title=f"{team.name} · week {week.label} in review",
        text="Thank you all for showing up this week.",
        facts=facts,
        link=url,
        bullets=[f"{a.checkin.member.name}, {a.question.label}: {a.display}" for a in shared],
    )
    return data, message, url
