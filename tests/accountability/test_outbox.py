"""The email outbox: written in the caller's transaction, delivered after commit, never twice.

Transports that fail are small EmailBackend classes below: stand-ins for Django's SMTP transport,
not for our code. Real SMTP delivery through a Celery worker is in test_outbox_worker.py.
"""

import json
import logging
import smtplib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections, transaction
from django.urls import reverse

from accountability import emails, outbox
from accountability.models import EmailStatus, OutboundEmail, User

from ..smtp import free_port
from ..twofactor import admin_sign_in

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THIS_MODULE = __name__


class DisconnectingBackend(BaseEmailBackend):
    """What Django's SMTP transport raises when the server hangs up mid-conversation."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class CountingBackend(LocmemBackend):
    """locmem, counting the connections opened (class-wide; reset by the fixture)."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


class RefusingBackend(LocmemBackend):
    """locmem, but the server refuses addresses at bounce.example.org."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if message.to[0].endswith("@bounce.example.org"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"5.1.1 No such user")})
        return super().send_messages(email_messages)


@pytest.fixture
def enqueue(member):
    """outbox_enqueue for a password-reset email, with a fresh key and address per call."""
    count = iter(range(1, 10_000))

    def _enqueue(**overrides) -> OutboundEmail | None:
        n = next(count)
        kwargs = {
            "kind": "password_reset",
            "dedupe_key": f"test:{n}",
            "to_email": f"person{n}@example.org",
            "recipient": member,
            "context": {"user": member, "url": f"http://testserver/reset/{n}/"},
        }
        return outbox.outbox_enqueue(**{**kwargs, **overrides})

    return _enqueue


@pytest.fixture
def disconnecting(settings):
    settings.EMAIL_BACKEND = f"{THIS_MODULE}.DisconnectingBackend"


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = f"{THIS_MODULE}.CountingBackend"
    CountingBackend.opened = 0
    yield CountingBackend
    CountingBackend.opened = 0


def published_deliveries(redis_client) -> list[tuple[str, str]]:
    """(task name, args) of every task message waiting in the tests' broker."""
    messages = [json.loads(raw) for raw in redis_client.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def status_of(row: OutboundEmail) -> tuple[str, int]:
    row.refresh_from_db()
    return row.status, row.attempts


# --- Enqueue ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_writes_one_row_with_the_rendered_email(member):
    row = emails.password_reset(user=member, url="http://testserver/reset/abc/")

    assert OutboundEmail.objects.count() == 1
    row = OutboundEmail.objects.get()
    assert row.kind == "password_reset"
    assert row.to_email == "member@example.org"
    assert row.recipient == member
    assert row.subject == "Choose a new password for Check-ins"
    assert "Hello Mia Member," in row.body_text
    assert "http://testserver/reset/abc/" in row.body_text
    assert '<a href="http://testserver/reset/abc/"' in row.body_html
    assert (row.status, row.attempts, row.sent_at) == (EmailStatus.QUEUED, 0, None)


@pytest.mark.django_db
def test_the_same_dedupe_key_twice_writes_one_row(enqueue):
    first = enqueue(dedupe_key="reminder:1:2026-W10", to_email="first@example.org")
    second = enqueue(dedupe_key="reminder:1:2026-W10", to_email="second@example.org")

    assert first is not None
    assert second is None
    assert list(OutboundEmail.objects.values_list("to_email", flat=True)) == ["first@example.org"]


@pytest.mark.django_db
def test_a_duplicate_leaves_the_callers_transaction_usable(enqueue):
    with transaction.atomic():
        enqueue(dedupe_key="same")
        assert enqueue(dedupe_key="same") is None
        # Without the savepoint PostgreSQL would refuse this: "current transaction is aborted".
        User.objects.create_user(email="after.duplicate@example.org")
        assert OutboundEmail.objects.filter(dedupe_key="same").count() == 1

    assert User.objects.filter(email="after.duplicate@example.org").exists()


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_row_and_schedules_nothing(enqueue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue()
            raise RuntimeError("the change that caused the email failed")

    assert OutboundEmail.objects.count() == 0
    assert callbacks == []


@pytest.mark.django_db
def test_after_commit_one_delivery_task_is_published(enqueue, django_capture_on_commit_callbacks, test_redis):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = enqueue()
        assert published_deliveries(test_redis) == []  # nothing before the commit

    assert len(callbacks) == 1
    assert published_deliveries(test_redis) == [("accountability.tasks.outbox_deliver", f"({row.pk},)")]


@pytest.mark.django_db
def test_a_duplicate_schedules_nothing(enqueue, django_capture_on_commit_callbacks):
    enqueue(dedupe_key="once")

    with django_capture_on_commit_callbacks() as callbacks:
        enqueue(dedupe_key="once")

    assert callbacks == []


# --- Deliver ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliver_sends_text_and_html_and_marks_the_row_sent(enqueue, time_machine):
    time_machine.move_to(START, tick=False)
    row = enqueue(to_email="reader@example.org")

    returned = outbox.outbox_deliver(email_id=row.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert message.subject == "Choose a new password for Check-ins"
    assert message.body == row.body_text
    assert message.alternatives == [(row.body_html, "text/html")]
    assert returned.status == EmailStatus.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at, row.claimed_until, row.last_error) == (
        EmailStatus.SENT,
        1,
        START,
        None,
        "",
    )


@pytest.mark.django_db
def test_delivering_a_sent_row_again_sends_nothing(enqueue):
    row = enqueue()
    outbox.outbox_deliver(email_id=row.pk)

    assert outbox.outbox_deliver(email_id=row.pk) is None
    assert outbox.outbox_sweep() == 0

    assert len(mail.outbox) == 1
    assert status_of(row) == (EmailStatus.SENT, 1)


@pytest.mark.django_db
def test_a_row_sent_after_a_later_time_waits_for_it(enqueue, time_machine):
    time_machine.move_to(START, tick=False)
    row = enqueue(send_after=START + timedelta(hours=1))

    assert outbox.outbox_deliver(email_id=row.pk) is None
    time_machine.shift(timedelta(hours=1))
    assert outbox.outbox_deliver(email_id=row.pk) is not None

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_retried_after_a_doubling_back_off(enqueue, disconnecting, settings, time_machine):
    time_machine.move_to(START, tick=False)
    row = enqueue()

    outbox.outbox_deliver(email_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == (EmailStatus.QUEUED, 1, None)
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.next_attempt_at == START + timedelta(seconds=60)

    time_machine.shift(timedelta(seconds=59))
    assert outbox.outbox_deliver(email_id=row.pk) is None
    assert outbox.outbox_sweep() == 0
    assert status_of(row) == (EmailStatus.QUEUED, 1)

    time_machine.shift(timedelta(seconds=1))
    assert outbox.outbox_deliver(email_id=row.pk) is not None
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == START + timedelta(seconds=60 + 120)

    time_machine.shift(timedelta(seconds=119))
    assert outbox.outbox_sweep() == 0
    time_machine.shift(timedelta(seconds=1))
    assert outbox.outbox_sweep() == 1
    row.refresh_from_db()
    assert row.attempts == 3
    assert row.next_attempt_at == START + timedelta(seconds=60 + 120 + 240)

    # The server is back: the next attempt goes through and clears the error.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.shift(timedelta(seconds=240))
    outbox.outbox_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.SENT, 4, "")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_after_the_last_attempt_the_row_is_failed_for_good(enqueue, disconnecting, settings, time_machine):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    time_machine.move_to(START, tick=False)
    row = enqueue()

    for attempt in range(1, 4):
        assert outbox.outbox_deliver(email_id=row.pk) is not None, f"attempt {attempt} not made"
        time_machine.shift(timedelta(days=1))

    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == (EmailStatus.FAILED, 3, None)
    assert row.last_error.startswith("SMTPServerDisconnected")
    time_machine.shift(timedelta(days=30))
    assert outbox.outbox_deliver(email_id=row.pk) is None
    assert outbox.outbox_sweep() == 0
    assert status_of(row) == (EmailStatus.FAILED, 3)


@pytest.mark.django_db
def test_a_transport_that_cannot_connect_requeues_every_claimed_row(enqueue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens: a real "connection refused"
    rows = [enqueue(), enqueue()]

    assert outbox.outbox_sweep() == 2

    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert row.last_error.startswith("ConnectionRefusedError")


@pytest.mark.django_db
def test_retry_puts_a_failed_row_back_and_it_is_delivered(enqueue, disconnecting, settings, time_machine):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    time_machine.move_to(START, tick=False)
    row = enqueue()
    outbox.outbox_deliver(email_id=row.pk)
    assert status_of(row) == (EmailStatus.FAILED, 1)

    time_machine.shift(timedelta(hours=2))
    assert outbox.outbox_retry(email_ids=[row.pk]) == 1

    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (EmailStatus.QUEUED, 0, START + timedelta(hours=2))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.outbox_deliver(email_id=row.pk)
    assert status_of(row) == (EmailStatus.SENT, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_retry_leaves_rows_that_did_not_fail_alone(enqueue):
    sent, queued = enqueue(), enqueue()
    outbox.outbox_deliver(email_id=sent.pk)

    assert outbox.outbox_retry(email_ids=[sent.pk, queued.pk]) == 0

    assert status_of(sent) == (EmailStatus.SENT, 1)
    assert status_of(queued) == (EmailStatus.QUEUED, 0)


# --- Leases and the sweep --------------------------------------------------------------------


@pytest.mark.django_db
def test_sweep_takes_a_row_whose_lease_expired_but_not_one_still_held(enqueue, settings, time_machine):
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    time_machine.move_to(START, tick=False)
    abandoned, held = enqueue(to_email="abandoned@example.org"), enqueue(to_email="held@example.org")
    # A worker claims a row and is killed before it sends...
    outbox.delivery._claim(email_ids=[abandoned.pk])
    time_machine.shift(lease / 2)
    # ...another worker is busy sending this one.
    outbox.delivery._claim(email_ids=[held.pk])

    time_machine.shift(lease / 2 - timedelta(seconds=1))
    assert outbox.outbox_sweep() == 0  # the first lease has one second to go

    time_machine.shift(timedelta(seconds=2))
    assert outbox.outbox_sweep() == 1

    assert [m.to for m in mail.outbox] == [["abandoned@example.org"]]
    assert status_of(abandoned) == (EmailStatus.SENT, 2)
    assert status_of(held) == (EmailStatus.SENDING, 1)


@pytest.mark.django_db
def test_a_worker_that_outlived_its_lease_cannot_overwrite_the_row(enqueue, settings, time_machine):
    time_machine.move_to(START, tick=False)
    row = enqueue()
    [stale] = outbox.delivery._claim(email_ids=[row.pk])
    time_machine.shift(timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1))
    [current] = outbox.delivery._claim(email_ids=[row.pk])  # another worker takes the row over

    # The first worker wakes up and reports its failure while the second is sending.
    outbox.delivery._finish(stale, smtplib.SMTPServerDisconnected("too late"))
    assert status_of(row) == (EmailStatus.SENDING, 2)
    outbox.delivery._send([current])

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.SENT, 2, "")
    time_machine.shift(timedelta(days=1))
    assert outbox.outbox_sweep() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_rows_whose_lease_ran_out_during_a_batch_are_left_for_the_next_sweep(enqueue, settings, time_machine):
    time_machine.move_to(START, tick=False)
    first, second = enqueue(), enqueue()
    rows = outbox.delivery._claim(limit=2)
    time_machine.shift(timedelta(seconds=settings.OUTBOX_LEASE_SECONDS))

    outbox.delivery._send(rows)

    assert mail.outbox == []
    time_machine.shift(timedelta(seconds=1))
    assert outbox.outbox_sweep() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.to_email, second.to_email])


