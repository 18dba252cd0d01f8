"""Check-in reminders and nudges at each team's local day and time, across time zones and their
daylight-saving changes: the clock walks a whole week in beat-sized steps, the dispatcher runs at
each step, and every member gets each email once, at the first run at or after its moment.

The expected instants are written out by hand (UTC), not computed with the code under test.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest

from accountability.models import Absence, OutboundEmail, Role, Weekday
from checkins import services
from checkins.models import CheckIn

from ..factories import CheckInFactory, MembershipFactory, TeamFactory
from . import first_run, local, outbox_log, utc, walk_clock

pytestmark = pytest.mark.django_db

STEP = timedelta(minutes=5)  # beat runs the dispatcher every five minutes
MON, WED, FRI, SUN = Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY, Weekday.SUNDAY


@dataclass(frozen=True)
class Case:
    zone: str
    weekday: int
    at: time
    nudge_hours: int
    week: date  # its Monday
    reminder: datetime  # the check-in moment, UTC
    nudge: datetime | None  # None: the nudge would not come after the reminder, so there is none


CASES = {
    "utc-friday": Case("UTC", FRI, time(16), 24, date(2026, 3, 2), utc(2026, 3, 6, 16), utc(2026, 3, 8, 0)),
    # A nudge 24 h before the close would come before a late-Sunday check-in time: no nudge.
    "utc-late-sunday": Case("UTC", SUN, time(23, 30), 24, date(2026, 10, 26), utc(2026, 11, 1, 23, 30), None),
    # 03:00 on Monday in Kolkata is still Sunday in UTC: it belongs to the team's week, not UTC's.
    "kolkata-monday-03:00": Case(
        "Asia/Kolkata", MON, time(3), 24, date(2026, 3, 2), utc(2026, 3, 1, 21, 30), utc(2026, 3, 7, 18, 30)
    ),
    # Off the five-minute grid: the first run after 03:37 UTC, at 03:40, sends it.
    "kolkata-off-grid": Case(
        "Asia/Kolkata", WED, time(9, 7), 48, date(2026, 3, 30), utc(2026, 4, 1, 3, 37), utc(2026, 4, 3, 18, 30)
    ),
    # New York springs forward on Sunday 2026-03-08 at 02:00 (EST -5 to EDT -4); that Sunday
    # has 23 hours, and the week closes at Monday 00:00 EDT = 04:00 UTC.
    "new-york-spring-02:30-does-not-exist": Case(
        "America/New_York", SUN, time(2, 30), 24, date(2026, 3, 2), utc(2026, 3, 8, 7, 30), None
    ),
    "new-york-spring-01:30-before-the-gap": Case(
        "America/New_York", SUN, time(1, 30), 6, date(2026, 3, 2), utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 22)
    ),
    "new-york-spring-friday": Case(
        "America/New_York", FRI, time(16), 24, date(2026, 3, 2), utc(2026, 3, 6, 21), utc(2026, 3, 8, 4)
    ),
    # New York falls back on Sunday 2026-11-01 at 02:00 (EDT to EST): 01:30 happens twice, the
    # reminder goes at the first. The week closes at Monday 00:00 EST = 05:00 UTC.
    "new-york-fall-01:30-twice": Case(
        "America/New_York", SUN, time(1, 30), 12, date(2026, 10, 26), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 17)
    ),
    "new-york-fall-friday": Case(
        "America/New_York", FRI, time(16), 24, date(2026, 10, 26), utc(2026, 10, 30, 20), utc(2026, 11, 1, 5)
    ),
    # Auckland falls back on Sunday 2026-04-05 at 03:00 (NZDT +13 to NZST +12): 02:30 happens
    # twice. The week closes at Monday 00:00 NZST = Sunday 12:00 UTC.
    "auckland-autumn-02:30-twice": Case(
        "Pacific/Auckland", SUN, time(2, 30), 6, date(2026, 3, 30), utc(2026, 4, 4, 13, 30), utc(2026, 4, 5, 6)
    ),
    "auckland-autumn-monday": Case(
        "Pacific/Auckland", MON, time(9), 24, date(2026, 3, 30), utc(2026, 3, 29, 20), utc(2026, 4, 4, 12)
    ),
    # Auckland springs forward on Sunday 2026-09-27 at 02:00 (NZST to NZDT): 02:30 does not
    # exist and reads as 03:30 NZDT. The week closes at Monday 00:00 NZDT = Sunday 11:00 UTC.
    "auckland-spring-02:30-does-not-exist": Case(
        "Pacific/Auckland", SUN, time(2, 30), 3, date(2026, 9, 21), utc(2026, 9, 26, 14, 30), utc(2026, 9, 27, 8)
    ),
    "auckland-spring-friday": Case(
        "Pacific/Auckland", FRI, time(16), 24, date(2026, 9, 21), utc(2026, 9, 25, 4), utc(2026, 9, 26, 11)
    ),
}


def make_team(case: Case, **extra):
    return TeamFactory(
        time_zone=case.zone,
        checkin_weekday=case.weekday,
        checkin_time=case.at,
        nudge_hours_before_close=case.nudge_hours,
        **extra,
    )


def add(team, email, *, role=Role.MEMBER, **user):
    return MembershipFactory(team=team, role=role, user__email=email, **{f"user__{k}": v for k, v in user.items()}).user


def week_bounds(case: Case) -> tuple[datetime, datetime]:
    """The team-local week as UTC instants: Monday 00:00 to the next Monday 00:00."""
    return local(case.week, time(0), case.zone), local(case.week + timedelta(days=7), time(0), case.zone)


def week_label(case: Case) -> str:
    year, number, _ = case.week.isocalendar()
    return f"{year}-W{number:02d}"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_member_gets_one_reminder_and_one_nudge_at_the_teams_local_times(case):
    team = make_team(case)
    due = add(team, "due@example.org")
    own_zone = add(team, "own.zone@example.org", time_zone="Asia/Tokyo")  # their zone changes how, not when
    early = add(team, "early@example.org")
    between = add(team, "between@example.org")
    away = add(team, "away@example.org")
    add(team, "no.reminder@example.org", email_opt_outs=["checkin_reminder"])
    add(team, "no.email@example.org", email_opt_outs=["checkin_reminder", "checkin_nudge"])
    add(team, "manager@example.org", role=Role.MANAGER)
    add(team, "gone@example.org", is_active=False)
    CheckInFactory(member=early, team=team, week=case.week)
    checkin_day = case.week + timedelta(days=case.weekday)
    Absence.objects.create(
        user=away, starts_on=checkin_day - timedelta(days=1), ends_on=checkin_day + timedelta(days=1)
    )
    opens, closes = week_bounds(case)
    reminder_run = first_run(case.reminder, opens, STEP)
    queued = []

    def each(now):
        if now == reminder_run + 2 * STEP:  # between the reminder and the nudge
            services.checkin_submit(member=between, team=team, week=team.current_week(), mood=4)
        queued.append(services.checkin_reminders_dispatch())

    walk_clock(opens, closes + timedelta(hours=1), STEP, each)

    expected = [
        ("checkin_reminder", "between@example.org", reminder_run),
        ("checkin_reminder", "due@example.org", reminder_run),
        ("checkin_reminder", "own.zone@example.org", reminder_run),
    ]
    if case.nudge is not None:
        expected += [
            ("checkin_nudge", "due@example.org", case.nudge),
            ("checkin_nudge", "no.reminder@example.org", case.nudge),
            ("checkin_nudge", "own.zone@example.org", case.nudge),
        ]
    assert outbox_log() == sorted(expected)
    assert sum(queued) == len(expected)  # none queued twice, even for a moment
    assert CheckIn.objects.filter(member=between, week=case.week).exists()
    for row in OutboundEmail.objects.all():
        assert row.dedupe_key == f"{row.kind}:{row.recipient_id}:{team.pk}:{week_label(case)}"
    assert {row.recipient_id for row in OutboundEmail.objects.all()}.isdisjoint({early.pk, away.pk})
    assert own_zone.pk in {row.recipient_id for row in OutboundEmail.objects.all()}
    assert due.pk in {row.recipient_id for row in OutboundEmail.objects.all()}


def test_teams_in_four_zones_dispatched_together_each_get_their_own_moment():
    """One dispatcher serves every team: each team's moment is its own, whatever the others'."""
    cases = [
        CASES["utc-friday"],
        CASES["kolkata-monday-03:00"],
        CASES["new-york-spring-friday"],
        CASES["new-york-spring-01:30-before-the-gap"],
    ]
    members = {}
    for number, case in enumerate(cases):
        members[add(make_team(case), f"m{number}@example.org").email] = case
    start = min(week_bounds(case)[0] for case in cases)
    end = max(week_bounds(case)[1] for case in cases)

    step = timedelta(minutes=15)  # every moment here is on the quarter hour
    walk_clock(start, end - step, step, lambda now: services.checkin_reminders_dispatch())

    expected = []
    for email, case in members.items():
        expected.append(("checkin_reminder", email, first_run(case.reminder, start, step)))
        expected.append(("checkin_nudge", email, case.nudge))
    # The walk also reaches into neighbouring weeks of some teams; those have their own tests.
    of_the_weeks = [
        (row.kind, row.to_email, row.created_at)
        for row in OutboundEmail.objects.all()
        if row.dedupe_key.endswith(week_label(members[row.to_email]))
    ]
    assert sorted(of_the_weeks) == sorted(expected)


def test_a_team_with_reminders_off_gets_none():
    case = CASES["utc-friday"]
    team = make_team(case, reminders_enabled=False)
    add(team, "due@example.org")
    opens, closes = week_bounds(case)

    walk_clock(opens, closes, timedelta(minutes=30), lambda now: services.checkin_reminders_dispatch())

    assert outbox_log() == []


# --- After downtime: only what is still relevant ------------------------------------------

# New York, check-in Thursday 16:00 EST (21:00 UTC); nudge 24 h before the close.
DOWNTIME = Case("America/New_York", 3, time(16), 24, date(2026, 3, 2), utc(2026, 3, 5, 21), utc(2026, 3, 8, 4))


@pytest.fixture
def downtime_team():
    team = make_team(DOWNTIME)
    add(team, "due@example.org")
    add(team, "checked.in@example.org")
    return team


def run_from(first: datetime, until: datetime) -> None:
    """The dispatcher's first run is at `first` (nothing ran before), then every five minutes."""
    walk_clock(first, until, STEP, lambda now: services.checkin_reminders_dispatch())


