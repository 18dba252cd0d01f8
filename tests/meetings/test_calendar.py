"""The ICS file, parsed back with icalendar: stable UIDs, a moved meeting replaces its event
(same UID, higher SEQUENCE), and 10:00 stays 10:00 local across a daylight-saving change."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Cadence, Meeting, Series, Status, slot_after

from .conftest import next_meeting

pytestmark = pytest.mark.django_db


def _events(client, series):
    response = client.get(reverse("meeting_calendar", args=[series.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_uids_are_stable_and_a_move_bumps_the_sequence(client, frozen, one_to_one, member, team):
    client.force_login(member)
    before = _events(client, one_to_one)
    assert len(before) == 1
    meeting = next_meeting(one_to_one)
    services.meeting_move(
        meeting=meeting, actor=member, new_date=meeting.on + timedelta(days=1), new_time=time(15, 0), reason="Dentist"
    )
    after = _events(client, one_to_one)
    assert after.keys() == before.keys()
    (uid,) = after
    assert int(after[uid]["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
    start = after[uid].decoded("DTSTART").astimezone(team.tz)
    assert (start.date(), start.time()) == (meeting.on + timedelta(days=1), time(15, 0))


def test_a_weekly_meeting_stays_at_ten_local_across_the_clocks_going_forward(team, manager, member):
    # London goes to summer time on Sunday 29 March 2026.
    with time_machine.travel(datetime(2026, 3, 16, 8, 0, tzinfo=UTC), tick=False) as clock:
        series = services.series_start(
            team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=3, local_time=time(10, 0)
        )
        for _ in range(4):
            meeting = next_meeting(series)
            clock.move_to(meeting.starts_at + timedelta(hours=1))
            services.meeting_record(meeting=meeting, actor=manager, status=Status.HELD)
    meetings = list(Meeting.objects.filter(series=series).order_by("starts_at"))
    london = ZoneInfo("Europe/London")
    assert [m.starts_at.astimezone(london).time() for m in meetings] == [time(10, 0)] * len(meetings)
    assert [m.starts_at.astimezone(UTC).hour for m in meetings[:3]] == [10, 10, 9]
    assert [m.on.weekday() for m in meetings] == [3] * len(meetings)
    assert len({m.on for m in meetings}) == len(meetings) == 5


@pytest.mark.parametrize(
    ("cadence", "anchor", "after", "expected"),
    [
        ("weekly", "2026-03-05", "2026-03-05", "2026-03-12"),
        ("fortnightly", "2026-03-05", "2026-03-05", "2026-03-19"),
        ("fortnightly", "2026-03-05", "2026-03-20", "2026-04-02"),
        # The second Thursday of each month.
        ("monthly", "2026-03-12", "2026-03-12", "2026-04-09"),
        ("monthly", "2026-12-10", "2026-12-10", "2027-01-14"),
    ],
)
def test_cadence_slots(cadence, anchor, after, expected):
    from datetime import date

    anchor_day = date.fromisoformat(anchor)
    got = slot_after(cadence=cadence, anchor=anchor_day, weekday=anchor_day.weekday(), after=date.fromisoformat(after))
    assert got == date.fromisoformat(expected)


def test_the_calendar_of_someone_elses_series_is_404(client, frozen, one_to_one, teammate):
    client.force_login(teammate)
    assert client.get(reverse("meeting_calendar", args=[one_to_one.pk])).status_code == 404
    assert Series.objects.count() == 1
