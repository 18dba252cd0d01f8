"""The overdue-commitment note (from 09:00 team time the day after the due date, once per
commitment, only while it is news) and the daily anonymous-feedback digest (queued by the daily
release from 08:00 team time, about what it released: the previous team-local days' feedback),
walked across time zones and daylight-saving changes.

Expected instants are written out by hand in UTC.
"""

from datetime import date, datetime, time, timedelta

import pytest

from accountability import services
from accountability.models import Absence, CommitmentStatus, OutboundEmail, Role
from feedback import services as feedback_services
from feedback.models import Category

from ..factories import CommitmentFactory, MembershipFactory, TeamFactory, UserFactory
from . import local, utc, walk_clock

pytestmark = pytest.mark.django_db

STEP = timedelta(minutes=15)  # beat runs the overdue dispatcher every fifteen minutes


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def overdue_setup(zone: str, due: date, **owner):
    team = TeamFactory(time_zone=zone)
    member = MembershipFactory(team=team, role=Role.MEMBER, user__email="owner@example.org", **owner).user
    commitment = CommitmentFactory(owner=member, team=team, week=monday(due), due_date=due, title="Ship the thing")
    return team, member, commitment


def overdue_notes() -> list[tuple[int, datetime]]:
    return sorted(
        OutboundEmail.objects.filter(kind="commitment_overdue").values_list("dedupe_key", "created_at"),
    )


def dispatch(now):
    services.commitments_overdue_dispatch()


# --- Overdue notes -----------------------------------------------------------------------

OVERDUE_CASES = {
    "utc": ("UTC", date(2026, 3, 4), utc(2026, 3, 5, 9)),
    # The morning after is the day New York springs forward: 09:00 EDT.
    "new-york-spring": ("America/New_York", date(2026, 3, 7), utc(2026, 3, 8, 13)),
    # ... and the day it falls back: 09:00 EST.
    "new-york-fall": ("America/New_York", date(2026, 10, 31), utc(2026, 11, 1, 14)),
    "kolkata": ("Asia/Kolkata", date(2026, 3, 4), utc(2026, 3, 5, 3, 30)),
    # Auckland's 09:00 is the previous evening in UTC; NZST on the autumn Sunday, NZDT in spring.
    "auckland-autumn": ("Pacific/Auckland", date(2026, 4, 4), utc(2026, 4, 4, 21)),
    "auckland-spring": ("Pacific/Auckland", date(2026, 9, 26), utc(2026, 9, 26, 20)),
}


@pytest.mark.parametrize(("zone", "due", "expected"), OVERDUE_CASES.values(), ids=OVERDUE_CASES.keys())
def test_an_open_commitment_gets_one_note_at_09_00_team_time_the_day_after_its_date(zone, due, expected):
    team, member, commitment = overdue_setup(zone, due)
    # Settled or never accepted: no note.
    CommitmentFactory(owner=member, team=team, week=monday(due), due_date=due, status=CommitmentStatus.DONE)
    CommitmentFactory(owner=member, team=team, week=monday(due), due_date=due, status=CommitmentStatus.PROPOSED)
    # Not due yet on the day the first is: its own note, a day later.
    later = CommitmentFactory(owner=member, team=team, week=monday(due), due_date=due + timedelta(days=1))
    # A teammate no longer active: no note.
    gone = MembershipFactory(team=team, user__is_active=False).user
    CommitmentFactory(owner=gone, team=team, week=monday(due), due_date=due)

    walk_clock(local(due, time(0), zone), local(due + timedelta(days=10), time(0), zone), STEP, dispatch)

    assert overdue_notes() == [
        (f"commitment-overdue:{commitment.pk}:{due.isoformat()}", expected),
        (f"commitment-overdue:{later.pk}:{(due + timedelta(days=1)).isoformat()}", expected + timedelta(days=1)),
    ]
    row = OutboundEmail.objects.get(dedupe_key__startswith=f"commitment-overdue:{commitment.pk}:")
    assert (row.to_email, row.recipient) == ("owner@example.org", member)
    assert f"http://testserver/teams/{team.slug}/week/" in row.body_text


