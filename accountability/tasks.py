"""Celery adapters for the outbox: they take ids and call the outbox functions."""

from celery import shared_task

from . import outbox, services


@shared_task(name="accountability.tasks.outbox_deliver")
def outbox_deliver_task(email_id: int) -> str | None:
    row = outbox.outbox_deliver(email_id=email_id)
    if row is not None and row.status == "queued":
        # Failed and due for a retry: come back when the back-off ends (the sweep would too).
        outbox_deliver_task.apply_async((email_id,), eta=row.next_attempt_at)
    return row.status if row else None


@shared_task(name="accountability.tasks.outbox_sweep")
def outbox_sweep() -> int:
    return outbox.outbox_sweep()


@shared_task(name="accountability.tasks.outbox_purge")
def outbox_purge() -> int:
    return outbox.outbox_purge()


@shared_task(name="accountability.tasks.commitments_overdue_dispatch")
def commitments_overdue_dispatch() -> int:
    return services.commitments_overdue_dispatch()


@shared_task(name="accountability.tasks.data_export_build")
def data_export_build(export_id: int) -> str | None:
    export = services.data_export_build(export_id=export_id)
    return export.status if export else None


@shared_task(name="accountability.tasks.retention_purge")
def retention_purge() -> dict[str, int]:
    return services.retention_purge()