@pytest.mark.django_db
def test_sweep_sends_due_rows_over_one_connection_and_skips_future_ones(enqueue, counting, time_machine):
    time_machine.move_to(START, tick=False)
    due = [enqueue() for _ in range(3)]
    later = enqueue(send_after=START + timedelta(minutes=5))

    assert outbox.outbox_sweep() == 3

    assert counting.opened == 1
    assert [m.to[0] for m in mail.outbox] == [row.to_email for row in due]
    assert all(status_of(row) == (EmailStatus.SENT, 1) for row in due)
    assert status_of(later) == (EmailStatus.QUEUED, 0)


@pytest.mark.django_db
def test_sweep_works_through_everything_due_in_batches(enqueue, counting, settings):
    settings.OUTBOX_SWEEP_BATCH = 2
    [enqueue() for _ in range(5)]

    assert outbox.outbox_sweep() == 5

    assert counting.opened == 3
    assert len(mail.outbox) == 5
    assert not OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists()


@pytest.mark.django_db
def test_sweep_with_a_limit_takes_only_that_many(enqueue):
    [enqueue() for _ in range(3)]

    assert outbox.outbox_sweep(limit=2) == 2

    assert len(mail.outbox) == 2
    assert OutboundEmail.objects.filter(status=EmailStatus.QUEUED).count() == 1


