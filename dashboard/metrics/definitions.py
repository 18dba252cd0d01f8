"""What each trust figure means: its strategy, label, the sentence shown beside it, its unit."""

from dataclasses import dataclass

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
