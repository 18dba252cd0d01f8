"""The private calendar feed, parsed back with the icalendar library: commitments' due dates
all day, check-in due times at the team's local time across a daylight-saving change (with the
team's VTIMEZONE), meetings with the meetings app's UIDs; stable UIDs; a revocable address."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from accountability.models import CommitmentStatus
from api import services
from api.models import CalendarFeed
from api.selectors import calendar_feed_url
from meetings import services as meeting_services
from meetings.ics import meeting_uid
from meetings.models import Cadence, Meeting

from ..factories import CommitmentFactory

# Wednesday 18 March 2026: London's clocks go forward on Sunday 29 March.
BEFORE_DST = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(BEFORE_DST, tick=False) as traveller:
        yield traveller


def _feed(client, user) -> Calendar:
    feed = services.calendar_feed_regenerate(user=user)
    return _fetch(client, feed)


def _fetch(client, feed) -> Calendar:
    response = client.get(calendar_feed_url(feed).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(cal: Calendar) -> dict[str, object]:
    return {str(event["uid"]): event for event in cal.walk("VEVENT")}


def test_check_in_due_times_keep_the_local_hour_across_the_change(frozen, client, team, member):
    # Platform (Europe/London) checks in on Fridays at 16:00 (the factory's default).
    assert team.checkin_weekday == 4 and team.checkin_time == time(16, 0)
    cal = _feed(client, member)
    starts = {
        event.decoded("dtstart").date(): event.decoded("dtstart")
        for event in cal.walk("VEVENT")
        if str(event["summary"]).startswith("Check-in due")
    }
    before, after = starts[date(2026, 3, 27)], starts[date(2026, 4, 3)]
    # Same wall-clock time in London, an hour apart in UTC: GMT then BST.
    assert before.hour == after.hour == 16
    assert before.astimezone(UTC).hour == 16 and after.astimezone(UTC).hour == 15
    assert len(starts) == 11  # two weeks back, this week, eight ahead
    (zone,) = [tz for tz in cal.walk("VTIMEZONE") if str(tz["tzid"]) == "Europe/London"]
    assert {sub.name for sub in zone.subcomponents} >= {"STANDARD", "DAYLIGHT"}
    raw = cal.to_ical().decode()
    assert "DTSTART;TZID=Europe/London:20260403T160000" in raw.replace("\r\n ", "")


def test_commitments_are_all_day_on_their_due_date_and_only_the_person_s_own(frozen, client, team, member, teammate):
    mine = CommitmentFactory(owner=member, team=team, title="Ship the release notes", due_date=date(2026, 3, 20))
    CommitmentFactory(owner=member, team=team, title="Already done", status=CommitmentStatus.DONE)
    CommitmentFactory(owner=teammate, team=team, title="Someone else's")
    events = _events(_feed(client, member))
    event = events[f"commitment-{mine.pk}@check-ins"]
    assert event.decoded("dtstart") == date(2026, 3, 20)  # a date: all day
    assert event.decoded("dtend") == date(2026, 3, 21)
    summaries = " ".join(str(e["summary"]) for e in events.values())
    assert "Ship the release notes" in summaries
    assert "Already done" not in summaries and "Someone else's" not in summaries


def test_meetings_keep_the_meetings_app_uids_and_uids_are_stable(frozen, client, team, manager, member):
    series = meeting_services.series_start(
        team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=3, local_time=time(10, 0)
    )
    meetings = list(Meeting.objects.filter(series=series))
    assert meetings
    feed = services.calendar_feed_regenerate(user=member)
    first = _events(_fetch(client, feed))
    for meeting in meetings:
        event = first[meeting_uid(series, meeting)]
        assert str(event["summary"]) == f"One-to-one with {manager.name}"
        assert event.decoded("dtstart").hour == 10
    frozen.shift(timedelta(hours=1))
    assert set(_events(_fetch(client, feed))) == set(first)


def test_a_new_address_retires_the_old_one_and_switching_off_ends_it(client, member):
    old = services.calendar_feed_regenerate(user=member)
    old_url = calendar_feed_url(old).removeprefix("http://testserver")
    assert client.get(old_url).status_code == 200
    client.force_login(member)
    assert client.post(reverse("calendar_regenerate")).status_code == 302
    assert client.get(old_url).status_code == 404
    page = client.get(reverse("profile")).content.decode()
    new_url = calendar_feed_url(CalendarFeed.objects.get(user=member)).removeprefix("http://testserver")
    assert new_url in page and old_url not in page
    assert client.post(reverse("calendar_revoke")).status_code == 302
    assert client.get(new_url).status_code == 404
    assert "Make my calendar address" in client.get(reverse("profile")).content.decode()


def test_the_database_alone_does_not_hold_the_address(member):
    feed = services.calendar_feed_regenerate(user=member)
    token = services.calendar_feed_token(feed)
    assert token not in (feed.key, feed.token_hash)
    assert services.calendar_feed_user(token) == member
    assert services.calendar_feed_user(token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1") is None


def test_an_inactive_person_s_feed_is_closed(client, member):
    feed = services.calendar_feed_regenerate(user=member)
    member.is_active = False
    member.save()
    assert client.get(calendar_feed_url(feed).removeprefix("http://testserver")).status_code == 404
