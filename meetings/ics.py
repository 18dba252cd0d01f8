"""A series as a calendar file (RFC 5545, with the icalendar library). Every meeting is its own
event whose UID is derived from the series' UUID and the meeting's id, and whose SEQUENCE
grows when it moves: importing the file again replaces events, never duplicates them."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting, Series, Status


def meeting_uid(series: Series, meeting: Meeting) -> str:
    return f"{series.uid}-{meeting.pk}@{settings.SITE_NAME.lower().replace(' ', '-')}"


def series_calendar(*, series: Series, meetings: list[Meeting], title: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//meetings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", title)
    stamp = timezone.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", meeting_uid(series, meeting))
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.starts_at + timedelta(minutes=series.duration_minutes))
        event.add("summary", title)
        event.add("sequence", meeting.sequence)
        event.add(
            "status",
            "CANCELLED"
            if meeting.status == Status.SKIPPED or not series.is_running and meeting.is_planned
            else "CONFIRMED",
        )
        event.add("url", settings.SITE_URL + reverse("meeting_series", args=[series.pk]))
        cal.add_component(event)
    return cal.to_ical()
