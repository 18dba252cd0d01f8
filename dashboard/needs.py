"""\"Needs you\": what waits for a team's managers, first on their dashboard and in the digest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from accountability import selectors
from accountability.models import Team
from checkins import selectors as checkin_selectors

from .range import WeekRange

# Each "Needs you" list shows this many, then "and N more".
NEEDS_LIMIT = 5
# Declined proposals stay in "Needs you" this long: a chance to talk, not a to-do forever.
DECLINED_RECENT_DAYS = 14


@dataclass
class NeedsList:
    key: str
    title: str
    empty: str
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def needs_you(team: Team, week_range: WeekRange, today: date) -> tuple[list[NeedsList], NeedsList]:
    return needs_you_by_team({team.pk: (week_range, today)})[team.pk]


def needs_you_by_team(
    teams: Mapping[int, tuple[WeekRange, date]],
) -> dict[int, tuple[list[NeedsList], NeedsList]]:
    """The "Needs you" lists of each team (its range, its today): two queries however many teams (the
    weekly digest asks for a thousand at once)."""
    spans = {team_id: (week_range.start, week_range.end) for team_id, (week_range, _) in teams.items()}
    checkins = checkin_selectors.checkins_needing_attention_by_team(spans=spans, limit=NEEDS_LIMIT)
    commitments = selectors.commitments_needing_attention_by_team(
        spans=spans,
        today={team_id: today for team_id, (_, today) in teams.items()},
        declined_since={team_id: today - timedelta(days=DECLINED_RECENT_DAYS) for team_id, (_, today) in teams.items()},
        limit=NEEDS_LIMIT,
    )
    return {team_id: _sorted(checkins[team_id], commitments[team_id]) for team_id in teams}


def _sorted(checkins: list, commitments: list) -> tuple[list[NeedsList], NeedsList]:
    lists = {
        checkin_selectors.SUPPORT: NeedsList("support", "Asked for support", "No open support requests."),
        checkin_selectors.BLOCKER: NeedsList("blockers", "Blockers, not yet acknowledged", "No blockers waiting."),
        checkin_selectors.UNACKNOWLEDGED: NeedsList(
            "unacknowledged", "Check-ins waiting for acknowledgement", "Every check-in is acknowledged."
        ),
        selectors.DECLINED: NeedsList(
            "declined",
            f"Proposals declined in the last {DECLINED_RECENT_DAYS} days",
            "No proposals declined lately.",
        ),
    }
    overdue = NeedsList("overdue", "Past their due date, still open", "Nothing is past its due date.")
    for item in [*checkins, *commitments]:
        target = overdue if item.kind == selectors.OVERDUE else lists[item.kind]
        target.items.append(item)
        target.total = item.kind_total
    return list(lists.values()), overdue
