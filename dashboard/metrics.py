"""The trust metrics: every definition, written once.

The dashboard, its CSV export and the digest emails all compute figures here, from counts the
database aggregated (see `WeekCounts`). A metric whose denominator is zero is `None`, shown as
"not enough data yet", never as 0%.

The five strategies and what measures them (DESIGN.md):

* open communication: team meetings and one-to-ones held against their cadence
  (`MEETING_KEYS`, computed by `meetings.selectors.trust_figures`), replies on check-ins,
  support requests answered within 7 days, and the
  anonymous-feedback and survey figures the feedback and survey apps provide once they have
  data (`FEEDBACK_KEYS`: computed by `feedback.selectors.trust_figures` and
  `surveys.selectors.trust_figures`, defined here);
* transparency: check-in participation and on-time rate, acknowledgement rate and time, and
  the team updates posted and read within a week (`UPDATES_KEYS`: counted by
  `updates.selectors.trust_figures`, defined here);
* accountability: meeting action items closed (`MEETING_KEYS`); follow-through:
  done by the due date, done late, renegotiated before the
  due date (kept: saying so early is keeping one's word), not done, let go;
* empowerment: the share of commitments people set themselves;
* consistency: check-in streaks, week-to-week steadiness of follow-through, how regularly
  managers acknowledge, manager changes on the team (the core's leadership events,
  `accountability.selectors.manager_changes`) and recognition given for each of the
  organisation's values (team totals only, never per person: `updates.selectors.trust_figures`).

What is counted is a core rule (accountability/counting.py): `checkin_conditions`,
`commitment_outcome_conditions` and `commitment_made_conditions` are the SQL conditions the
selectors count with, so a page, an export and an email can only differ in presentation. A
team's figures are those of the people with the member role in it today: managers' own
check-ins and commitments are not counted, nor those of people who have left.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

from accountability.counting import ANSWER_WITHIN_DAYS
from updates.selectors import READ_WITHIN as UPDATE_READ_WITHIN

OPEN_COMMUNICATION = "open_communication"
TRANSPARENCY = "transparency"
ACCOUNTABILITY = "accountability"
EMPOWERMENT = "empowerment"
CONSISTENCY = "consistency"

STRATEGIES = {
    OPEN_COMMUNICATION: "Open communication",
    TRANSPARENCY: "Transparency",
    ACCOUNTABILITY: "Accountability",
    EMPOWERMENT: "Empowerment",
    CONSISTENCY: "Consistency",
}

# A week counts as acknowledged consistently when at least this share of its check-ins was.
ACK_CONSISTENT_SHARE = 0.8
# An update counts as read in time when read within this many days of posting (counted by
# updates.selectors.trust_figures with the same window).
READ_WITHIN_DAYS = UPDATE_READ_WITHIN.days


@dataclass(frozen=True)
class Definition:
    key: str
    strategy: str
    label: str
    description: str
    # "%" (a share, 0-1), "h" (hours), "weeks", "pp" (percentage points), "n" (a count),
    # "values" (a count for each of the organisation's values)
    unit: str = "%"
    higher_is_better: bool = True


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in [
        Definition(
            "replies",
            OPEN_COMMUNICATION,
            "Check-ins with a reply",
            "Share of check-ins on which a manager wrote at least one reply.",
        ),
        Definition(
            "support_answered",
            OPEN_COMMUNICATION,
            "Support requests answered",
            f"Share of check-ins asking for support that a manager marked answered within {ANSWER_WITHIN_DAYS} days.",
        ),
        Definition(
            "feedback_answered",
            OPEN_COMMUNICATION,
            "Anonymous feedback answered",
            f"Share of anonymous feedback to the team's managers, received in the period, that had a manager's "
            f"first reply within {ANSWER_WITHIN_DAYS} days.",
        ),
        Definition(
            "survey_participation",
            OPEN_COMMUNICATION,
            "Survey participation",
            "Responses out of invitations, over the pulse-survey rounds that closed in the period with at least "
            "the team's anonymity threshold of responses (a round with fewer counts in no figure).",
        ),
        Definition(
            "team_meetings_held",
            OPEN_COMMUNICATION,
            "Team meetings held against their cadence",
            "Team meetings held, out of the meetings the team's planned cadence put in the period up to today "
            "(after any move); one skipped, with a reason, or not recorded counts as not held.",
        ),
        Definition(
            "one_to_ones_held",
            OPEN_COMMUNICATION,
            "One-to-ones held against their cadence",
            "One-to-ones between the team's managers and members held, out of those their agreed cadence put in "
            "the period up to today (after any move); one skipped, with a reason, or not recorded counts as not held.",
        ),
        Definition(
            "participation",
            TRANSPARENCY,
            "Check-in participation",
            "Check-ins submitted, out of one per member per week since they joined (managers not counted; "
            "the current week counts once its check-in is due).",
        ),
        Definition(
            "on_time",
            TRANSPARENCY,
            "On time",
            "Share of submitted check-ins that arrived by the team's check-in time.",
        ),
        Definition(
            "updates_posted",
            TRANSPARENCY,
            "Updates posted",
            "Team updates the team's managers posted in the period (organisation-wide updates not counted).",
            unit="n",
        ),
        Definition(
            "updates_read",
            TRANSPARENCY,
            "Updates read within a week",
            f"Of each team update posted in the period at least {READ_WITHIN_DAYS} days ago and each person with the "
            f"member role today who had joined by then: the share read within {READ_WITHIN_DAYS} days of posting.",
        ),
        Definition(
            "acknowledged",
            TRANSPARENCY,
            "Acknowledged",
            "Share of submitted check-ins a manager acknowledged.",
        ),
        Definition(
            "ack_hours",
            TRANSPARENCY,
            "Time to acknowledge",
            "Average hours from a check-in's submission to its acknowledgement.",
            unit="h",
            higher_is_better=False,
        ),
        Definition(
            "follow_through",
            ACCOUNTABILITY,
            "Follow-through",
            "Commitments due in the period that were done by their due date or renegotiated on or before it, "
            "out of all that came due (those still open and not yet due are left out).",
        ),
        Definition(
            "done_on_time",
            ACCOUNTABILITY,
            "Done by the due date",
            "Share of commitments that came due which were done by their due date.",
        ),
        Definition(
            "done_late",
            ACCOUNTABILITY,
            "Done late",
            "Share done after their due date.",
            higher_is_better=False,
        ),
        Definition(
            "renegotiated_in_time",
            ACCOUNTABILITY,
            "Renegotiated in time",
            "Share renegotiated on or before the due date: kept, by saying so early.",
        ),
        Definition(
            "renegotiated_late",
            ACCOUNTABILITY,
            "Renegotiated after the due date",
            "Share renegotiated only after the due date had passed: not counted as kept.",
            higher_is_better=False,
        ),
        Definition(
            "not_done",
            ACCOUNTABILITY,
            "Not done (yet)",
            "Share marked not done or partly done, or still open past the due date.",
            higher_is_better=False,
        ),
        Definition(
            "let_go",
            ACCOUNTABILITY,
            "Let go",
            "Share let go, with a lesson.",
            higher_is_better=False,
        ),
        Definition(
            "action_items_closed",
            ACCOUNTABILITY,
            "Meeting action items closed",
            "Action items from one-to-ones and team meetings, due in the period up to today, whose commitment was "
            "reviewed (done, partly, not done yet, renegotiated or let go), out of all that came due.",
        ),
        Definition(
            "self_set",
            EMPOWERMENT,
            "Set by themselves",
            "Share of commitments made in the period that people set for themselves rather than accepted from "
            "a manager's proposal (proposals not yet answered or declined are not counted, nor the new dates "
            "of renegotiated ones).",
        ),
        Definition(
            "survey_empowerment",
            EMPOWERMENT,
            "Say in their work (survey)",
            "Share of favourable answers to the pulse survey's empowerment statements, from rounds closed in the "
            "period that reached the team's anonymity threshold.",
        ),
        Definition(
            "streak",
            CONSISTENCY,
            "Check-in streak",
            "Median, across members, of consecutive weeks with a check-in, counting back from the last week "
            "of the period.",
            unit="weeks",
        ),
        Definition(
            "steadiness",
            CONSISTENCY,
            "Follow-through swing",
            "Standard deviation of weekly follow-through across the period, in percentage points: the lower, "
            "the steadier.",
            unit="pp",
            higher_is_better=False,
        ),
        Definition(
            "ack_consistency",
            CONSISTENCY,
            "Weeks acknowledged",
            f"Share of weeks with check-ins in which managers acknowledged at least {ACK_CONSISTENT_SHARE:.0%} "
            "of them.",
        ),
        Definition(
            "manager_changes",
            CONSISTENCY,
            "Manager changes",
            "Managers who arrived or left in the period (joining as manager, a role change to or from manager, "
            "leaving): the fewer, the steadier the leadership. Kept when a membership ends.",
            unit="n",
            higher_is_better=False,
        ),
        Definition(
            "recognition_by_value",
            CONSISTENCY,
            "Recognition for each value",
            "Thanks given in the period to anyone in the team today, counted once per thanks and value it was "
            "tagged with: team totals only, never a count per person.",
            unit="values",
        ),
    ]
}


# Figures the feedback and survey apps compute (anonymously) through their `trust_figures`.
# Figures the meetings app computes through meetings.selectors.trust_figures.
MEETING_KEYS = ("team_meetings_held", "one_to_ones_held", "action_items_closed")
FEEDBACK_KEYS = ("feedback_answered", "survey_participation", "survey_empowerment", *MEETING_KEYS)
# Team-level figures from the updates app and the core's leadership events (dashboard/trust.py).
UPDATES_KEYS = ("updates_posted", "updates_read", "manager_changes", "recognition_by_value")


@dataclass
class WeekCounts:
    """What the database counts for one member (or a whole team) in one week.

    Check-in counts belong to the week of the check-in; commitment outcomes to the week of the
    commitment's due date; `made`/`self_set` to the week the commitment was made for.
    """

    expected: int = 0
    checkins: int = 0
    on_time: int = 0
    acknowledged: int = 0
    ack_seconds: float = 0.0
    with_reply: int = 0
    support_requests: int = 0
    support_answered: int = 0
    support_open: int = 0  # asked for support, not answered yet (not a metric: "needs you")
    came_due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    renegotiated_in_time: int = 0
    renegotiated_late: int = 0
    partly_done: int = 0
    not_done: int = 0
    let_go: int = 0
    overdue_open: int = 0
    made: int = 0
    self_set: int = 0

    def __add__(self, other: WeekCounts) -> WeekCounts:
        result = WeekCounts(**{name: getattr(self, name) for name in COUNT_FIELDS})
        result.add(other)
        return result

    def add(self, other: WeekCounts) -> None:
        """In place: a dashboard adds up a few thousand cells (members × weeks)."""
        mine, theirs = self.__dict__, other.__dict__
        for name in COUNT_FIELDS:
            mine[name] += theirs[name]

    def update(self, row: dict) -> None:
        """Add the counts of an aggregate row (keys that are not counts are ignored). A row
        has a few keys, the counts twenty: loop over the row's."""
        mine = self.__dict__
        for name, value in row.items():
            if value and name in COUNT_NAMES:
                mine[name] += value

    @classmethod
    def zero(cls) -> WeekCounts:
        """Zero counts, made without dataclass __init__'s twenty keyword defaults: a team of
        500 over a range needs thousands of cells."""
        counts = cls.__new__(cls)
        counts.__dict__.update(ZERO_COUNTS)
        return counts

    @classmethod
    def total(cls, items: Iterable[WeekCounts]) -> WeekCounts:
        result = cls()
        for item in items:
            result.add(item)
        return result


