"""Writing to the outbox: one email in the caller's transaction (`outbox_enqueue`), a
dispatcher's many through the one dispatch path (`outbox_dispatch`), and asking a worker, by
task name, to deliver them."""

import contextlib
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from ..celery import app as celery_app
from ..models import OutboundEmail, User
from ..registry import optional_kinds
from .rendering import _RenderMemo, email_render, unsubscribe_token

logger = logging.getLogger(__name__)


def outbox_existing_keys(keys: Iterable[str]) -> set[str]:
    """Which of these dedupe keys are in the outbox already: dispatchers skip rendering them.

    One query however many keys on PostgreSQL (`= ANY(array)`: a single parameter, where
    `IN (...)` would bind one per key and psycopg stops at 65,535); elsewhere (SQLite in
    development) in chunks of a thousand."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(OutboundEmail._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT dedupe_key FROM {table} WHERE dedupe_key = ANY(%s)", [keys])  # noqa: S608
            return {row[0] for row in cursor.fetchall()}
    found: set[str] = set()
    for i in range(0, len(keys), 1000):
        found.update(
            OutboundEmail.objects.filter(dedupe_key__in=keys[i : i + 1000]).values_list("dedupe_key", flat=True)
        )
    return found


def outbox_enqueue(
    *,
    kind: str,
    dedupe_key: str,
    to_email: str,
    context: dict,
    recipient: User | None = None,
    headers: dict[str, str] | None = None,
    send_after: datetime | None = None,
    schedule: bool = True,
) -> OutboundEmail | None:
    """Write one email to the outbox in the current transaction; None if the key exists, or if
    the recipient turned this optional kind off.

    Optional kinds get a one-click unsubscribe link (in the footer and as List-Unsubscribe with
    List-Unsubscribe-Post, RFC 8058). Called inside `outbox_dispatch`, the row joins the
    dispatch's bulk insert and its sweep; otherwise `schedule=False` leaves delivery to the
    next sweep instead of asking a worker once the transaction commits.
    """
    if recipient is not None and not recipient.is_active:
        # A deactivated (or deleted) person gets no email at all (README, "Leaving").
        return None
    headers = dict(headers or {})
    optional = optional_kinds()
    if kind in optional and recipient is not None:
        if kind in (recipient.email_opt_outs or []):
            return None
        url = settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(user=recipient, kind=kind)])
        context = {**context, "unsubscribe_url": url, "unsubscribe_what": optional[kind].lower()}
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Times in an email read in the recipient's own zone, else the team's the email is about.
    zone = (recipient.time_zone if recipient is not None else "") or getattr(context.get("team"), "time_zone", "")
    with timezone.override(zoneinfo.ZoneInfo(zone) if zone else UTC):
        memo = _memo.get()
        if memo is not None:
            rendered = memo.render(kind=kind, context=context, recipient=recipient, zone=zone)
        else:
            rendered = email_render(kind=kind, context=context)
    row = OutboundEmail(
        kind=kind,
        dedupe_key=dedupe_key[:255],
        to_email=to_email,
        recipient=recipient,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=headers,
        next_attempt_at=send_after or timezone.now(),
    )
    bulk = _bulk.get()
    if bulk is not None:
        # Inserted, or found to exist, when outbox_dispatch's block ends; one sweep delivers it.
        bulk.append(row)
        return row
    if not _insert([row]):
        return None
    if schedule:
        transaction.on_commit(lambda: outbox_schedule(email_id=row.pk))
    return row


_bulk: ContextVar[list[OutboundEmail] | None] = ContextVar("outbox_bulk", default=None)


_memo: ContextVar[_RenderMemo | None] = ContextVar("outbox_memo", default=None)


@contextlib.contextmanager
def outbox_bulk() -> Iterator[list[OutboundEmail]]:
    """For `outbox_dispatch`'s thousands of rows: inside the block `outbox_enqueue` renders its
    row and returns it unsaved; when the block ends they are inserted with one statement, and
    the list this yields holds those actually inserted (a key that exists is skipped, as ever).
    Use it inside the transaction that should commit the rows."""
    pending: list[OutboundEmail] = []
    inserted: list[OutboundEmail] = []
    token = _bulk.set(pending)
    try:
        yield inserted
    finally:
        _bulk.reset(token)
    inserted.extend(_insert(pending))


def _insert(rows: list[OutboundEmail]) -> list[OutboundEmail]:
    """Insert rows, skipping those whose dedupe key exists; returns the rows inserted. Each try
    is a savepoint, so a duplicate key leaves the caller's transaction usable."""
    if len(rows) > 1:
        try:
            with transaction.atomic():
                return OutboundEmail.objects.bulk_create(rows)
        except IntegrityError:
            # Some key exists (usually another dispatcher racing this one): row by row instead.
            for row in rows:
                row.pk = None
                row._state.adding = True
    inserted = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if not OutboundEmail.objects.filter(dedupe_key=row.dedupe_key).exists():
                raise
            continue
        inserted.append(row)
    return inserted


