"""What the trust metrics count, as SQL conditions: core rules every app's selectors count with.

The metric definitions and their figures are the dashboard's (dashboard/metrics.py); what makes
a check-in "on time" or a commitment "renegotiated in time" is a rule of the data, so it lives
here, where checkins' and the core's selectors can read it without importing the dashboard.
"""

from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Expression, F, Q

from .models import CommitmentSource, CommitmentStatus

# A support request, or a piece of anonymous feedback, counts as answered when answered within
# this many days: one window for every "answered" figure.
ANSWER_WITHIN_DAYS = 7


# --- What is counted, as SQL conditions -----------------------------------------------------
# The selectors count rows with `Count("pk", filter=condition)` for each key below, grouped by
# team, person and week, over the weeks of a range. Each key is a field of `WeekCounts`.


def checkin_conditions() -> dict[str, Q]:
    """Check-ins, counted in the week they are for.

    `with_reply` needs the selector to annotate `has_reply` (a reply in the thread by someone
    other than the member); `ack_seconds` is summed from `ACK_DURATION` over acknowledged ones.
    """
    asked = ~Q(support_requested="")
    return {
        "checkins": Q(pk__isnull=False),
        "on_time": Q(is_late=False),
        "acknowledged": Q(acknowledged_at__isnull=False),
        "with_reply": Q(has_reply=True),
        "support_requests": asked,
        "support_answered": asked & Q(support_answered_at__lte=F("submitted_at") + timedelta(days=ANSWER_WITHIN_DAYS)),
        "support_open": asked & Q(support_answered_at__isnull=True),
    }


ACK_DURATION = F("acknowledged_at") - F("submitted_at")


def commitment_outcome_conditions(*, today: date | Expression) -> dict[str, Q]:
    """Commitments, counted in the week of their due date (proposals and declined ones never).

    An outcome counts by the team-local date it was recorded (`resolved_on`): on or before the
    due date is in time. Open and past the due date counts as not done yet; open and not yet
    due is left out. `today` is the team's local date (an expression when several teams with
    different time zones are counted at once).
    """
    in_time = Q(resolved_on__lte=F("due_date"))
    late = Q(resolved_on__gt=F("due_date"))
    conditions = {
        # A row without a recorded date (only data from before it was recorded) counts as in time.
        "done_on_time": Q(status=CommitmentStatus.DONE) & (in_time | Q(resolved_on__isnull=True)),
        "done_late": Q(status=CommitmentStatus.DONE) & late,
        "renegotiated_in_time": Q(status=CommitmentStatus.RENEGOTIATED) & (in_time | Q(resolved_on__isnull=True)),
        "renegotiated_late": Q(status=CommitmentStatus.RENEGOTIATED) & late,
        "partly_done": Q(status=CommitmentStatus.PARTLY_DONE),
        "not_done": Q(status=CommitmentStatus.NOT_DONE),
        "let_go": Q(status=CommitmentStatus.LET_GO),
        "overdue_open": Q(status=CommitmentStatus.OPEN, due_date__lt=today),
    }
    conditions["came_due"] = reduce(or_, conditions.values())
    return conditions


def commitment_made_conditions() -> dict[str, Q]:
    """Commitments, counted in the week they were made for: accepted proposals and people's
    own, each renegotiation chain once (its first row)."""
    made = Q(renegotiated_from__isnull=True) & ~Q(status__in=[CommitmentStatus.PROPOSED, CommitmentStatus.DECLINED])
    return {"made": made, "self_set": made & Q(source=CommitmentSource.SELF)}
