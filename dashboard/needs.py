"""\"Needs you\": what waits for a team's managers, first on their dashboard and in the digest."""

from __future__ import annotations

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
    checkins = checkin_selectors.checkins_needing_attention(
        team=team, start=week_range.start, end=week_range.end, limit=NEEDS_LIMIT
    )
    commitments = selectors.commitments_needing_attention(
        team=team,
        start=week_range.start,
        end=week_range.end,
        today=today,
        declined_since=today - timedelta(days=DECLINED_RECENT_DAYS),
        limit=NEEDS_LIMIT,
    )
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
