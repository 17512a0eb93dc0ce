"""Thin Celery wrappers: webhook delivery (one attempt, and the periodic sweep), the Idempotency-Key purge."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from cxhub import idempotency, resilience
from cxhub.webhooks import delivery


@shared_task
def deliver_webhook(delivery_id: int, at: str | None = None, manual: bool = False) -> str:
    """Attempt one delivery if it is due. Safe to run twice: the attempt is claimed first, and a
    failure is not a task error (the delivery's own schedule retries it, not Celery)."""
    return delivery.delivery_attempt_due(delivery_id=delivery_id, at=at, manual=manual)


@shared_task
def retry_webhook_deliveries(at: str | None = None) -> dict[str, int]:
    """Beat: the webhook reconciler (cxhub.resilience.webhooks_catch_up): queue due deliveries (first
    tries the broker missed, and retries), abandon the stale ones and purge old events, one bounded
    batch per run."""
    return resilience.webhooks_catch_up(now=delivery.parse_at(at), limit=settings.WEBHOOK_BATCH_SIZE, at=at)


@shared_task
def purge_idempotency_records() -> int:
    """Beat, daily: delete Idempotency-Key records past their lifetime. Safe to run twice or at once
    with another run: each deletes what is still there."""
    return idempotency.idempotency_purge()
