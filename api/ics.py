"""A person's private calendar feed (RFC 5545, with the icalendar library):

* their open commitments' due dates, as all-day events;
* each of their teams' check-in due times for the last two and the next eight weeks, at the
  team's local time, with the team's VTIMEZONE so a calendar shows them right across
  daylight-saving changes (weeks.checkin_due_at decides the instant, as for the reminders);
* their meetings (one-to-ones and their teams' meetings), with the UIDs of the meetings app's
  own calendar files, so the same meeting imported twice is one event.

UIDs are stable: the same commitment, week or meeting keeps its UID from one fetch to the next.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from accountability.models import User
from meetings import selectors as meeting_selectors
from meetings.ics import meeting_uid
from meetings.models import Kind, Status

from . import selectors

CHECKIN_WEEKS_BACK = 2
CHECKIN_WEEKS_AHEAD = 8
MEETINGS_BACK = timedelta(days=30)
MEETINGS_AHEAD = timedelta(days=180)
CHECKIN_EVENT_MINUTES = 15


def _domain() -> str:
    return settings.SITE_NAME.lower().replace(" ", "-")


def person_calendar(*, user: User, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    stamp = now.replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{settings.SITE_NAME}: {user.name}")
    site = settings.SITE_URL

    for commitment in selectors.open_commitments_for_calendar(user=user, since=now.date() - timedelta(days=14)):
        event = Event()
        event.add("uid", f"commitment-{commitment.pk}@{_domain()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", commitment.due_date)
        event.add("dtend", commitment.due_date + timedelta(days=1))
        event.add("summary", f"Due: {commitment.title}")
        event.add("description", f"A commitment in {commitment.team.name}.")
        event.add("transp", "TRANSPARENT")
        event.add("url", site + reverse("commitment_detail", args=[commitment.pk]))
        cal.add_component(event)

    for team in selectors.teams_for_calendar(user):
        current = team.current_week(now)
        week = current
        for _ in range(CHECKIN_WEEKS_BACK):
            week = week.previous()
        for _ in range(CHECKIN_WEEKS_BACK + CHECKIN_WEEKS_AHEAD + 1):
            due = team.checkin_due_at(week).astimezone(team.tz)
            event = Event()
            event.add("uid", f"checkin-{team.pk}-{week.label}-{user.pk}@{_domain()}")
            event.add("dtstamp", stamp)
            event.add("dtstart", due)
            event.add("dtend", due + timedelta(minutes=CHECKIN_EVENT_MINUTES))
            event.add("summary", f"Check-in due: {team.name}")
            event.add("url", site + reverse("week", args=[team.slug, week.label]))
            cal.add_component(event)
            week = week.next()

    meetings = meeting_selectors.meetings_for_user(user=user, start=now - MEETINGS_BACK, end=now + MEETINGS_AHEAD)
    for meeting in meetings:
        series = meeting.series
        starts = meeting.starts_at.astimezone(series.team.tz)
        if series.kind == Kind.ONE_TO_ONE:
            summary = f"One-to-one with {series.other_person(user).name}"
        else:
            summary = f"Team meeting: {series.team.name}"
        event = Event()
        event.add("uid", meeting_uid(series, meeting))
        event.add("dtstamp", stamp)
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(minutes=series.duration_minutes))
        event.add("summary", summary)
        event.add("sequence", meeting.sequence)
        event.add("status", "CANCELLED" if meeting.status == Status.SKIPPED else "CONFIRMED")
        event.add("url", site + reverse("meeting_detail", args=[series.pk, meeting.pk]))
        cal.add_component(event)

    cal.add_missing_timezones()
    return cal.to_ical()
