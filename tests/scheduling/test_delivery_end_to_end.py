"""End to end: the reminder dispatcher commits outbox rows, a real Celery worker (in a thread,
consuming from the tests' Redis database) sweeps them to a real SMTP server on loopback, and a
click on the one-click unsubscribe link stops the next week's reminder."""

import logging
import time
from collections import Counter
from datetime import time as clock
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accountability import outbox
from accountability.models import EmailStatus, OutboundEmail, Role, User, Weekday
from checkins import services

from ..factories import MembershipFactory, TeamFactory
from . import utc

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MEMBERS = 5
# New York; check-in Friday 16:00; the nudge 24 h before the week closes (Monday 00:00).
WEEK_1_REMINDER = utc(2026, 3, 6, 21, 1)  # Friday 16:01 EST
WEEK_1_NUDGE = utc(2026, 3, 8, 4, 1)  # Saturday 23:01 EST; the week closes Monday 00:00 EDT
WEEK_2_REMINDER = utc(2026, 3, 13, 20, 1)  # Friday 16:01 EDT


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    """Starting a worker sets the root logger to ERROR for the rest of the process."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.fixture
def team(db):
    team = TeamFactory(
        name="Platform",
        slug="platform",
        time_zone="America/New_York",
        checkin_weekday=Weekday.FRIDAY,
        checkin_time=clock(16),
        nudge_hours_before_close=24,
    )
    for number in range(MEMBERS - 1):
        MembershipFactory(team=team, role=Role.MEMBER, user__email=f"member{number}@example.org")
    MembershipFactory(team=team, role=Role.MEMBER, user__email="in.kolkata@example.org", user__time_zone="Asia/Kolkata")
    MembershipFactory(team=team, role=Role.MANAGER, user__email="manager@example.org")
    return team


def received(server, count: int) -> list:
    """Exactly `count` messages in all: wait for them, then make sure no extra copy follows."""
    messages = server.wait_for(count, timeout=20)
    time.sleep(0.5)
    assert len(server.envelopes) == count
    assert server.attempts == count
    return messages


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_reminders_reach_each_member_once_and_one_click_unsubscribes(test_redis, celery_worker, smtp_server, team):
    # Week 1: the reminder, to every member (not the manager), once each.
    assert services.checkin_reminders_dispatch(now=WEEK_1_REMINDER) == MEMBERS
    reminders = received(smtp_server, MEMBERS)

    assert Counter(m["To"] for m in reminders) == Counter(
        [f"member{n}@example.org" for n in range(MEMBERS - 1)] + ["in.kolkata@example.org"]
    )
    by_recipient = {}
    for message in reminders:
        assert message["Subject"] == "Time for your Platform check-in"
        assert message.get_content_type() == "multipart/alternative"
        body = parts(message)
        assert set(body) == {"text/plain", "text/html"}
        for content in body.values():
            assert "http://testserver/teams/platform/week/" in content
        [unsubscribe_url] = message["List-Unsubscribe"].strip().strip("<>").split(">, <")
        assert unsubscribe_url.startswith("http://testserver/email/unsubscribe/")
        assert unsubscribe_url in body["text/plain"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        by_recipient[message["To"]] = (body, unsubscribe_url)
    # Each message's Message-ID names its outbox row: a retried send would carry the same one.
    rows = {row.to_email: row for row in OutboundEmail.objects.all()}
    assert {m["Message-ID"] for m in reminders} == {outbox.message_id(rows[m["To"]]) for m in reminders}
    assert len({m["Message-ID"] for m in reminders}) == MEMBERS
    # Times read in the recipient's zone: their own when set, else the team's (the week closes
    # after the clocks went forward, hence EDT).
    assert "Monday 00:00 (EDT)" in by_recipient["member0@example.org"][0]["text/plain"]
    assert "Monday 09:30 (IST)" in by_recipient["in.kolkata@example.org"][0]["text/plain"]
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}

    # Week 1: the nudge, with the week's close (Monday 00:00 EDT) in each recipient's zone.
    assert services.checkin_reminders_dispatch(now=WEEK_1_NUDGE) == MEMBERS
    nudges = {m["To"]: parts(m) for m in received(smtp_server, 2 * MEMBERS)[MEMBERS:]}
    assert "closes Monday 00:00 (EDT)" in nudges["member0@example.org"]["text/plain"]
    assert "closes Monday 09:30 (IST)" in nudges["in.kolkata@example.org"]["text/plain"]
    assert "closes Monday 09:30 (IST)" in nudges["in.kolkata@example.org"]["text/html"]

    # The unsubscribe link: a GET only asks (a link scanner changes nothing) ...
    person = User.objects.get(email="member0@example.org")
    path = urlsplit(by_recipient[person.email][1]).path
    client = Client(enforce_csrf_checks=True)  # and nobody signed in
    page = client.get(path)
    assert page.status_code == 200
    assert b"Stop these emails?" in page.content
    person.refresh_from_db()
    assert person.email_opt_outs == []
    # ... the mail client's one-click POST (RFC 8058: no CSRF token, no sign-in) turns it off.
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert b"You won't receive check-in reminders any more" in response.content
    person.refresh_from_db()
    assert person.email_opt_outs == ["checkin_reminder"]

    # Week 2: everyone else gets the reminder; they don't.
    assert services.checkin_reminders_dispatch(now=WEEK_2_REMINDER) == MEMBERS - 1
    week_2 = received(smtp_server, 3 * MEMBERS - 1)[2 * MEMBERS :]
    assert person.email not in {m["To"] for m in week_2}
    assert len({m["To"] for m in week_2}) == MEMBERS - 1
    assert not OutboundEmail.objects.filter(recipient=person, dedupe_key__endswith=":2026-W11").exists()
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}
