"""Two dispatchers (or two sweeps) at once on PostgreSQL, each thread on its own connection:
every email is queued once and delivered once.

To make the race certain rather than likely, both dispatchers are held at a barrier right after
their "which of these exist already?" look-up, so both go on to insert the same rows and only
the database's unique key can keep them apart.
"""

import contextlib
import threading
from collections import Counter
from datetime import date, time, timedelta

import pytest
from django.db import connection

from accountability import outbox
from accountability import services as accountability_services
from accountability.models import OutboundEmail, Role, Weekday
from checkins import services as checkin_services
from feedback import services as feedback_services
from feedback.models import Category

from ..factories import CommitmentFactory, MembershipFactory, TeamFactory
from . import local, utc, walk_clock

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 25


def race(*functions):
    """Run the functions in threads started together; their results, in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)
    errors = []

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer hung"
    assert errors == []
    return results


@pytest.fixture
def both_past_the_existence_check(monkeypatch):
    """Hold each dispatcher after its look-up of existing keys until the other got there too."""
    barrier = threading.Barrier(2)

    original = outbox.queue.outbox_existing_keys

    def existing_keys(keys):
        found = original(keys)
        barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(outbox.queue, "outbox_existing_keys", existing_keys)


def teams_due_for_a_reminder():
    """Three teams in three zones whose check-in time is Friday 2026-03-06 16:00 UTC."""
    setups = [("UTC", time(16)), ("America/New_York", time(11)), ("Asia/Kolkata", time(21, 30))]
    teams = []
    for zone, at in setups:
        team = TeamFactory(time_zone=zone, checkin_weekday=Weekday.FRIDAY, checkin_time=at)
        for _ in range(MEMBERS):
            MembershipFactory(team=team, role=Role.MEMBER)
        MembershipFactory(team=team, role=Role.MANAGER)
        teams.append(team)
    return teams


def assert_each_key_once(expected_rows: int, queued_by_each: list[int]):
    keys = Counter(OutboundEmail.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == expected_rows
    assert set(keys.values()) == {1}
    assert OutboundEmail.objects.count() == expected_rows
    # Each racer reports only what it wrote: together, every row once.
    assert sum(queued_by_each) == expected_rows


def test_two_reminder_dispatchers_at_once_queue_each_reminder_once(test_redis, both_past_the_existence_check):
    teams_due_for_a_reminder()
    now = utc(2026, 3, 6, 16, 2)

    queued = race(*[lambda: checkin_services.checkin_reminders_dispatch(now=now)] * 2)

    assert_each_key_once(3 * MEMBERS, queued)


def test_a_reminder_written_by_another_run_after_the_check_is_skipped_and_the_rest_go_in(monkeypatch):
    """The look-up of existing keys is only a shortcut: a row another dispatcher wrote in
    between makes the batched insert fall back to row by row, skipping just that one."""
    [team, *_] = teams_due_for_a_reminder()
    now = utc(2026, 3, 6, 16, 2)
    taken = team.memberships.filter(role=Role.MEMBER).order_by("user_id")[3].user
    week = team.current_week(now)
    OutboundEmail.objects.create(
        kind="checkin_reminder",
        dedupe_key=f"checkin_reminder:{taken.pk}:{team.pk}:{week.label}",
        to_email=taken.email,
        subject="Written by the other run",
        body_text="...",
    )
    monkeypatch.setattr(outbox.queue, "outbox_existing_keys", lambda keys: set())

    assert checkin_services.checkin_reminders_dispatch(now=now) == 3 * MEMBERS - 1

    assert OutboundEmail.objects.filter(to_email=taken.email).get().subject == "Written by the other run"
    assert OutboundEmail.objects.count() == 3 * MEMBERS


def test_two_overdue_dispatchers_at_once_queue_each_note_once(test_redis, both_past_the_existence_check):
    for zone in ("UTC", "Asia/Kolkata"):
        team = TeamFactory(time_zone=zone)
        for _ in range(MEMBERS):
            owner = MembershipFactory(team=team).user
            CommitmentFactory(owner=owner, team=team, week=date(2026, 3, 2), due_date=date(2026, 3, 4))
    now = utc(2026, 3, 5, 12)  # 09:00 or later the next day in both zones

    queued = race(*[lambda: accountability_services.commitments_overdue_dispatch(now=now)] * 2)

    assert_each_key_once(2 * MEMBERS, queued)


def test_two_digest_dispatchers_at_once_queue_each_digest_once(test_redis):
    zone = "America/New_York"
    team = TeamFactory(time_zone=zone)
    writers = [MembershipFactory(team=team).user for _ in range(6)]
    for _ in range(4):
        MembershipFactory(team=team, role=Role.MANAGER)
    day = date(2026, 3, 6)
    for writer in writers:
        moment = local(day, time(12), zone)
        walk_clock(
            moment,
            moment,
            timedelta(minutes=1),
            lambda now, writer=writer: feedback_services.feedback_submit(
                writer=writer, team=team, category=Category.IDEA, body="An idea"
            ),
        )
    now = local(day + timedelta(days=1), time(8, 5), zone)

    queued = race(*[lambda: feedback_services.feedback_release(now=now).digests] * 2)

    assert_each_key_once(4, queued)


def test_two_reply_dispatchers_at_once_queue_each_email_once(test_redis, both_past_the_existence_check):
    """Members replied to and answering in three teams, two managers each: one email per
    member and per manager, whichever dispatcher writes it."""
    written_at = utc(2026, 3, 11, 10, 3)
    for _ in range(3):
        team = TeamFactory()
        managers = [MembershipFactory(team=team, role=Role.MANAGER).user for _ in range(2)]
        for n in range(MEMBERS):
            owner = MembershipFactory(team=team).user
            commitment = CommitmentFactory(owner=owner, team=team, week=date(2026, 3, 9))
            for author in (managers[n % 2], owner):
                checkin_services.comment_add(author=author, body="Thanks", commitment=commitment, now=written_at)
    now = utc(2026, 3, 11, 10, 16)  # the 10:00 window is over

    queued = race(*[lambda: checkin_services.replies_dispatch(now=now)] * 2)

    assert_each_key_once(3 * (MEMBERS + 2), queued)


def test_two_sweeps_at_once_deliver_each_email_once(test_redis, smtp_server, settings):
    settings.OUTBOX_SWEEP_BATCH = 7  # many small claims, so the two sweeps interleave
    teams_due_for_a_reminder()
    checkin_services.checkin_reminders_dispatch(now=utc(2026, 3, 6, 16, 2))
    test_redis.flushdb()  # the dispatcher asked for a sweep; no worker here, we sweep ourselves

    delivered = race(outbox.outbox_sweep, outbox.outbox_sweep)

    messages = smtp_server.wait_for(3 * MEMBERS)
    assert sum(delivered) == 3 * MEMBERS
    per_recipient = Counter(message["To"] for message in messages)
    assert len(per_recipient) == 3 * MEMBERS
    assert set(per_recipient.values()) == {1}
    assert smtp_server.attempts == 3 * MEMBERS
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_two_unsubscribe_links_clicked_at_once_both_take_effect(monkeypatch):
    """A mail client may send the one-click POSTs of two emails at the same moment."""
    person = MembershipFactory(team=TeamFactory()).user
    together = threading.Barrier(2, timeout=1)
    original = accountability_services.email_preferences_update

    def update_when_both_have_read(**kwargs):
        # Both requests have read the person's choices before either writes, unless something
        # makes one wait for the other (then this wait gives up after a second).
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait()
        return original(**kwargs)

    monkeypatch.setattr(accountability_services.accounts, "email_preferences_update", update_when_both_have_read)
    tokens = [outbox.unsubscribe_token(user=person, kind=kind) for kind in ("checkin_reminder", "checkin_nudge")]

    race(*[lambda token=token: accountability_services.email_unsubscribe(token=token) for token in tokens])

    person.refresh_from_db()
    assert sorted(person.email_opt_outs) == ["checkin_nudge", "checkin_reminder"]
