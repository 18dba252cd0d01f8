"""End to end: a service commits an email, a real Celery worker (consuming from the tests' Redis
database) delivers it to a real SMTP server on loopback. Waits poll the database with deadlines.
"""

import json
import logging
import time
from datetime import datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accountability import services, tasks
from accountability.models import EmailStatus, OutboundEmail, Role
from accountability.outbox import REDACTED_BODY

from ..smtp import LoopbackSMTP, use_smtp_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

INVITEE = "new.person@example.org"


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    """Starting a worker sets the root logger to ERROR for the rest of the process, which would
    hide warnings from later tests' caplog."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


def wait_until(probe, *, timeout: float = 20, what: str = "the condition"):
    """Poll `probe()` until it returns something truthy, and return that; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
    return result


def wait_for_row(predicate, *, timeout: float = 20) -> OutboundEmail:
    """The single outbox row, once `predicate(row)` holds."""

    def probe():
        row = OutboundEmail.objects.get()
        return row if predicate(row) else None

    return wait_until(probe, timeout=timeout, what="the outbox row")


def task_messages(redis_client) -> list[dict]:
    """Headers of the task messages in the broker: queued, or held unacknowledged by a worker."""
    queued = [json.loads(raw) for raw in redis_client.lrange("celery", 0, -1)]
    held = [json.loads(raw)[0] for raw in redis_client.hvals("unacked")]
    return [message["headers"] for message in queued + held]


def invite(team, manager):
    """The normal path: a service writes the invitation and its email in one transaction; the
    commit asks the broker for a delivery."""
    result = services.invitation_send(team=team, email=INVITEE, role=Role.MEMBER, invited_by=manager)
    assert result.invitation is not None
    return result


def test_a_worker_delivers_a_committed_email_to_the_smtp_server(test_redis, celery_worker, smtp_server, team, manager):
    invite(team, manager)

    row = wait_for_row(lambda row: row.status == EmailStatus.SENT)

    [message] = smtp_server.wait_for(1)
    assert message["To"] == INVITEE
    assert message["Subject"] == "Mona Manager invited you to Platform on Check-ins"
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    text, html = (parts[kind].replace("\r\n", "\n").strip() for kind in ("text/plain", "text/html"))
    assert "http://testserver/invite/" in text
    assert "http://testserver/invite/" in html
    # Once delivered, the private link is not kept in the database.
    assert "/invite/" not in row.body_text + row.body_html
    assert row.body_text == REDACTED_BODY
    assert (row.attempts, row.last_error) == (1, "")
    assert row.sent_at is not None
    assert smtp_server.attempts == 1  # one delivery, not one per task or sweep


def test_a_refusing_smtp_server_puts_the_row_back_in_the_queue(test_redis, celery_worker, settings, team, manager):
    with LoopbackSMTP(reply="451 4.3.0 Try again later") as server:
        use_smtp_server(settings, server)
        before = timezone.now()

        invite(team, manager)

        row = wait_for_row(lambda row: row.attempts == 1 and row.status == EmailStatus.QUEUED)
        assert server.attempts == 1
        assert server.envelopes == []
    assert row.last_error.startswith("SMTPDataError: (451")
    assert row.sent_at is None
    # Back-off: the first retry is a minute away, and the task asked the broker for it.
    assert before + timedelta(seconds=60) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    [retry] = wait_until(
        lambda: [h for h in task_messages(test_redis) if h.get("eta")], timeout=5, what="the retry's task"
    )
    assert (retry["task"], retry["argsrepr"]) == ("accountability.tasks.outbox_deliver", f"({row.pk},)")
    assert datetime.fromisoformat(retry["eta"]) == row.next_attempt_at


def test_an_email_committed_while_the_broker_was_down_is_delivered_by_the_sweep(
    test_redis, broker_down, celery_app, smtp_server, team, manager, caplog
):
    caplog.set_level(logging.WARNING, logger="accountability.outbox")
    invite(team, manager)  # the commit's delivery request cannot reach the broker

    row = OutboundEmail.objects.get()
    assert f"outbound email {row.pk} waits for the sweep" in caplog.text
    assert test_redis.llen("celery") == 0

    broker_down.restore()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=("celery",)):
        tasks.outbox_sweep.delay()
        row = wait_for_row(lambda row: row.status == EmailStatus.SENT)

    [message] = smtp_server.wait_for(1)
    assert message["To"] == INVITEE
    assert row.attempts == 1
    assert smtp_server.attempts == 1
