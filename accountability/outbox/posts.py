"""Outbox rows that are not emails: HTTP POSTs (webhooks, chat messages) written by an app in
the caller's transaction, delivered by the same claims, retries and sweep as every email, and
sent by the sender the app registered for their transport (accountability.registry)."""

from django.db import transaction
from django.utils import timezone

from ..models import OutboundEmail, Transport
from .queue import _insert, outbox_existing_keys, outbox_schedule, outbox_schedule_sweep

# Past this many rows at once a single sweep is asked for, not one task per row.
SCHEDULE_EACH_UP_TO = 20


def outbox_post_row(
    *,
    kind: str,
    dedupe_key: str,
    url: str,
    body: str,
    target_ref: str,
    subject: str = "",
    headers: dict[str, str] | None = None,
    transport: str = Transport.HTTP,
) -> OutboundEmail:
    """An unsaved row for `outbox_post`: `body` is sent as it is (JSON text), `headers` with it."""
    return OutboundEmail(
        kind=kind,
        transport=transport,
        dedupe_key=dedupe_key[:255],
        target_url=url,
        target_ref=target_ref[:64],
        subject=subject[:255],
        body_text=body,
        headers=dict(headers or {}),
        next_attempt_at=timezone.now(),
    )


def outbox_post(rows: list[OutboundEmail]) -> list[OutboundEmail]:
    """Insert rows (one statement; those whose dedupe key exists are skipped) in the current
    transaction, and ask a worker to deliver them once it commits. Returns the rows inserted."""
    if not rows:
        return []
    existing = outbox_existing_keys(row.dedupe_key for row in rows)
    rows = [row for row in rows if row.dedupe_key not in existing]
    inserted = _insert(rows) if rows else []
    if 0 < len(inserted) <= SCHEDULE_EACH_UP_TO:
        for row in inserted:
            transaction.on_commit(lambda pk=row.pk: outbox_schedule(email_id=pk))
    elif inserted:
        transaction.on_commit(outbox_schedule_sweep)
    return inserted
