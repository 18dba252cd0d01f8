"""Twelve weeks of believable history for the demo organisation (see `manage.py seed_demo`).

Rows are written directly with back-dated timestamps: the services stamp "now", and a demo
needs a past. The mix is seeded, so every fresh demo looks the same.
"""

import random
from datetime import datetime, time, timedelta

from accountability.models import Commitment, CommitmentEvent, CommitmentSource, CommitmentStatus, Membership, Role
from accountability.weeks import Week, local_instant

from .models import CheckIn

HISTORY_WEEKS = 12

TITLES = [
    "Ship the billing retry fix",
    "Write the onboarding checklist",
    "Pair with a new teammate on the deploy pipeline",
    "Review the open pull requests by Wednesday",
    "Draft the Q1 roadmap notes",
    "Call three customers about the export feature",
    "Clean up the flaky integration tests",
    "Prepare the incident review",
    "Update the runbook for on-call",
    "Answer the support backlog older than a week",
    "Sketch the new settings page",
    "Migrate the reports job to the new queue",
    "Run the team retro",
    "Document the API rate limits",
    "Book a 1:1 with each new hire",
]
HIGHLIGHTS = [
    "Finally closed the long-running migration.",
    "Great pairing session on Tuesday.",
    "Customer call went well; they liked the new export.",
    "Learned a lot from the incident review.",
    "",
]
BLOCKERS = ["Waiting on access to the staging database.", "Too many meetings this week.", "Unclear priorities.", ""]
SUPPORT = ["Could we talk about priorities for next week?", "A review on my design doc would help.", ""]
OBSTACLES = ["An urgent incident took two days.", "I underestimated it.", "Waiting on another team."]
HELPS = ["Splitting it into smaller pieces.", "A second pair of eyes.", "Protected focus time."]
LESSONS = ["It wasn't the most important thing after all.", "Next time I'll check dependencies first."]

OUTCOMES = [
    (CommitmentStatus.DONE, 55),
    (CommitmentStatus.PARTLY_DONE, 14),
    (CommitmentStatus.NOT_DONE, 9),
    (CommitmentStatus.RENEGOTIATED, 14),
    (CommitmentStatus.LET_GO, 8),
]


def _at(week: Week, weekday: int, hour: int, tz) -> datetime:
    return local_instant(week.day(weekday), time(hour, 0), tz)


def seed_history(*, teams, now: datetime) -> int:
    """Add history for every member of the given teams who has none yet; returns rows added."""
    rng = random.Random(2026)  # noqa: S311 - demo data only
    added = 0
    for team in teams:
        tz = team.tz
        current = team.current_week(now)
        today = team.today(now)
        people = list(Membership.objects.filter(team=team).select_related("user").order_by("user__email"))
        managers = [m.user for m in people if m.role == Role.MANAGER]
        for membership in people:
            if membership.role != Role.MEMBER:
                continue
            user = membership.user
            if Commitment.objects.filter(owner=user, team=team).exists():
                continue  # already seeded: a second run adds nothing
            for back in range(HISTORY_WEEKS, 0, -1):
                week = Week(current.start - timedelta(days=7 * back))
                # Last week's first commitment stays open: "This week" shows it carried over.
                added += _seed_week(rng, team, user, managers, week, tz, today, leave_first_open=back == 1)
            added += _seed_current_week(rng, team, user, current, tz, now)
    return added