@pytest.mark.django_db
def test_one_refused_address_does_not_stop_the_rest_of_the_batch(enqueue, settings):
    settings.EMAIL_BACKEND = f"{THIS_MODULE}.RefusingBackend"
    before = enqueue(to_email="before@example.org")
    refused = enqueue(to_email="nobody@bounce.example.org")
    after = enqueue(to_email="after@example.org")

    assert outbox.outbox_sweep() == 3

    assert sorted(m.to[0] for m in mail.outbox) == ["after@example.org", "before@example.org"]
    assert status_of(before) == (EmailStatus.SENT, 1)
    assert status_of(after) == (EmailStatus.SENT, 1)
    assert status_of(refused) == (EmailStatus.QUEUED, 1)
    assert "SMTPRecipientsRefused" in refused.last_error


@pytest.mark.django_db
def test_purge_deletes_sent_rows_past_the_retention_period_only(enqueue, settings, time_machine):
    settings.OUTBOX_KEEP_SENT_DAYS = 90
    time_machine.move_to(START, tick=False)
    old_sent, old_queued = enqueue(), enqueue(send_after=START + timedelta(days=365))
    outbox.outbox_deliver(email_id=old_sent.pk)
    time_machine.shift(timedelta(days=89))
    recent_sent = enqueue()
    outbox.outbox_deliver(email_id=recent_sent.pk)

    time_machine.shift(timedelta(days=2))
    assert outbox.outbox_purge() == 1

    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {old_queued.pk, recent_sent.pk}