COUNT_FIELDS = tuple(f.name for f in fields(WeekCounts))
COUNT_NAMES = frozenset(COUNT_FIELDS)
ZERO_COUNTS = {f.name: f.default for f in fields(WeekCounts)}


def share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def figures(counts: WeekCounts) -> dict[str, float | None]:
    """Every per-period metric that follows from counts alone."""
    came_due = counts.came_due
    return {
        "replies": share(counts.with_reply, counts.checkins),
        "support_answered": share(counts.support_answered, counts.support_requests),
        "participation": share(counts.checkins, counts.expected),
        "on_time": share(counts.on_time, counts.checkins),
        "acknowledged": share(counts.acknowledged, counts.checkins),
        "ack_hours": (counts.ack_seconds / counts.acknowledged / 3600) if counts.acknowledged else None,
        "follow_through": share(counts.done_on_time + counts.renegotiated_in_time, came_due),
        "done_on_time": share(counts.done_on_time, came_due),
        "done_late": share(counts.done_late, came_due),
        "renegotiated_in_time": share(counts.renegotiated_in_time, came_due),
        "renegotiated_late": share(counts.renegotiated_late, came_due),
        "not_done": share(counts.partly_done + counts.not_done + counts.overdue_open, came_due),
        "let_go": share(counts.let_go, came_due),
        "self_set": share(counts.self_set, counts.made),
    }