def _seed_week(rng, team, user, managers, week: Week, tz, today, leave_first_open: bool = False) -> int:
    added = 0
    monday = _at(week, 0, 9, tz)
    for index in range(rng.randint(2, 4)):
        proposed = managers and rng.random() < 0.1
        due = week.day(rng.choice([2, 3, 4, 6]))
        commitment = Commitment.objects.create(
            owner=user,
            team=team,
            week=week.start,
            title=rng.choice(TITLES),
            due_date=due,
            status=CommitmentStatus.OPEN,
            source=CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
            created_by=managers[0] if proposed else user,
            created_at=monday,
        )
        CommitmentEvent.objects.create(
            commitment=commitment, from_status="", to_status=CommitmentStatus.OPEN, actor=user, created_at=monday
        )
        added += 2
        if leave_first_open and index == 0:
            continue
        outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        # Most outcomes are recorded by the due date; some a little late.
        late_days = rng.choice([0, 0, 0, 1, 2])
        resolved_on = min(due + timedelta(days=late_days), week.end)
        if outcome == CommitmentStatus.RENEGOTIATED:
            resolved_on = due - timedelta(days=rng.choice([0, 1])) if rng.random() < 0.75 else resolved_on
            resolved_on = max(resolved_on, week.start)
        resolved_at = _at(Week.containing(resolved_on), resolved_on.weekday(), 17, tz)
        commitment.status = outcome
        commitment.resolved_on = resolved_on
        commitment.resolved_at = resolved_at
        note = ""
        if outcome in (CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE):
            commitment.obstacle = rng.choice(OBSTACLES)
            commitment.help_wanted = rng.choice(HELPS)
        elif outcome == CommitmentStatus.LET_GO:
            commitment.lesson = note = rng.choice(LESSONS)
        elif outcome == CommitmentStatus.RENEGOTIATED:
            note = "Priorities shifted; agreed a new date."
        commitment.save()
        event = CommitmentEvent.objects.create(
            commitment=commitment,
            from_status=CommitmentStatus.OPEN,
            to_status=outcome,
            actor=user,
            note=note,
            created_at=resolved_at,
        )
        added += 1
        if outcome == CommitmentStatus.RENEGOTIATED:
            new_due = due + timedelta(days=7)
            still_open = new_due >= today  # nothing is resolved in the future
            event.old_due_date, event.new_due_date = due, new_due
            event.save(update_fields=["old_due_date", "new_due_date"])
            successor = Commitment.objects.create(
                owner=user,
                team=team,
                week=Week.containing(resolved_on).start,
                title=commitment.title,
                due_date=new_due,
                status=CommitmentStatus.OPEN if still_open else CommitmentStatus.DONE,
                source=commitment.source,
                created_by=user,
                renegotiated_from=commitment,
                chain_root=commitment,
                created_at=resolved_at,
                resolved_on=None if still_open else new_due,
                resolved_at=None if still_open else _at(Week.containing(new_due), new_due.weekday(), 16, tz),
            )
            events = [
                CommitmentEvent(
                    commitment=successor,
                    from_status="",
                    to_status=CommitmentStatus.OPEN,
                    actor=user,
                    note=note,
                    old_due_date=due,
                    new_due_date=new_due,
                    created_at=resolved_at,
                ),
            ]
            if not still_open:
                events.append(
                    CommitmentEvent(
                        commitment=successor,
                        from_status=CommitmentStatus.OPEN,
                        to_status=CommitmentStatus.DONE,
                        actor=user,
                        created_at=successor.resolved_at,
                    )
                )
            CommitmentEvent.objects.bulk_create(events)
            added += 1 + len(events)
    if rng.random() < 0.88:
        due_at = team.checkin_due_at(week)
        late = rng.random() < 0.2
        submitted = (
            due_at + timedelta(hours=rng.choice([20, 44])) if late else due_at - timedelta(hours=rng.randint(1, 6))
        )
        CheckIn.objects.create(
            member=user,
            team=team,
            week=week.start,
            mood=rng.choices([1, 2, 3, 4, 5], weights=[3, 10, 30, 40, 17])[0],
            highlights=rng.choice(HIGHLIGHTS),
            blockers=rng.choice(BLOCKERS) if rng.random() < 0.35 else "",
            support_requested=rng.choice(SUPPORT) if rng.random() < 0.2 else "",
            submitted_at=submitted,
            updated_at=submitted,
            is_late=late,
        )
        added += 1
    return added


def _seed_current_week(rng, team, user, week: Week, tz, now: datetime) -> int:
    """This week: a couple of open commitments, so "This week" has something to review."""
    created = min(_at(week, 0, 9, tz), now)
    for _ in range(2):
        commitment = Commitment.objects.create(
            owner=user,
            team=team,
            week=week.start,
            title=rng.choice(TITLES),
            due_date=week.day(rng.choice([3, 4, 6])),
            created_by=user,
            created_at=created,
        )
        CommitmentEvent.objects.create(
            commitment=commitment, from_status="", to_status=CommitmentStatus.OPEN, actor=user, created_at=created
        )
    return 4
