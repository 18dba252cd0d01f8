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

The package: `definitions` (what each figure means, its unit and strategy) and `figures` (the
counts the database aggregates and the arithmetic that turns them into figures).
"""

from .definitions import (
    ACCOUNTABILITY,
    ACK_CONSISTENT_SHARE,
    CONSISTENCY,
    DEFINITIONS,
    EMPOWERMENT,
    FEEDBACK_KEYS,
    MEETING_KEYS,
    OPEN_COMMUNICATION,
    READ_WITHIN_DAYS,
    STRATEGIES,
    TRANSPARENCY,
    UPDATES_KEYS,
    Definition,
)
from .figures import (
    COUNT_FIELDS,
    COUNT_NAMES,
    ZERO_COUNTS,
    Scorecard,
    WeekCounts,
    ack_consistency,
    figures,
    format_value,
    median_streak,
    scorecard,
    share,
    steadiness,
    streak,
    streak_trend,
    week_acknowledged,
)

__all__ = [
    "ACCOUNTABILITY",
    "ACK_CONSISTENT_SHARE",
    "CONSISTENCY",
    "COUNT_FIELDS",
    "COUNT_NAMES",
    "DEFINITIONS",
    "EMPOWERMENT",
    "FEEDBACK_KEYS",
    "MEETING_KEYS",
    "OPEN_COMMUNICATION",
    "READ_WITHIN_DAYS",
    "STRATEGIES",
    "TRANSPARENCY",
    "UPDATES_KEYS",
    "ZERO_COUNTS",
    "Definition",
    "Scorecard",
    "WeekCounts",
    "ack_consistency",
    "figures",
    "format_value",
    "median_streak",
    "scorecard",
    "share",
    "steadiness",
    "streak",
    "streak_trend",
    "week_acknowledged",
]
