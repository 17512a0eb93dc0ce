"""Thin Celery wrappers: webhook delivery (one attempt, and the periodic sweep), the Idempotency-Key purge."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from cxhub import idempotency
from cxhub.webhooks import delivery


@shared_task
def deliver_webhook(delivery_id: int, at: str | None = None, manual: bool = False) -> str:
    """Attempt one delivery if it is due. Safe to run twice: the attempt is claimed first, and a
    failure is not a task error (the delivery's own schedule retries it, not Celery)."""
    return delivery.delivery_attempt_due(delivery_id=delivery_id, at=at, manual=manual)


@shared_task
def retry_webhook_deliveries(at: str | None = None) -> dict[str, int]:
    """Beat: queue due deliveries (first tries the broker missed, and retries), abandon the stale ones
    and purge old events. One bounded batch per run: a full batch leaves the rest to the next tick,
    since the queued attempts claim their deliveries only when a worker runs them."""
    now = delivery.parse_at(at)
    abandoned = delivery.deliveries_abandon_stale(now=now)
    purged = delivery.events_purge(now=now, limit=settings.WEBHOOK_BATCH_SIZE)
    ids = delivery.deliveries_due(now=now, limit=settings.WEBHOOK_BATCH_SIZE)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id, at=at)
    return {"queued": len(ids), "abandoned": abandoned, "purged": purged}


@shared_task
def purge_idempotency_records() -> int:
    """Beat, daily: delete Idempotency-Key records past their lifetime. Safe to run twice or at once
    with another run: each deletes what is still there."""
    return idempotency.idempotency_purge()
