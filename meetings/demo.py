"""A few months of one-to-ones and team meetings for the demo (see `manage.py seed_demo`):
fortnightly one-to-ones between each manager and two members, a weekly team meeting, talking
points carried over, action items that became commitments, and one meeting skipped with a
reason. Written straight to the tables with back-dated times (the services stamp "now"), so
the demo queues no emails. Idempotent: a series that exists is left alone."""

from datetime import datetime, time, timedelta

from accountability.models import (
    Commitment,
    CommitmentEvent,
    CommitmentSource,
    CommitmentStatus,
    Membership,
    Role,
    Team,
)
from accountability.weeks import Week

from .models import ActionItem, AgendaPoint, Cadence, Kind, Meeting, Series, Status, slot_after
from .services import meetings_ensure

HISTORY_WEEKS = 12
POINTS = [
    "How is the on-call rotation feeling?",
    "Career goals for next quarter",
    "Feedback on the last release",
    "Time off in the summer",
    "The flaky deploy pipeline",
    "Pairing with the new teammate",
]
ITEMS = ["Write up the deploy checklist", "Book a pairing session", "Share the training budget options"]


def _history(series: Series, *, now: datetime, people: list) -> int:
    """Back-dated meetings from the anchor to now, then the next planned one."""
    day, rows, i = series.anchor, 0, 0
    previous_open: list[AgendaPoint] = []
    while series.starts_at(day) <= now:
        skipped = i == 2
        meeting = Meeting.objects.create(
            series=series,
            team=series.team,
            starts_at=series.starts_at(day),
            on=day,
            status=Status.SKIPPED if skipped else Status.HELD,
            reason="Maya was at the offsite; we picked it up next time" if skipped else "",
            recorded_at=series.starts_at(day) + timedelta(hours=1),
            recorded_by=series.manager,
            shared_notes="" if skipped else "Good conversation; next steps agreed.",
        )
        if series.kind == Kind.TEAM and not skipped:
            meeting.attendees.set(people)
        carried = [
            AgendaPoint.objects.create(
                meeting=meeting, author_id=p.author_id, text=p.text, created_at=p.created_at, carried_from=p
            )
            for p in previous_open
        ]
        fresh = [
            AgendaPoint.objects.create(
                meeting=meeting,
                author=people[(i + k) % len(people)],
                text=POINTS[(i * 2 + k) % len(POINTS)],
                created_at=meeting.starts_at - timedelta(days=1, hours=k),
                resolved=not skipped and k == 0,
            )
            for k in range(2)
        ]
        for p in carried:
            if not skipped:
                p.resolved = True
                p.save(update_fields=["resolved"])
        previous_open = [p for p in carried + fresh if not p.resolved]
        if not skipped and i % 2 == 0:
            owner = series.member or people[i % len(people)]
            due = day + timedelta(days=7)
            settled = due < series.team.today(now)
            commitment = Commitment.objects.create(
                team=series.team,
                owner=owner,
                created_by=series.manager,
                week=Week.containing(day).start,
                title=ITEMS[i % len(ITEMS)],
                due_date=due,
                status=CommitmentStatus.DONE if settled else CommitmentStatus.OPEN,
                source=CommitmentSource.ONE_TO_ONE if series.is_one_to_one else CommitmentSource.MEETING,
                created_at=meeting.starts_at,
                resolved_at=series.starts_at(due) if settled else None,
                resolved_on=due if settled else None,
            )
            CommitmentEvent.objects.create(
                commitment=commitment,
                to_status=CommitmentStatus.OPEN,
                actor=series.manager,
                created_at=meeting.starts_at,
            )
            if settled:
                CommitmentEvent.objects.create(
                    commitment=commitment,
                    from_status=CommitmentStatus.OPEN,
                    to_status=CommitmentStatus.DONE,
                    actor=owner,
                    created_at=commitment.resolved_at,
                )
            ActionItem.objects.create(meeting=meeting, commitment=commitment, created_at=meeting.starts_at)
        rows += 1
        i += 1
        day = slot_after(cadence=series.cadence, anchor=series.anchor, weekday=series.weekday, after=day)
    upcoming = meetings_ensure(series=series, now=now)
    AgendaPoint.objects.bulk_create(
        [
            AgendaPoint(meeting=upcoming, author_id=p.author_id, text=p.text, created_at=p.created_at, carried_from=p)
            for p in previous_open
        ]
    )
    return rows


def seed_history(*, teams: list[Team], now: datetime) -> int:
    added = 0
    for team in teams:
        memberships = list(Membership.objects.filter(team=team).select_related("user").order_by("user__email"))
        managers = [ms.user for ms in memberships if ms.role == Role.MANAGER]
        members = [ms.user for ms in memberships if ms.role == Role.MEMBER]
        if not managers or not members:
            continue
        manager = managers[0]
        start = Week.containing(team.today(now) - timedelta(weeks=HISTORY_WEEKS)).day(1)
        for member in members[:2]:
            if Series.objects.filter(kind=Kind.ONE_TO_ONE, team=team, manager=manager, member=member).exists():
                continue
            series = Series.objects.create(
                kind=Kind.ONE_TO_ONE,
                team=team,
                manager=manager,
                member=member,
                cadence=Cadence.FORTNIGHTLY,
                weekday=1,
                local_time=time(10, 0),
                anchor=start,
                started_on=start,
                created_by=manager,
                created_at=now - timedelta(weeks=HISTORY_WEEKS),
            )
            added += _history(series, now=now, people=[manager, member])
        if not Series.objects.filter(kind=Kind.TEAM, team=team).exists():
            series = Series.objects.create(
                kind=Kind.TEAM,
                team=team,
                manager=manager,
                cadence=Cadence.WEEKLY,
                weekday=3,
                local_time=time(14, 0),
                anchor=start + timedelta(days=2),
                started_on=start + timedelta(days=2),
                created_by=manager,
                created_at=now - timedelta(weeks=HISTORY_WEEKS),
            )
            added += _history(series, now=now, people=[manager, *members])
    return added