def test_a_commitment_renegotiated_before_its_date_gets_no_note_its_successor_gets_one():
    zone = "America/New_York"
    team, member, commitment = overdue_setup(zone, date(2026, 3, 4))
    successors = []

    def each(now):
        if not successors:
            successors.append(
                services.commitment_review(
                    commitment=commitment,
                    actor=member,
                    status=CommitmentStatus.RENEGOTIATED,
                    note="Waiting on the vendor",
                    new_due_date=date(2026, 3, 6),
                )
            )
        dispatch(now)

    walk_clock(local(date(2026, 3, 3), time(12), zone), local(date(2026, 3, 16), time(0), zone), STEP, each)

    [successor] = successors
    assert overdue_notes() == [(f"commitment-overdue:{successor.pk}:2026-03-06", utc(2026, 3, 7, 14))]


def test_renegotiating_after_the_note_gives_the_new_date_its_own_note_and_the_old_row_no_second():
    zone = "America/New_York"
    team, member, commitment = overdue_setup(zone, date(2026, 3, 2))
    renegotiate_at = local(date(2026, 3, 4), time(12), zone)
    successors = []

    def each(now):
        if now == renegotiate_at:
            successors.append(
                services.commitment_review(
                    commitment=commitment,
                    actor=member,
                    status=CommitmentStatus.RENEGOTIATED,
                    note="Took longer than I hoped",
                    new_due_date=date(2026, 3, 6),
                )
            )
        dispatch(now)

    walk_clock(local(date(2026, 3, 2), time(0), zone), local(date(2026, 3, 16), time(0), zone), STEP, each)

    [successor] = successors
    assert overdue_notes() == [
        (f"commitment-overdue:{commitment.pk}:2026-03-02", utc(2026, 3, 3, 14)),
        (f"commitment-overdue:{successor.pk}:2026-03-06", utc(2026, 3, 7, 14)),
    ]


def test_after_an_outage_commitments_more_than_seven_days_past_their_date_get_no_note():
    zone = "Pacific/Auckland"
    due = date(2026, 3, 2)
    team, member, stale = overdue_setup(zone, due)
    fresh = CommitmentFactory(owner=member, team=team, week=monday(due), due_date=due + timedelta(days=1))
    first = local(due + timedelta(days=8), time(9, 30), zone)  # stale is 8 days past, fresh 7

    walk_clock(first, first + timedelta(days=2), STEP, dispatch)

    assert overdue_notes() == [(f"commitment-overdue:{fresh.pk}:2026-03-03", first)]
    assert stale.pk not in {int(key.split(":")[1]) for key, _ in overdue_notes()}


def test_an_owner_who_is_away_gets_the_note_the_morning_they_are_back():
    zone = "Asia/Kolkata"
    due = date(2026, 3, 4)
    team, member, commitment = overdue_setup(zone, due)
    Absence.objects.create(user=member, starts_on=date(2026, 3, 5), ends_on=date(2026, 3, 7))

    walk_clock(local(due, time(0), zone), local(due + timedelta(days=10), time(0), zone), STEP, dispatch)

    assert overdue_notes() == [(f"commitment-overdue:{commitment.pk}:2026-03-04", utc(2026, 3, 8, 3, 30))]


def test_absences_long_past_and_yet_to_come_do_not_hold_back_the_note():
    """Two absences, one over before the date and one starting after it: neither covers the day."""
    zone = "UTC"
    due = date(2026, 3, 4)
    team, member, commitment = overdue_setup(zone, due)
    Absence.objects.create(user=member, starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 10))
    Absence.objects.create(user=member, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 10))

    walk_clock(local(due, time(0), zone), local(due + timedelta(days=3), time(0), zone), STEP, dispatch)

    assert overdue_notes() == [(f"commitment-overdue:{commitment.pk}:2026-03-04", utc(2026, 3, 5, 9))]


def test_an_owner_who_turned_overdue_notes_off_gets_none():
    due = date(2026, 3, 4)
    overdue_setup("UTC", due, user__email_opt_outs=["commitment_overdue"])

    walk_clock(local(due, time(0), "UTC"), local(due + timedelta(days=9), time(0), "UTC"), STEP, dispatch)

    assert overdue_notes() == []


# --- The daily anonymous-feedback digest -----------------------------------------------------

# (zone, the day D the feedback arrived, D's digest: 08:00 team time on D + 1)
DIGEST_CASES = {
    "utc": ("UTC", date(2026, 3, 6), utc(2026, 3, 7, 8)),
    "new-york-spring": ("America/New_York", date(2026, 3, 7), utc(2026, 3, 8, 12)),
    "new-york-fall": ("America/New_York", date(2026, 10, 31), utc(2026, 11, 1, 13)),
    "kolkata": ("Asia/Kolkata", date(2026, 3, 6), utc(2026, 3, 7, 2, 30)),
    "auckland-autumn": ("Pacific/Auckland", date(2026, 4, 4), utc(2026, 4, 4, 20)),
    "auckland-spring": ("Pacific/Auckland", date(2026, 9, 26), utc(2026, 9, 26, 19)),
}