def test_the_first_run_72_hours_late_sends_only_the_nudge(downtime_team):
    first = DOWNTIME.reminder + timedelta(hours=72)  # Sunday 16:00 EDT: past the nudge, still open
    _, closes = week_bounds(DOWNTIME)
    assert DOWNTIME.nudge < first < closes

    run_from(first, closes + timedelta(hours=1))

    assert outbox_log() == [
        ("checkin_nudge", "checked.in@example.org", first),
        ("checkin_nudge", "due@example.org", first),
    ]


def test_the_first_run_after_the_week_closed_sends_nothing(downtime_team):
    _, closes = week_bounds(DOWNTIME)

    run_from(closes, closes + timedelta(hours=6))

    assert outbox_log() == []


def test_the_first_run_hours_after_the_reminder_sends_it_then_the_nudge_on_time(downtime_team):
    first = DOWNTIME.reminder + timedelta(hours=30)  # Friday: the reminder is still worth sending
    _, closes = week_bounds(DOWNTIME)

    run_from(first, closes)

    assert outbox_log() == [
        ("checkin_nudge", "checked.in@example.org", DOWNTIME.nudge),
        ("checkin_nudge", "due@example.org", DOWNTIME.nudge),
        ("checkin_reminder", "checked.in@example.org", first),
        ("checkin_reminder", "due@example.org", first),
    ]


def test_a_check_in_during_the_downtime_means_no_email_at_all(downtime_team):
    checked_in = downtime_team.memberships.get(user__email="checked.in@example.org").user
    CheckInFactory(member=checked_in, team=downtime_team, week=DOWNTIME.week)
    _, closes = week_bounds(DOWNTIME)

    run_from(DOWNTIME.reminder + timedelta(hours=72), closes)

    assert [email for _, email, _ in outbox_log()] == ["due@example.org"]


def test_running_the_dispatcher_twice_at_the_same_moment_queues_nothing_the_second_time(downtime_team):
    at = DOWNTIME.reminder + timedelta(minutes=1)
    with_clock = []
    walk_clock(at, at, STEP, lambda now: with_clock.extend([services.checkin_reminders_dispatch() for _ in range(2)]))

    assert with_clock == [2, 0]
    assert OutboundEmail.objects.count() == 2
