"""The weekly manager digest: last week's figures and what needs them, by email.

Cross-app like the dashboard (it is the dashboard's figures, in an email): it reads check-ins
and feedback only through their selectors, via dashboard.collect and dashboard.needs.

Set-based, for a whole organisation at once: who is due is decided per time zone (the
manager's own, else the team's; accountability/zones.py), and the figures of every team still
owed a digest come from the same aggregate queries the dashboard runs, asked once for all those
teams (each with its own last week), never a dashboard per team.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from accountability.models import Membership, Role, Team
from accountability.outbox import outbox_dispatch
from accountability.weeks import Week, local_instant
from accountability.zones import zones_in_use
from feedback import selectors as feedback_selectors
from meetings import selectors as meeting_selectors

from . import emails, metrics
from .collect import collect, team_card
from .metrics import DEFINITIONS, Definition, Scorecard
from .needs import NeedsList, needs_you_by_team
from .pages import HEADLINE
from .range import WeekRange
from .trust import TrustMetric, updates_figures_by_team

# Monday from 08:00 in the manager's own zone (else the team's), until Wednesday: after that a
# digest of the week before is stale and is not sent late.
DIGEST_WEEKDAY = 0
DIGEST_LOCAL_TIME = time(8, 0)
DIGEST_RELEVANT_FOR = timedelta(days=2)


@dataclass
class DigestFigures:
    """What the digest shows of a team's last week: the dashboard's headline and "Needs you"
    (the same names as dashboard.pages.TeamDashboard, which the email templates read)."""

    card: Scorecard
    needs: list[NeedsList] = field(default_factory=list)
    new_feedback: int = 0
    # Updates posted and read, manager changes, thanks for each value (dashboard.trust).
    updates_metrics: list[TrustMetric] = field(default_factory=list)

    @property
    def headline(self) -> list[tuple[Definition, str]]:
        return [(DEFINITIONS[key], metrics.format_value(key, self.card.values[key])) for key in HEADLINE]

    @property
    def needs_total(self) -> int:
        return sum(needs.total for needs in self.needs)


def _digest_due(zone: str, now: datetime) -> bool:
    tz = ZoneInfo(zone)
    moment = local_instant(Week.containing(now.astimezone(tz).date()).day(DIGEST_WEEKDAY), DIGEST_LOCAL_TIME, tz)
    return moment <= now < moment + DIGEST_RELEVANT_FOR


def manager_digest_dispatch(*, now: datetime | None = None) -> int:
    """Queue the weekly digest for every manager whose Monday-morning moment has come.

    One per manager, team and week (the dedupe key); only within two days of the moment.
    The anonymous-feedback part is a count, never content. Nothing due: one query (the zones
    in use); due: the managers, the outbox keys, then per chunk of emails the figures of its
    teams in a handful of aggregate queries, whatever the number of teams.
    """
    now = now or timezone.now()
    managers = Membership.objects.filter(role=Role.MANAGER, user__is_active=True).annotate(
        zone=Coalesce(NullIf(F("user__time_zone"), Value("")), F("team__time_zone"))
    )
    due_zones = [zone for zone in zones_in_use(managers, "zone") if _digest_due(zone, now)]
    if not due_zones:
        return 0
    due = list(managers.filter(Q(zone__in=due_zones)).select_related("team", "user").order_by("team_id", "pk"))
    last_week = {m.team_id: m.team.current_week(now).previous() for m in due}
    figures: dict[int, DigestFigures] = {}
    one_to_ones: dict[tuple[int, int], list] = {}

    def load(part: list[Membership]) -> None:
        teams = list({m.team_id: m.team for m in part if m.team_id not in figures}.values())
        if teams:
            figures.update(_digest_figures(teams, {team.pk: last_week[team.pk] for team in teams}, now))
        # The one-to-ones each manager has planned in the week the digest opens.
        one_to_ones.update(
            meeting_selectors.one_to_ones_due_by_manager(
                weeks={(m.team, m.user): last_week[m.team_id].next() for m in part}
            )
        )

    return outbox_dispatch(
        due,
        key=lambda m: f"manager-digest:{m.user_id}:{m.team_id}:{last_week[m.team_id].label}",
        write=lambda m, key: emails.manager_digest(
            manager=m.user,
            team=m.team,
            week=last_week[m.team_id],
            board=figures[m.team_id],
            new_feedback=figures[m.team_id].new_feedback,
            dedupe_key=key,
            one_to_ones=one_to_ones.get((m.team_id, m.user_id), []),
        ),
        prepare=load,
    )


def _digest_figures(teams: list[Team], weeks: dict[int, Week], now: datetime) -> dict[int, DigestFigures]:
    """Each team's last week as its managers' dashboard shows it: the member counts (collect's
    few queries for all the teams), "Needs you" (two) and the new anonymous feedback (one)."""
    ranges = {team_id: WeekRange(week, week) for team_id, week in weeks.items()}
    members = collect(teams, ranges, now)
    needs = needs_you_by_team({team.pk: (ranges[team.pk], team.today(now)) for team in teams})
    feedback = feedback_selectors.new_feedback_counts(
        spans={team_id: (week.start, week.end) for team_id, week in weeks.items()}
    )
    updates = updates_figures_by_team(teams, {team_id: [week] for team_id, week in weeks.items()}, now)
    return {
        team.pk: DigestFigures(
            card=team_card(members[team.pk], 1),
            needs=needs[team.pk][0],
            new_feedback=feedback[team.pk],
            updates_metrics=_updates_metrics(updates[team.pk]),
        )
        for team in teams
    }


def _updates_metrics(figures: dict[str, tuple]) -> list[TrustMetric]:
    # The updates app's figures and the core's manager changes for every team of the chunk at
    # once (dashboard.trust.updates_figures_by_team: five queries, not five per team).
    return [
        TrustMetric(DEFINITIONS[key], *figures.get(key, (None, None)))
        for key in DEFINITIONS
        if key in metrics.UPDATES_KEYS
    ]