def streak(weekly_checkins: Sequence[int | None]) -> int:
    """Consecutive weeks with a check-in, counting back from the last one in the sequence.
    A week marked None (time away) neither counts nor breaks the streak."""
    count = 0
    for n in reversed(weekly_checkins):
        if n is None:
            continue
        if not n:
            break
        count += 1
    return count


def median_streak(per_member_weekly_checkins: Iterable[Sequence[int]]) -> float | None:
    streaks = [streak(weeks) for weeks in per_member_weekly_checkins]
    return statistics.median(streaks) if streaks else None


def steadiness(weekly: Sequence[WeekCounts]) -> float | None:
    """Standard deviation (percentage points) of weekly follow-through; needs two weeks."""
    rates = [figures(w)["follow_through"] for w in weekly]
    rates = [r * 100 for r in rates if r is not None]
    return statistics.pstdev(rates) if len(rates) >= 2 else None


def week_acknowledged(week: WeekCounts) -> bool | None:
    """Whether managers acknowledged enough of a week's check-ins (None: no check-ins)."""
    return week.acknowledged / week.checkins >= ACK_CONSISTENT_SHARE if week.checkins else None


def ack_consistency(weekly: Sequence[WeekCounts]) -> float | None:
    flags = [flag for flag in map(week_acknowledged, weekly) if flag is not None]
    return share(sum(flags), len(flags))