# --- Concurrent claimers (each thread has its own database connection) -----------------------


def _in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_claimer_is_skipped_not_waited_for(enqueue, test_redis):
    locked_row, free_row = enqueue(), enqueue()
    locked, release = threading.Event(), threading.Event()
    held = []

    def hold_lock():
        with transaction.atomic():
            held.extend(outbox.delivery._claim(email_ids=[locked_row.pk]))
            locked.set()
            release.wait(10)
            # The other worker gives up its claim: had we waited for its lock, we would now
            # find the row queued again and take it.
            transaction.set_rollback(True)

    holder = _in_thread(hold_lock)
    try:
        assert locked.wait(10), "the other claimer never took its lock"
        started = time.monotonic()
        assert outbox.delivery._claim(email_ids=[locked_row.pk]) == []
        assert outbox.outbox_sweep() == 1
        assert time.monotonic() - started < 5
    finally:
        release.set()
        holder.join(15)

    assert [row.pk for row in held] == [locked_row.pk]
    assert [m.to[0] for m in mail.outbox] == [free_row.to_email]
    assert status_of(free_row) == (EmailStatus.SENT, 1)
    assert status_of(locked_row) == (EmailStatus.QUEUED, 0)  # the holder rolled back


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_row_exactly_once(enqueue, test_redis):
    rows = [enqueue() for _ in range(12)]
    start_together = threading.Barrier(2)
    attempted = []

    def sweep():
        start_together.wait(10)
        count = 0
        while done := outbox.outbox_sweep(limit=1):
            count += done
        attempted.append(count)

    threads = [_in_thread(sweep) for _ in range(2)]
    for thread in threads:
        thread.join(30)

    assert sum(attempted) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row.to_email for row in rows)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 1)}