def feedback_team(zone: str, *, members: int = 5):
    """A team large enough (by default) for its members to write anonymously to its managers."""
    team = TeamFactory(time_zone=zone)
    writers = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(members)]
    MembershipFactory(team=team, role=Role.MANAGER, user__email="manager@example.org")
    MembershipFactory(
        team=team, role=Role.MANAGER, user__email="tokyo.manager@example.org", user__time_zone="Asia/Tokyo"
    )
    UserFactory(email="admin@example.org", is_staff=True)
    return team, writers


def digests() -> list[tuple[str, str, datetime]]:
    return sorted(OutboundEmail.objects.filter(kind="feedback_digest").values_list("to_email", "subject", "created_at"))


def submit_at(team, writers, moments: list[datetime]):
    """A hook for walk_clock: anonymous feedback from a different writer at each moment."""
    pending = dict(zip(moments, writers, strict=False))

    def each(now):
        if now in pending:
            feedback_services.feedback_submit(writer=pending[now], team=team, category=Category.IDEA, body="An idea")
        feedback_services.feedback_release()

    return each


@pytest.mark.parametrize(("zone", "day", "expected"), DIGEST_CASES.values(), ids=DIGEST_CASES.keys())
def test_managers_get_one_digest_a_day_from_08_00_team_time_about_the_previous_team_day(zone, day, expected):
    team, writers = feedback_team(zone)
    next_day = day + timedelta(days=1)
    # Two on day D (one in its last minutes, a different UTC date in some zones), one on D + 1.
    moments = [local(day, time(0, 30), zone), local(day, time(23, 45), zone), local(next_day, time(12), zone)]

    walk_clock(
        local(day, time(0), zone),
        local(day + timedelta(days=4), time(0), zone),
        STEP,
        submit_at(team, writers, moments),
    )

    two, one = f"2 pieces of anonymous feedback for {team.name}", f"New anonymous feedback for {team.name}"
    assert digests() == sorted(
        [
            ("manager@example.org", two, expected),
            ("tokyo.manager@example.org", two, expected),
            ("manager@example.org", one, expected + timedelta(days=1)),
            ("tokyo.manager@example.org", one, expected + timedelta(days=1)),
        ]
    )
    row = OutboundEmail.objects.filter(kind="feedback_digest").earliest("created_at")
    assert f"on {day:%A} {day.day} {day:%B}" in row.body_text
    assert "An idea" not in row.body_text  # a count and a link, never content


def test_after_an_outage_what_was_held_back_is_released_and_told_in_one_digest():
    """The managers have seen none of it (it waited for the release), so it is news however
    late: one digest, for everything the late release shows."""
    zone = "America/New_York"
    day = date(2026, 3, 6)
    team, writers = feedback_team(zone)
    # Feedback on D and D + 1 while the dispatcher is down; its first run is on D + 2, 09:00.
    moments = [local(day, time(10), zone), local(day + timedelta(days=1), time(10), zone)]
    for writer, moment in zip(writers, moments, strict=False):
        walk_clock(
            moment,
            moment,
            STEP,
            lambda now, writer=writer: feedback_services.feedback_submit(
                writer=writer, team=team, category=Category.IDEA, body="An idea"
            ),
        )
    first = local(day + timedelta(days=2), time(9), zone)

    walk_clock(first, first + timedelta(hours=12), STEP, lambda now: feedback_services.feedback_release())

    two = f"2 pieces of anonymous feedback for {team.name}"
    assert digests() == [("manager@example.org", two, first), ("tokyo.manager@example.org", two, first)]
    body = OutboundEmail.objects.filter(kind="feedback_digest")[0].body_text
    assert f"between {day:%A %-d %B} and {day + timedelta(days=1):%A %-d %B}" in body


def test_feedback_to_a_small_team_is_digested_for_the_organisation_admins():
    zone = "Asia/Kolkata"
    day = date(2026, 3, 6)
    team, writers = feedback_team(zone, members=2)

    walk_clock(
        local(day, time(0), zone),
        local(day + timedelta(days=2), time(0), zone),
        STEP,
        submit_at(team, writers, [local(day, time(15), zone)]),
    )

    assert digests() == [("admin@example.org", f"New anonymous feedback for {team.name}", utc(2026, 3, 7, 2, 30))]
