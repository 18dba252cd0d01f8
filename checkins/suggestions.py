"""Talking points this app offers a one-to-one's agenda (through accountability.registry, so
the meetings app never imports this one): what a member asked for lately, what blocked them
and what slipped. Only the member's own words, and only to a meeting of theirs: the meetings
app asks for the member of the one-to-one, whose two people may both read these."""

from datetime import date

from accountability.models import Commitment, CommitmentStatus, Team, User
from accountability.registry import Suggestion

from .models import CheckIn

# At most this many of each kind: suggestions, not a report.
PER_KIND = 3


def checkin_suggestions(*, member: User, team: Team, since: date) -> list[Suggestion]:
    """Two queries: recent check-ins with a support request or a blocker, and commitments
    that slipped (partly done, not done yet, or still open past their due date)."""
    found: list[Suggestion] = []
    checkins = (
        CheckIn.objects.filter(member=member, team=team, week__gte=since)
        .exclude(support_requested="", blockers="")
        .order_by("-week")
        .values("week", "support_requested", "blockers")[: PER_KIND * 2]
    )
    support = blockers = 0
    for row in checkins:
        if row["support_requested"] and support < PER_KIND:
            support += 1
            found.append(Suggestion(text=row["support_requested"][:300], reason="asked for support", on=row["week"]))
        if row["blockers"] and blockers < PER_KIND:
            blockers += 1
            found.append(Suggestion(text=row["blockers"][:300], reason="a blocker", on=row["week"]))
    today = team.today()
    slipped = (
        Commitment.objects.filter(owner=member, team=team, due_date__gte=since, due_date__lte=today)
        .filter(
            status__in=[CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE, CommitmentStatus.OPEN],
        )
        .exclude(status=CommitmentStatus.OPEN, due_date__gte=today)
        .order_by("-due_date")
        .values("title", "due_date", "status")[:PER_KIND]
    )
    for row in slipped:
        how = "still open" if row["status"] == CommitmentStatus.OPEN else CommitmentStatus(row["status"]).label.lower()
        found.append(Suggestion(text=row["title"], reason=f"slipped ({how})", on=row["due_date"]))
    return found