# --- The broker ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_publishes_a_delivery_task(enqueue, test_redis):
    row = enqueue()

    assert outbox.outbox_schedule(email_id=row.pk) is True

    assert published_deliveries(test_redis) == [("accountability.tasks.outbox_deliver", f"({row.pk},)")]


@pytest.mark.django_db
def test_schedule_returns_false_quickly_when_the_broker_is_unreachable(enqueue, broker_down, caplog):
    caplog.set_level(logging.WARNING, logger="accountability.outbox")
    row = enqueue()

    started = time.monotonic()
    assert outbox.outbox_schedule(email_id=row.pk) is False
    # This runs in the request that committed the email: one refused connection, no retry loop.
    assert time.monotonic() - started < 2

    assert f"outbound email {row.pk} waits for the sweep" in caplog.text


@pytest.mark.django_db
def test_a_commit_with_the_broker_down_keeps_the_row_for_the_sweep(
    enqueue, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = enqueue()

    assert len(callbacks) == 1
    assert status_of(row) == (EmailStatus.QUEUED, 0)
    assert outbox.outbox_sweep() == 1
    assert len(mail.outbox) == 1


# --- Admin -----------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="root@example.org", password="irrelevant-but-long-1")


def _failed(row: OutboundEmail) -> OutboundEmail:
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=EmailStatus.FAILED, attempts=6, last_error="SMTPDataError: (554, b'Rejected')"
    )
    return row


@pytest.mark.django_db
def test_admin_lists_outbound_emails(client, superuser, enqueue):
    enqueue(to_email="listed@example.org")
    admin_sign_in(client, superuser)

    response = client.get(reverse("admin:accountability_outboundemail_changelist"))

    assert response.status_code == 200
    assert "listed@example.org" in response.content.decode()


@pytest.mark.django_db
def test_admin_retry_action_requeues_failed_rows_only(
    client, superuser, enqueue, django_capture_on_commit_callbacks, test_redis
):
    failed = _failed(enqueue())
    sent = enqueue()
    outbox.outbox_deliver(email_id=sent.pk)
    admin_sign_in(client, superuser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accountability_outboundemail_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 email(s) queued again." in response.content.decode()
    assert status_of(failed) == (EmailStatus.QUEUED, 0)
    assert status_of(sent) == (EmailStatus.SENT, 1)
    assert published_deliveries(test_redis) == [("accountability.tasks.outbox_deliver", f"({failed.pk},)")]


@pytest.mark.django_db
def test_admin_change_page_shows_the_email_but_changes_nothing(client, superuser, enqueue):
    row = enqueue(to_email="readonly@example.org")
    admin_sign_in(client, superuser)
    url = reverse("admin:accountability_outboundemail_change", args=[row.pk])

    page = client.get(url)
    posted = client.post(url, {"to_email": "changed@example.org", "status": "sent", "_save": "Save"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "readonly@example.org" in html
    assert 'name="to_email"' not in html
    assert 'name="_save"' not in html
    assert posted.status_code == 403
    assert status_of(row) == (EmailStatus.QUEUED, 0)
    row.refresh_from_db()
    assert row.to_email == "readonly@example.org"
    assert client.get(reverse("admin:accountability_outboundemail_add")).status_code == 403


@pytest.mark.django_db
def test_a_sent_email_whose_link_is_a_key_keeps_no_copy_of_it(member):
    row = emails.password_reset(user=member, url="http://testserver/reset/abc/")

    outbox.outbox_deliver(email_id=row.pk)

    [message] = mail.outbox
    assert "http://testserver/reset/abc/" in message.body  # the person got the link ...
    row.refresh_from_db()
    assert row.status == EmailStatus.SENT
    assert "reset/abc" not in row.body_text + row.body_html  # ... the database keeps none
    assert row.body_text == outbox.REDACTED_BODY


@pytest.mark.django_db
def test_an_ordinary_sent_email_keeps_its_body(member, team):
    row = emails.added_to_team(team=team, user=member, invited_by=None)

    outbox.outbox_deliver(email_id=row.pk)

    row.refresh_from_db()
    assert row.status == EmailStatus.SENT
    assert team.name in row.body_text