def streak_trend(per_member_weekly_checkins: Sequence[Sequence[int]]) -> list[float | None]:
    """The median streak as it stood at the end of each week."""
    if not per_member_weekly_checkins:
        return []
    running = [0] * len(per_member_weekly_checkins)
    trend: list[float | None] = []
    for index in range(len(per_member_weekly_checkins[0])):
        pairs = zip(running, per_member_weekly_checkins, strict=True)
        running = [run if weeks[index] is None else (run + 1) if weeks[index] else 0 for run, weeks in pairs]
        trend.append(statistics.median(running))
    return trend


@dataclass
class Scorecard:
    """A period's metrics, for a team or a member, with the weekly series behind them."""

    total: WeekCounts
    weekly: list[WeekCounts]
    values: dict[str, float | None] = field(default_factory=dict)
    trends: dict[str, list[float | None]] = field(default_factory=dict)


def scorecard(weekly: Sequence[WeekCounts], per_member_weekly_checkins: Iterable[Sequence[int]]) -> Scorecard:
    weekly = list(weekly)
    presence = [list(weeks) for weeks in per_member_weekly_checkins]
    total = WeekCounts.total(weekly)
    values = figures(total)
    values["streak"] = median_streak(presence)
    values["steadiness"] = steadiness(weekly)
    values["ack_consistency"] = ack_consistency(weekly)
    per_week = [figures(w) for w in weekly]
    trends = {key: [week[key] for week in per_week] for key in per_week[0]} if per_week else {}
    if per_week:
        trends["streak"] = streak_trend(presence) if presence else [None] * len(weekly)
        # Steadiness is the swing of the weekly follow-through: that series is its trend.
        trends["steadiness"] = trends["follow_through"]
        trends["ack_consistency"] = [None if flag is None else float(flag) for flag in map(week_acknowledged, weekly)]
    return Scorecard(total=total, weekly=weekly, values=values, trends=trends)


def format_value(key: str, value) -> str:
    if value is None:
        return "not enough data yet"
    unit = DEFINITIONS[key].unit
    if unit == "n":
        return f"{value:g}"
    if unit == "values":
        # [(value name, count)], in the values' order: team totals only.
        return " · ".join(f"{name} {count}" for name, count in value) if value else "none yet"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "h":
        return f"{value:.1f} h"
    if unit == "pp":
        return f"±{value:.0f} pts"
    return f"{value:g} weeks"