# Task names (accountability/tasks.py): enqueued by name, so this module never imports them.
DELIVER_TASK = "accountability.tasks.outbox_deliver"
SWEEP_TASK = "accountability.tasks.outbox_sweep"


def _send_task(name: str, args: tuple = ()) -> None:
    # One connection attempt: this runs right after a web request's commit, and kombu's pooled
    # connection would keep reconnecting for seconds (retry=False covers only the publish). A
    # fresh connection also never trips over a stale pooled one.
    with celery_app.connection_for_write(transport_options={"max_retries": 0}) as connection:
        celery_app.send_task(name, args, retry=False, connection=connection)


def outbox_schedule(*, email_id: int) -> bool:
    """Ask a worker to deliver the row now. False (and the row waits for the sweep) if the
    broker cannot be reached: an email is never lost because Redis is down."""
    try:
        _send_task(DELIVER_TASK, (email_id,))
    except Exception:  # kombu raises various connection errors; all mean "later"
        logger.warning("Broker unreachable; outbound email %s waits for the sweep", email_id)
        return False
    return True


def outbox_schedule_sweep() -> bool:
    """Ask a worker to run one sweep (after a dispatcher wrote many rows); False if the broker
    is down, and beat's sweep will run anyway."""
    try:
        _send_task(SWEEP_TASK)
    except Exception:
        logger.warning("Broker unreachable; queued emails wait for beat's sweep")
        return False
    return True


# A dispatcher commits its rows this many at a time, each commit asking for a sweep: workers
# deliver the first rows while the next are rendered, and several sweeps share a big batch.
DISPATCH_CHUNK = 500
T = TypeVar("T")


def outbox_dispatch(
    items: Iterable[T],
    *,
    key: Callable[[T], str],
    write: Callable[[T, str], object],
    prepare: Callable[[list[T]], object] | None = None,
    chunk: int = DISPATCH_CHUNK,
) -> int:
    """The one way a dispatcher (reminders, nudges, overdue notes, digests, survey mail) writes
    its emails, and so the one place "never twice" is written.

    `key(item)` gives each email's dedupe key; items whose key is in the outbox already are
    skipped before anything is rendered. For the rest `write(item, key)` calls the app's email
    function (which calls `outbox_enqueue`); each `chunk` of rows goes in with one INSERT in its
    own transaction, which asks for one sweep once it commits. `prepare(items)`, if given, is
    called first with a chunk's new items, to load what their emails need in one query. Should
    another run race this one, the unique key still decides. Returns how many rows were inserted.
    """
    # One look-up for the whole run, so a run with nothing new costs one query whatever the
    # number of items; a later chunk looks again for its own keys, in case a racing run wrote
    # them meanwhile (only the unique key decides, but rendering them would be wasted).
    keyed = [(item, key(item)) for item in items]
    if not keyed:
        return 0
    sent = outbox_existing_keys(k for _, k in keyed)
    new = [(item, k) for item, k in keyed if k not in sent]
    queued = 0
    memo = _memo.set(_RenderMemo())
    try:
        queued = _dispatch_chunks(new, write=write, prepare=prepare, chunk=chunk)
    finally:
        _memo.reset(memo)
    return queued


def _dispatch_chunks(new: list, *, write: Callable, prepare: Callable | None, chunk: int) -> int:
    queued = 0
    for start in range(0, len(new), chunk):
        part = new[start : start + chunk]
        if start:
            again = outbox_existing_keys(k for _, k in part)
            part = [(item, k) for item, k in part if k not in again]
            if not part:
                continue
        if prepare is not None:
            prepare([item for item, _ in part])
        with transaction.atomic():
            with outbox_bulk() as inserted:
                for item, k in part:
                    write(item, k)
            if inserted:
                transaction.on_commit(outbox_schedule_sweep)
        queued += len(inserted)
    return queued
