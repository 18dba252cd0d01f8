"""The `sent` marks: written together, not one UPDATE and one commit per email, and a worker that
dies before writing them sends those emails again with the same Message-ID (the crash window
README.md describes)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability import emails, outbox
from accountability.models import EmailStatus, OutboundEmail

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker's process ending (SIGKILL, an out-of-memory kill) between send and mark."""


@pytest.fixture
def reset_emails(member):
    """n queued password-reset emails (their link is a key, so their bodies are blanked once sent)."""

    def _make(n: int) -> list[OutboundEmail]:
        start = OutboundEmail.objects.count()
        return [
            outbox.outbox_enqueue(
                kind="password_reset",
                dedupe_key=f"marks:{start + i}",
                to_email=f"person{start + i}@example.org",
                recipient=member,
                context={"user": member, "url": f"http://testserver/reset/{start + i}/"},
            )
            for i in range(n)
        ]

    return _make


def sweep_statements() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        outbox.outbox_sweep()
    # Inside a test's transaction each commit is a savepoint: those are not counted.
    return [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]


def updates(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith("UPDATE")]


@pytest.mark.django_db(transaction=True)  # claims and marks in transactions of their own, as in a worker
@pytest.mark.parametrize("count", [3, 40])
def test_a_batch_of_sent_rows_costs_the_same_queries_whatever_its_size(reset_emails, settings, count):
    settings.OUTBOX_MARK_SECONDS = 3600  # one mark, when the batch ends
    rows = reset_emails(count)

    statements = sweep_statements()

    # The claim (SELECT ... FOR UPDATE, then UPDATE), one UPDATE marking the batch sent (both
    # transactions told not to wait for the disk), the next claim finding nothing: the same
    # twelve statements for 3 emails or 40.
    assert [sql.split()[0] for sql in statements] == [
        *("BEGIN", "SELECT", "SET", "UPDATE", "COMMIT"),
        *("BEGIN", "SET", "UPDATE", "COMMIT"),
        *("BEGIN", "SELECT", "COMMIT"),
    ], statements
    assert statements.count("SET LOCAL synchronous_commit TO OFF") == 2
    claim, mark = updates(statements)
    assert "\"status\" = 'sending'" in claim
    assert "\"status\" = 'sent'" in mark
    assert len(mail.outbox) == count
    assert set(OutboundEmail.objects.values_list("status", "attempts", "body_html")) == {(EmailStatus.SENT, 1, "")}
    assert {row.pk for row in rows} == set(OutboundEmail.objects.values_list("pk", flat=True))


def test_private_and_ordinary_emails_in_one_batch_are_marked_by_kind(reset_emails, settings, member, team):
    settings.OUTBOX_MARK_SECONDS = 3600
    private = reset_emails(2)
    ordinary = emails.added_to_team(team=team, user=member, invited_by=None)

    assert len(updates(sweep_statements())) == 1 + 2  # the claim; one mark for each kind of row

    for row in private:
        row.refresh_from_db()
        assert (row.status, row.body_text, row.body_html) == (EmailStatus.SENT, outbox.REDACTED_BODY, "")
    ordinary.refresh_from_db()
    assert ordinary.status == EmailStatus.SENT
    assert team.name in ordinary.body_text


def test_marks_are_written_as_the_batch_goes_once_the_interval_has_passed(reset_emails, settings):
    settings.OUTBOX_MARK_SECONDS = 0  # every delivery is past the interval: marked at once
    reset_emails(3)
    seen = []

    original = outbox.delivery._mark_sent

    def mark_and_look(rows):
        original(rows)
        seen.append(OutboundEmail.objects.filter(status=EmailStatus.SENT).count())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox.delivery, "_mark_sent", mark_and_look)
        outbox.outbox_sweep()

    assert seen == [1, 2, 3]


def test_a_worker_killed_before_its_mark_sends_again_with_the_same_message_id(reset_emails, settings, time_machine):
    settings.OUTBOX_MARK_SECONDS = 3600
    time_machine.move_to(START, tick=False)
    rows = reset_emails(3)

    def killed(rows):
        raise Killed

    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        patch.setattr(outbox.delivery, "_mark_sent", killed)
        outbox.outbox_sweep()

    # The server took all three; the database still says a worker holds them.
    assert len(mail.outbox) == 3
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENDING, 1)}
    assert outbox.outbox_sweep() == 0  # nobody takes them while the lease runs

    time_machine.shift(timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1))
    assert outbox.outbox_sweep() == 3

    first, again = mail.outbox[:3], mail.outbox[3:]
    assert [m.to for m in again] == [m.to for m in first] == [[row.to_email] for row in rows]
    # Each copy carries the Message-ID of the first, so a receiver can recognise and drop it.
    ids = [m.message()["Message-ID"] for m in first]
    assert [m.message()["Message-ID"] for m in again] == ids
    assert ids == [outbox.message_id(row) for row in rows]
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(EmailStatus.SENT, 2)}


def test_inside_a_callers_transaction_the_commit_still_waits_for_the_disk(reset_emails):
    """The caller's other writes share that commit: they must stay durable."""
    reset_emails(2)

    statements = sweep_statements()  # the test's transaction is the caller's here

    assert not [sql for sql in statements if "synchronous_commit" in sql]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
