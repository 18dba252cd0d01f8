"""The manager digest names this week's one-to-ones; shared notes saved from two places at once
keep both (the later save is refused with what was typed); a manager's own page shows one-to-ones
held against their cadence, per manager."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from accountability.models import OutboundEmail
from accountability.weeks import Week, local_instant
from dashboard.digest import manager_digest_dispatch
from meetings import services
from meetings.models import Cadence, Status

from .conftest import next_meeting

pytestmark = pytest.mark.django_db


def test_the_digest_lists_the_managers_one_to_ones_this_week(team, manager, member, teammate):
    # Sunday evening in London: the one-to-one is on Tuesday of the coming week.
    with time_machine.travel(datetime(2026, 3, 15, 19, 0, tzinfo=team.tz), tick=False) as clock:
        services.series_start(
            team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=1, local_time=time(10, 0)
        )
        monday = Week.containing(date(2026, 3, 16))
        clock.move_to(local_instant(monday.start, time(8, 5), team.tz))
        assert manager_digest_dispatch() == 1
    digest = OutboundEmail.objects.get(kind="manager_digest")
    assert "One-to-ones this week:" in digest.body_text
    assert "- Mia Member, Tuesday 10:00" in digest.body_text
    assert "Mia Member" in digest.body_html


def test_the_digest_says_nothing_of_one_to_ones_when_there_are_none(team, manager, member):
    monday = Week.containing(date(2026, 3, 16))
    with time_machine.travel(local_instant(monday.start, time(8, 5), team.tz), tick=False):
        assert manager_digest_dispatch() == 1
    assert "One-to-ones" not in OutboundEmail.objects.get(kind="manager_digest").body_text


def test_shared_notes_saved_from_a_stale_page_are_kept_not_lost(client, frozen, one_to_one, manager, member):
    meeting = next_meeting(one_to_one)
    url = reverse("meeting_notes", args=[meeting.pk])
    client.force_login(member)
    assert client.post(url, {"notes": "Mia's notes", "decisions": "", "version": 1}).status_code == 302
    client.force_login(manager)
    response = client.post(url, {"notes": "Mona's notes", "decisions": "", "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Mona&#x27;s notes" in page and "saved by someone else" in page and "Mia&#x27;s notes" in page
    meeting.refresh_from_db()
    assert meeting.shared_notes == "Mia's notes" and meeting.version == 2


def test_the_index_shows_one_to_ones_held_per_manager_to_the_teams_managers(
    client, frozen, one_to_one, manager, member, team
):
    first = next_meeting(one_to_one)
    frozen.move_to(first.starts_at + timedelta(hours=1))
    services.meeting_record(meeting=first, actor=manager, status=Status.HELD)
    frozen.move_to(first.starts_at + timedelta(days=7, hours=1))
    services.meeting_record(meeting=next_meeting(one_to_one), actor=member, status=Status.SKIPPED, reason="Holiday")
    client.force_login(manager)
    page = client.get(reverse("meetings_index")).content.decode()
    assert "Mona Manager: 1 of 2 held" in page
    client.force_login(member)
    assert "of 2 held" not in client.get(reverse("meetings_index")).content.decode()
