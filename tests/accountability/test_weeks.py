"""Week and deadline arithmetic across time zones and daylight-saving changes."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accountability.weeks import (
    Week,
    checkin_due_at,
    current_week,
    local_instant,
    week_closes_at,
    week_opens_at,
    week_range,
)

NY = ZoneInfo("America/New_York")
AKL = ZoneInfo("Pacific/Auckland")
KOL = ZoneInfo("Asia/Kolkata")
LON = ZoneInfo("Europe/London")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "expected_monday"),
    [
        # Sunday 23:30 in New York is already Monday in UTC: still New York's old week.
        (utc(2026, 11, 30, 4, 30), NY, date(2026, 11, 23)),
        (utc(2026, 11, 30, 5, 0), NY, date(2026, 11, 30)),
        # Monday 00:30 in Auckland (UTC+13 in summer) is Sunday 11:30 UTC: Auckland's new week.
        (utc(2026, 11, 29, 11, 30), AKL, date(2026, 11, 30)),
        (utc(2026, 11, 29, 10, 59), AKL, date(2026, 11, 23)),
        # Kolkata has a half-hour offset and no daylight saving.
        (utc(2026, 11, 29, 18, 29), KOL, date(2026, 11, 23)),
        (utc(2026, 11, 29, 18, 30), KOL, date(2026, 11, 30)),
        (utc(2026, 11, 29, 23, 59), ZoneInfo("UTC"), date(2026, 11, 23)),
        # ISO week 1 of 2027 starts on Monday 4 January 2027; 1-3 January belong to 2026-W53.
        (utc(2027, 1, 2, 12, 0), LON, date(2026, 12, 28)),
    ],
)
def test_current_week_follows_the_team_time_zone(now, tz, expected_monday):
    assert current_week(tz, now).start == expected_monday


@pytest.mark.parametrize(
    ("label", "monday"),
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026-W53", date(2026, 12, 28)),
        ("2027-W01", date(2027, 1, 4)),
    ],
)
def test_week_labels_round_trip(label, monday):
    week = Week.from_label(label)
    assert week.start == monday
    assert week.label == label
    assert week.end == date.fromordinal(monday.toordinal() + 6)


@pytest.mark.parametrize("label", ["2026-W54", "2027-W53", "2026-W00", "2026-48", "W48", "2026-W4", "", "../../etc"])
def test_weeks_that_do_not_exist_are_refused(label):
    with pytest.raises(ValueError):
        Week.from_label(label)


def test_a_week_must_start_on_monday():
    with pytest.raises(ValueError):
        Week(date(2026, 11, 24))


@pytest.mark.parametrize(
    ("tz", "monday", "weekday", "at", "expected_utc"),
    [
        # New York, Friday 16:00: EDT (UTC-4) before 1 Nov 2026, EST (UTC-5) after.
        (NY, date(2026, 10, 26), 4, time(16, 0), utc(2026, 10, 30, 20, 0)),
        (NY, date(2026, 11, 2), 4, time(16, 0), utc(2026, 11, 6, 21, 0)),
        # The change itself is on Sunday 1 Nov at 02:00: 01:30 happens twice; we take the first.
        (NY, date(2026, 10, 26), 6, time(1, 30), utc(2026, 11, 1, 5, 30)),
        # Spring forward, Sunday 8 March 2026: 02:30 does not exist; it is read as 03:30 EDT.
        (NY, date(2026, 3, 2), 6, time(2, 30), utc(2026, 3, 8, 7, 30)),
        # Auckland moves to NZDT (UTC+13) on Sunday 27 September 2026 and back on 5 April 2026.
        (AKL, date(2026, 9, 21), 4, time(9, 0), utc(2026, 9, 24, 21, 0)),
        (AKL, date(2026, 9, 28), 4, time(9, 0), utc(2026, 10, 1, 20, 0)),
        (AKL, date(2026, 3, 30), 6, time(2, 30), utc(2026, 4, 4, 13, 30)),
        # Kolkata: always UTC+5:30.
        (KOL, date(2026, 11, 23), 0, time(10, 0), utc(2026, 11, 23, 4, 30)),
        (ZoneInfo("UTC"), date(2026, 11, 23), 6, time(23, 59), utc(2026, 11, 29, 23, 59)),
    ],
)
def test_due_instant_is_the_local_wall_clock_time(tz, monday, weekday, at, expected_utc):
    assert checkin_due_at(Week(monday), tz, weekday, at) == expected_utc


@pytest.mark.parametrize("tz", [NY, AKL, KOL, LON, ZoneInfo("UTC")])
def test_every_week_of_a_year_has_one_due_instant_one_week_apart_in_local_time(tz):
    """Across both daylight-saving changes, consecutive due instants are 7 local days apart:
    never skipped, never doubled."""
    week = Week(date(2026, 1, 5))
    previous = None
    for _ in range(60):
        due = checkin_due_at(week, tz, 6, time(2, 30))
        local = due.astimezone(tz)
        assert local.weekday() == 6
        if previous is not None:
            assert (local.date() - previous.date()).days == 7
            assert 6.9 * 86400 < (due - previous).total_seconds() < 7.1 * 86400
        previous = local
        week = week.next()


@pytest.mark.parametrize("tz", [NY, AKL, KOL, LON])
def test_week_closes_when_the_next_one_opens(tz):
    week = Week(date(2026, 10, 26))  # contains the November change in New York
    assert week_closes_at(week, tz) == week_opens_at(week.next(), tz)
    assert week_closes_at(week, tz).astimezone(tz).time() == time(0, 0)


def test_a_week_spanning_a_clock_change_lasts_an_hour_more_or_less():
    week = Week(date(2026, 10, 26))
    length = week_closes_at(week, NY) - week_opens_at(week, NY)
    assert length.total_seconds() == 7 * 86400 + 3600


def test_local_instant_is_aware_utc():
    instant = local_instant(date(2026, 7, 1), time(12, 0), LON)
    assert instant.tzinfo is UTC
    assert instant == utc(2026, 7, 1, 11, 0)


def test_week_range_lists_oldest_first():
    weeks = week_range(Week(date(2026, 11, 23)), 3)
    assert [w.label for w in weeks] == ["2026-W46", "2026-W47", "2026-W48"]
