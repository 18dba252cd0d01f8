"""The email outbox: queue inside the caller's transaction, deliver after commit, never twice.

* `outbox_enqueue` renders an email from `templates/emails/<kind>_{subject.txt,body.txt,body.html}`
  and inserts one `OutboundEmail` row in the caller's transaction. Its `dedupe_key` is unique:
  a second call with the same key returns None and writes nothing.
* `outbox_dispatch`: the one path for dispatchers. It skips keys that exist, and a chunk of
  rows goes in with one INSERT, the unique key still deciding, then asks for one sweep.
* After the transaction commits, a Celery task is asked to deliver the row. If the broker is
  unreachable the row simply waits: the beat sweep delivers it later.
* `outbox_deliver` claims a row with `SELECT ... FOR UPDATE SKIP LOCKED`, marks it `sending`
  with a lease, sends it outside the transaction, then marks it `sent`. A failure is retried
  with exponential back-off; after OUTBOX_MAX_ATTEMPTS the row is `failed` (see the admin).
  A worker that dies mid-send leaves the lease to expire and the sweep takes the row again.
"""

import contextlib
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from .celery import app as celery_app
from .models import EmailStatus, OutboundEmail, User
from .registry import is_private_link_kind, optional_kinds
from .sealing import UNREADABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_render(*, kind: str, context: dict) -> RenderedEmail:
    """The subject and text part are plain text, rendered without HTML escaping (the "text"
    template engine): a name like "Siobhán O'Brien & Co" arrives as written. The HTML part is
    escaped as ever."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    subject = render_to_string(f"emails/{kind}_subject.txt", context, using="text")
    # A header injection or a stray newline from a template must not break the message.
    subject = " ".join(subject.split())[:255]
    text = render_to_string(f"emails/{kind}_body.txt", context, using="text").strip() + "\n"
    if context.get("unsubscribe_url"):
        text += f"\n--\nTo stop receiving {context['unsubscribe_what']}: {context['unsubscribe_url']}\n"
    return RenderedEmail(
        subject=subject,
        body_text=text,
        body_html=render_to_string(f"emails/{kind}_body.html", context),
    )


UNSUBSCRIBE_SALT = "accountability.unsubscribe"

# Emails whose link is itself a key (registered with private_link=True) have their bodies
# blanked once sent. Until then they are sealed like every body (models.OutboundEmail) and
# never shown in the admin.
REDACTED_BODY = "(Sent. The body held a private link and was removed after delivery.)\n"


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; raises signing.BadSignature. No expiry: an old email's
    link must keep working."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data.get("k") not in optional_kinds():
        raise signing.BadSignature("unknown kind")
    return int(data["u"]), data["k"]


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


# Stand-ins for what differs between the recipients of alike emails (see _RenderMemo).
_NAME, _EMAIL, _UNSUBSCRIBE = "\ue000name\ue001", "\ue000email\ue001", "\ue000unsubscribe\ue001"


class _RenderMemo:
    """Within one dispatch, emails of a kind whose contexts differ only in their recipient (the
    same team, week and links to a thousand members) render their text and HTML parts once,
    with stand-ins for the recipient's name, address and unsubscribe link, which are then put
    in, escaped as the template would have (the subject is rendered for each, as ever).

    Exactness is checked, not assumed: the second email of each group is rendered in full as
    well, and if the two differ in any way (a template filtering the name, say), that group
    renders every email in full."""

    def __init__(self) -> None:
        # A group's first email is rendered alone (most groups are one email: a digest); at
        # its second, the stand-in parts are rendered and checked; from its third on, used.
        self.groups: dict[tuple, tuple[str, str, str] | None] = {}
        self.seen: set[tuple] = set()

    def render(self, *, kind: str, context: dict, recipient: User | None, zone: str) -> RenderedEmail:
        key = self._key(kind, context, recipient, zone)
        if recipient is None or key not in self.seen:
            self.seen.add(key)
            return email_render(kind=kind, context=context)
        if key not in self.groups:
            full = email_render(kind=kind, context=context)
            parts = self._parts(kind, context, recipient)
            subject_alike = parts[0] == full.subject or any(s in parts[0] for s in (_NAME, _EMAIL, _UNSUBSCRIBE))
            exact = subject_alike and self._fill(parts[1:], context, recipient) == (full.body_text, full.body_html)
            self.groups[key] = parts if exact else None
            return full
        parts = self.groups[key]
        if parts is None:
            return email_render(kind=kind, context=context)
        subject, text, html = parts
        if any(stand_in in subject for stand_in in (_NAME, _EMAIL, _UNSUBSCRIBE)):
            context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
            subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context, using="text").split())[:255]
        text, html = self._fill((text, html), context, recipient)
        return RenderedEmail(subject=subject, body_text=text, body_html=html)

    @staticmethod
    def _key(kind: str, context: dict, recipient: User | None, zone: str) -> tuple:
        items = []
        for name, value in sorted(context.items()):
            if value is recipient:
                value = "<recipient>"
            elif name == "unsubscribe_url":
                value = "<unsubscribe>"
            else:
                try:
                    hash(value)
                except TypeError:
                    value = ("<object>", id(value))
            items.append((name, value))
        return (kind, zone, tuple(items))

    @staticmethod
    def _parts(kind: str, context: dict, recipient: User) -> tuple[str, str, str]:
        stand_in = User(pk=recipient.pk, email=_EMAIL, display_name=_NAME, time_zone=recipient.time_zone)
        context = {name: stand_in if value is recipient else value for name, value in context.items()}
        if "unsubscribe_url" in context:
            context["unsubscribe_url"] = _UNSUBSCRIBE
        rendered = email_render(kind=kind, context=context)
        return rendered.subject, rendered.body_text, rendered.body_html

    @staticmethod
    def _fill(parts: tuple[str, str], context: dict, recipient: User) -> tuple[str, str]:
        values = {_NAME: recipient.name, _EMAIL: recipient.email, _UNSUBSCRIBE: context.get("unsubscribe_url", "")}
        text, html = parts
        for stand_in, value in values.items():
            text = text.replace(stand_in, value)
            html = html.replace(stand_in, str(escape(value)))
        return text, html


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


def _message(row: OutboundEmail, connection) -> EmailMultiAlternatives:
    if UNREADABLE in (row.body_text, row.body_html):
        raise BodyUnreadable("sealed with a SECRET_KEY no longer configured; add the old key to SECRET_KEY_FALLBACKS")
    msg = EmailMultiAlternatives(
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


def _finish(row: OutboundEmail, error: Exception | None) -> None:
    now = timezone.now()
    # Only the holder of the lease may finish the row: a worker that outlived its lease must
    # not overwrite a row another worker has since taken.
    mine = OutboundEmail.objects.filter(pk=row.pk, status=EmailStatus.SENDING, attempts=row.attempts)
    if error is None:
        fields = {"status": EmailStatus.SENT, "sent_at": now, "claimed_until": None, "last_error": ""}
        if is_private_link_kind(row.kind):
            # Once delivered, a link that acts as a key (to join, reset a password, or answer a
            # survey) has no business staying readable in the database.
            fields.update(body_text=REDACTED_BODY, body_html="")
            row.body_text, row.body_html = REDACTED_BODY, ""
        mine.update(**fields)
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
