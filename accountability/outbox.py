"""The email outbox: queue inside the caller's transaction, deliver after commit, never twice.

* `outbox_enqueue` renders an email from `templates/emails/<kind>_{subject.txt,body.txt,body.html}`
  and inserts one `OutboundEmail` row in the caller's transaction. Its `dedupe_key` is unique:
  a second call with the same key returns None and writes nothing.
* After the transaction commits, a Celery task is asked to deliver the row. If the broker is
  unreachable the row simply waits: the beat sweep delivers it later.
* `outbox_deliver` claims a row with `SELECT ... FOR UPDATE SKIP LOCKED`, marks it `sending`
  with a lease, sends it outside the transaction, then marks it `sent`. A failure is retried
  with exponential back-off; after OUTBOX_MAX_ATTEMPTS the row is `failed` (see the admin).
  A worker that dies mid-send leaves the lease to expire and the sweep takes the row again.
"""

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailStatus, OutboundEmail, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_render(*, kind: str, context: dict) -> RenderedEmail:
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    subject = render_to_string(f"emails/{kind}_subject.txt", context)
    # A header injection or a stray newline from a template must not break the message.
    subject = " ".join(subject.split())[:255]
    return RenderedEmail(
        subject=subject,
        body_text=render_to_string(f"emails/{kind}_body.txt", context).strip() + "\n",
        body_html=render_to_string(f"emails/{kind}_body.html", context),
    )


def outbox_enqueue(
    *,
    kind: str,
    dedupe_key: str,
    to_email: str,
    context: dict,
    recipient: User | None = None,
    headers: dict[str, str] | None = None,
    send_after: datetime | None = None,
) -> OutboundEmail | None:
    """Write one email to the outbox in the current transaction; None if the key exists."""
    rendered = email_render(kind=kind, context=context)
    row = OutboundEmail(
        kind=kind,
        dedupe_key=dedupe_key[:255],
        to_email=to_email,
        recipient=recipient,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=headers or {},
        next_attempt_at=send_after or timezone.now(),
    )
    try:
        # A savepoint, so a duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        if not OutboundEmail.objects.filter(dedupe_key=row.dedupe_key).exists():
            raise
        return None
    transaction.on_commit(lambda: outbox_schedule(email_id=row.pk))
    return row


def outbox_schedule(*, email_id: int) -> bool:
    """Ask a worker to deliver the row now. False (and the row waits for the sweep) if the
    broker cannot be reached: an email is never lost because Redis is down."""
    from .tasks import outbox_deliver_task  # the task module imports this one

    try:
        # One connection attempt: this runs right after a web request's commit, and kombu's
        # pooled connection would keep reconnecting for seconds (retry=False covers only the
        # publish). A fresh connection also never trips over a stale pooled one.
        with outbox_deliver_task.app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            outbox_deliver_task.apply_async((email_id,), retry=False, connection=connection)
    except Exception:  # kombu raises various connection errors; all mean "later"
        logger.warning("Broker unreachable; outbound email %s waits for the sweep", email_id)
        return False
    return True


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _claimable() -> Q:
    now = timezone.now()
    return Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now) | Q(status=EmailStatus.SENDING, claimed_until__lt=now)


def _claim(*, email_ids: Iterable[int] | None = None, limit: int = 1) -> list[OutboundEmail]:
    now = timezone.now()
    with transaction.atomic():
        qs = OutboundEmail.objects.filter(_claimable())
        if email_ids is not None:
            qs = qs.filter(pk__in=list(email_ids))
        rows = list(qs.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)[:limit])
        if not rows:
            return []
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
        for row in rows:
            row.status = EmailStatus.SENDING
            row.attempts += 1
            row.claimed_until = lease
        OutboundEmail.objects.bulk_update(rows, ["status", "attempts", "claimed_until"])
    return rows


def _message(row: OutboundEmail, connection) -> EmailMultiAlternatives:
    msg = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers=row.headers or None,
        connection=connection,
    )
    if row.body_html:
        msg.attach_alternative(row.body_html, "text/html")
    return msg


def _finish(row: OutboundEmail, error: Exception | None) -> None:
    now = timezone.now()
    # Only the holder of the lease may finish the row: a worker that outlived its lease must
    # not overwrite a row another worker has since taken.
    mine = OutboundEmail.objects.filter(pk=row.pk, status=EmailStatus.SENDING, attempts=row.attempts)
    if error is None:
        mine.update(status=EmailStatus.SENT, sent_at=now, claimed_until=None, last_error="")
        row.status = EmailStatus.SENT
        return
    message = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
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
    """Send claimed rows over one connection, recording each outcome as it happens."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        for row in rows:
            _finish(row, exc)
        return
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
                _finish(row, None)
    finally:
        with contextlib.suppress(Exception):
            connection.close()


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
