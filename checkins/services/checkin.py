"""The member's check-in: when it may be given, and saving it without losing an edit."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accountability.models import Membership, Team, User
from accountability.registry import event_emit
from accountability.weeks import Week

from ..models import CheckIn


class CheckInConflict(Exception):
    """Someone (usually the same person in another tab) saved this week's check-in after the
    form was loaded. Carries the saved check-in so the page can show both."""

    def __init__(self, checkin: CheckIn):
        super().__init__("This week's check-in was saved from somewhere else in the meantime.")
        self.checkin = checkin


class CheckInClosed(Exception):
    """The week has closed and its check-in was already submitted: it can no longer change."""


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool


def checkin_window(*, team: Team, week: Week, now: datetime) -> str:
    """'future', 'open' (before the due time), 'due' (past due, week still open) or 'closed'."""
    if week > team.current_week(now):
        return "future"
    if now >= team.week_closes_at(week):
        return "closed"
    return "open" if now <= team.checkin_due_at(week) else "due"


def checkin_submit(
    *,
    member: User,
    team: Team,
    week: Week,
    mood: int,
    highlights: str = "",
    blockers: str = "",
    support_requested: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Create or update a member's check-in for a week.

    * One per member, team and week: the database constraint decides between two concurrent
      first submits; the loser gets `CheckInConflict` (its text is not saved, nor lost: the
      view shows it again next to what was saved).
    * An update must name the `version` it was made from; a stale version is a conflict too.
    * Editable until the team's week closes; after the due time it is marked late. For a past
      week a first check-in is still accepted (late); an existing one is then final.
    """
    now = now or timezone.now()
    if not Membership.objects.filter(team=team, user=member).exists():
        raise ValidationError("You are not in this team.")
    window = checkin_window(team=team, week=week, now=now)
    if window == "future":
        raise ValidationError("That week hasn't started yet.")
    if mood not in range(1, 6):
        raise ValidationError({"mood": "Choose a mood from 1 to 5."})
    fields = {
        "mood": mood,
        "highlights": (highlights or "").strip(),
        "blockers": (blockers or "").strip(),
        "support_requested": (support_requested or "").strip(),
    }

    if version is None:
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    member=member,
                    team=team,
                    week=week.start,
                    submitted_at=now,
                    updated_at=now,
                    is_late=window in ("due", "closed"),
                    **fields,
                )
                event_emit(
                    name="checkin.submitted",
                    team=team,
                    payload={
                        "checkin": checkin.pk,
                        "member": member.pk,
                        "member_name": member.name,
                        "week": week.label,
                        "late": checkin.is_late,
                    },
                    key=str(checkin.pk),
                )
        except IntegrityError:
            existing = CheckIn.objects.filter(member=member, team=team, week=week.start).first()
            if existing is None:
                raise
            if window == "closed":
                # Nothing to save over: a closed week's check-in is final once it exists.
                raise CheckInClosed() from None
            raise CheckInConflict(existing) from None
        return CheckInResult(checkin=checkin, created=True)

    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().filter(member=member, team=team, week=week.start).first()
        if checkin is None:
            # The version names a check-in that no longer exists: treat as a first submit.
            return checkin_submit(member=member, team=team, week=week, now=now, version=None, **fields)
        if window == "closed":
            raise CheckInClosed()
        if checkin.version != version:
            raise CheckInConflict(checkin)
        CheckIn.objects.filter(pk=checkin.pk).update(updated_at=now, version=F("version") + 1, **fields)
        checkin.refresh_from_db()
    return CheckInResult(checkin=checkin, created=False)
