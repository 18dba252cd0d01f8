"""The email outbox: queue inside the caller's transaction, deliver after commit, never twice.

* `outbox_enqueue` renders an email from `templates/emails/<kind>_{subject.txt,body.txt,body.html}`
  and inserts one `OutboundEmail` row in the caller's transaction. Its `dedupe_key` is unique:
  a second call with the same key returns None and writes nothing.
* `outbox_dispatch`: the one path for dispatchers. It skips keys that exist, and a chunk of
  rows goes in with one INSERT, the unique key still deciding, then asks for one sweep.
* After the transaction commits, a Celery task is asked to deliver the row. If the broker is
  unreachable the row simply waits: the beat sweep delivers it later.
* `outbox_deliver` claims a row with `SELECT ... FOR UPDATE SKIP LOCKED`, marks it `sending`
  with a lease, sends it outside the transaction, then marks it `sent`; `outbox_sweep` does so
  for batches, marking a batch's deliveries together (`_send`). A failure is retried with
  exponential back-off; after OUTBOX_MAX_ATTEMPTS the row is `failed` (see the admin). A
  worker that dies mid-send leaves the lease to expire and the sweep takes the row again, with
  the same Message-ID (README.md, "Delivery, and its crash window").
"""

from .delivery import BodyUnreadable, message_id, outbox_deliver, outbox_purge, outbox_retry, outbox_sweep
from .queue import (
    DISPATCH_CHUNK,
    outbox_dispatch,
    outbox_enqueue,
    outbox_existing_keys,
    outbox_schedule,
    outbox_schedule_sweep,
)
from .rendering import REDACTED_BODY, RenderedEmail, email_render, unsubscribe_read, unsubscribe_token

__all__ = [
    "DISPATCH_CHUNK",
    "REDACTED_BODY",
    "BodyUnreadable",
    "RenderedEmail",
    "email_render",
    "message_id",
    "outbox_deliver",
    "outbox_dispatch",
    "outbox_enqueue",
    "outbox_existing_keys",
    "outbox_purge",
    "outbox_retry",
    "outbox_schedule",
    "outbox_schedule_sweep",
    "outbox_sweep",
    "unsubscribe_read",
    "unsubscribe_token",
]
