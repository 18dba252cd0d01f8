"""Delivering the outbox: claim rows with SKIP LOCKED under a lease, send a batch over one
connection, mark what was sent in groups, retry failures with back-off (see the package's
docstring and README.md, "Delivery, and its crash window")."""

import contextlib
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from email.policy import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import EmailStatus, OutboundEmail, Transport
from ..registry import DeliveryRefused, is_private_link_kind, transport_sender
from ..sealing import UNREADABLE
from .queue import outbox_schedule
from .rendering import REDACTED_BODY

logger = logging.getLogger(__name__)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _claimable() -> Q:
    now = timezone.now()
    return Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now) | Q(status=EmailStatus.SENDING, claimed_until__lt=now)


def _own_transaction() -> bool:
    return not transaction.get_connection().in_atomic_block


def _commit_without_waiting() -> None:
    """The current transaction's commit does not wait for PostgreSQL to flush it to disk. Only
    for claims and marks in a transaction of their own (never a caller's, whose other writes
    must be durable): should the database crash and lose its last fraction of a second, the
    rows concerned are sent again with the same Message-ID, never lost (PostgreSQL loses a
    suffix, never a claim while keeping a later mark)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim(*, email_ids: Iterable[int] | None = None, limit: int = 1) -> list[OutboundEmail]:
    now = timezone.now()
    own = _own_transaction()
    with transaction.atomic():
        qs = OutboundEmail.objects.filter(_claimable())
        if email_ids is not None:
            qs = qs.filter(pk__in=list(email_ids))
        rows = list(qs.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)[:limit])
        if not rows:
            return []
        if own:
            _commit_without_waiting()
        # A row whose every attempt ended with its worker dead (a lease that ran out) must not
        # come back forever: past the limit it is failed, for a person to look at.
        exhausted = [row for row in rows if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS]
        if exhausted:
            OutboundEmail.objects.filter(pk__in=[row.pk for row in exhausted]).update(
                status=EmailStatus.FAILED,
                claimed_until=None,
                last_error="The worker stopped while sending, on every attempt.",
            )
        rows = [row for row in rows if row.attempts < settings.OUTBOX_MAX_ATTEMPTS]
        lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        # One UPDATE for the batch (bulk_update's CASE per row costs more than the sending).
        OutboundEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=EmailStatus.SENDING, attempts=F("attempts") + 1, claimed_until=lease
        )
        for row in rows:
            row.status = EmailStatus.SENDING
            row.attempts += 1
            row.claimed_until = lease
    return rows


def message_id(row: OutboundEmail) -> str:
    """The same on every attempt: should a worker die after the server took a message but
    before marking it sent, the copy the retry sends is one a receiver can recognise and drop."""
    return f"<outbox.{row.pk}.{row.created_at:%Y%m%d%H%M%S}@{DNS_NAME}>"


class BodyUnreadable(Exception):
    """The body was sealed with a key this process no longer has."""


class _Headers(Compat32):
    """Compat32 (Django's policy) runs every header through email.header.Header, even a short
    printable ASCII one that needs no folding nor encoding: most of the time spent building a
    message. Those are written as they are, which is what Header would have written; anything
    else goes the long way."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and len(name) + len(value) + 2 <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_HEADERS = _Headers()


class OutboxMessage(EmailMultiAlternatives):
    def message(self):
        msg = super().message()
        msg.policy = _HEADERS
        if msg.is_multipart():
            # Else the generator picks a boundary and compiles a regular expression per message
            # to check the text does not hold it; a random one of 96 bits cannot be guessed, and
            # is short enough for the header to need no folding.
            msg.set_boundary(f"=_{secrets.token_hex(12)}")
        return msg


def _message(row: OutboundEmail, connection) -> EmailMultiAlternatives:
    if UNREADABLE in (row.body_text, row.body_html):
        raise BodyUnreadable("sealed with a SECRET_KEY no longer configured; add the old key to SECRET_KEY_FALLBACKS")
    msg = OutboxMessage(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers={**(row.headers or {}), "Message-ID": message_id(row)},
        connection=connection,
    )
    if row.body_html:
        msg.attach_alternative(row.body_html, "text/html")
    return msg


def _mark_sent(rows: list[OutboundEmail]) -> None:
    """Mark delivered rows `sent`: one UPDATE per group of rows alike (attempts, private link)
    rather than one UPDATE and one commit per email, which cost more than the sending."""
    now = timezone.now()
    groups: dict[tuple[int, bool], list[int]] = {}
    for row in rows:
        private = is_private_link_kind(row.kind)
        groups.setdefault((row.attempts, private), []).append(row.pk)
        row.status = EmailStatus.SENT
        if private:
            row.body_text, row.body_html = REDACTED_BODY, ""
    own = _own_transaction()
    with transaction.atomic():
        if own:
            _commit_without_waiting()
        for (attempts, private), pks in groups.items():
            fields = {"status": EmailStatus.SENT, "sent_at": now, "claimed_until": None, "last_error": ""}
            if private:
                # Once delivered, a link that acts as a key (to join, reset a password, or answer
                # a survey) has no business staying readable in the database.
                fields.update(body_text=REDACTED_BODY, body_html="")
            # Only the holder of the lease may finish a row (see _finish).
            OutboundEmail.objects.filter(pk__in=pks, status=EmailStatus.SENDING, attempts=attempts).update(**fields)


def _finish(row: OutboundEmail, error: Exception | None) -> None:
    if error is None:
        _mark_sent([row])
        return
    now = timezone.now()
    # Only the holder of the lease may finish the row: a worker that outlived its lease must
    # not overwrite a row another worker has since taken.
    mine = OutboundEmail.objects.filter(pk=row.pk, status=EmailStatus.SENDING, attempts=row.attempts)
    message = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS or isinstance(error, DeliveryRefused):
        mine.update(status=EmailStatus.FAILED, claimed_until=None, last_error=message)
        row.status = EmailStatus.FAILED
        logger.error("Outbound email %s failed for good after %s attempts: %s", row.pk, row.attempts, message)
    else:
        row.next_attempt_at = now + _retry_delay(row.attempts)
        mine.update(
            status=EmailStatus.QUEUED, claimed_until=None, last_error=message, next_attempt_at=row.next_attempt_at
        )
        row.status = EmailStatus.QUEUED
        logger.warning(
            "Outbound email %s attempt %s failed, retry at %s: %s", row.pk, row.attempts, row.next_attempt_at, message
        )


def _send(rows: list[OutboundEmail]) -> None:
    """Send claimed rows: emails over one SMTP connection (`_send_emails`), the others through
    their transport's registered sender (`_send_others`)."""
    others = [row for row in rows if row.transport != Transport.EMAIL]
    if others:
        _send_others(others)
        rows = [row for row in rows if row.transport == Transport.EMAIL]
    if rows:
        _send_emails(rows)


def _send_others(rows: list[OutboundEmail]) -> None:
    """Each row through the sender its app registered for its transport (an HTTP POST: signed,
    its address checked). A failure is recorded at once, a delivery marked sent with the rest."""
    delivered: list[OutboundEmail] = []
    try:
        for row in rows:
            if row.claimed_until and timezone.now() >= row.claimed_until:
                continue  # our lease ran out (see _send_emails)
            send = transport_sender(row.transport)
            try:
                if send is None:
                    raise DeliveryRefused(f"no sender is registered for the {row.transport!r} transport")
                if UNREADABLE in (row.body_text, row.target_url):
                    raise BodyUnreadable("sealed with a SECRET_KEY no longer configured")
                send(row)
            except Exception as exc:
                _finish(row, exc)
            else:
                delivered.append(row)
    finally:
        if delivered:
            _mark_sent(delivered)


def _send_emails(rows: list[OutboundEmail]) -> None:
    """Send claimed emails over one connection. A failure is recorded at once; deliveries are
    marked `sent` together, every OUTBOX_MARK_SECONDS and when the batch ends. Should the worker
    die in between, those rows keep their lease and are sent again once it runs out, with the
    same Message-ID: the crash window is one mark interval, at most one batch."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        for row in rows:
            _finish(row, exc)
        return
    delivered: list[OutboundEmail] = []
    marked_at = time.monotonic()
    try:
        for row in rows:
            if row.claimed_until and timezone.now() >= row.claimed_until:
                # Our lease ran out while earlier rows were sent; another worker may hold this
                # row now, so leave it rather than risk a second copy.
                continue
            try:
                _message(row, connection).send()
            except Exception as exc:
                _finish(row, exc)
                # A broken connection would fail every following message the same way. If it
                # cannot be reopened, the next send tries once more and records its own error.
                with contextlib.suppress(Exception):
                    connection.close()
                    connection.open()
            else:
                delivered.append(row)
                if time.monotonic() - marked_at >= settings.OUTBOX_MARK_SECONDS:
                    _mark_sent(delivered)
                    delivered, marked_at = [], time.monotonic()
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        if delivered:
            _mark_sent(delivered)


def outbox_deliver(*, email_id: int) -> OutboundEmail | None:
    """Deliver one row if it is due and nobody else holds it; returns the row, or None."""
    rows = _claim(email_ids=[email_id])
    if not rows:
        return None
    _send(rows)
    return rows[0]


def outbox_sweep(*, limit: int | None = None) -> int:
    """Deliver everything due, in batches; returns how many rows were attempted."""
    batch = limit or settings.OUTBOX_SWEEP_BATCH
    done = 0
    while True:
        rows = _claim(limit=batch)
        if not rows:
            return done
        _send(rows)
        done += len(rows)
        if limit is not None:
            return done


def outbox_retry(*, email_ids: Iterable[int]) -> int:
    """Put failed rows back in the queue (admin action); attempts start again."""
    with transaction.atomic():
        failed = OutboundEmail.objects.select_for_update().filter(pk__in=list(email_ids), status=EmailStatus.FAILED)
        ids = list(failed.values_list("pk", flat=True))
        OutboundEmail.objects.filter(pk__in=ids).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
        )
    for email_id in ids:
        transaction.on_commit(lambda email_id=email_id: outbox_schedule(email_id=email_id))
    return len(ids)


def outbox_purge(*, older_than_days: int | None = None) -> int:
    """Delete sent rows past the retention period: an email's content is not kept forever."""
    days = older_than_days if older_than_days is not None else settings.OUTBOX_KEEP_SENT_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutboundEmail.objects.filter(status=EmailStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted
