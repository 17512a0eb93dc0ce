"""Writes for outgoing webhooks: emit events, manage subscriptions, record delivery attempts.

Emitting is cheap and transactional: the event and its deliveries are rows written in the caller's
transaction, and the HTTP requests go out from Celery after commit. A broker outage never fails the
caller's write; the periodic sweep (`cxhub.tasks.retry_webhook_deliveries`) sends what was missed.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from cxhub.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from cxhub.webhooks.events import EVENT_TYPES, WEBHOOK_TEST

logger = logging.getLogger(__name__)


def _queue_deliveries(delivery_ids: list[int]) -> None:
    from cxhub.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


def event_emit(event_type: str, data: dict[str, Any]) -> WebhookEvent:
    """Store an event and one pending delivery per active subscription that wants it.

    Call it inside the transaction that makes the change, so the event exists exactly when the change
    does. The deliveries are queued after commit; `data` must be JSON-serialisable and small (ids,
    statuses, timestamps), since it is stored and sent as is.
    """
    if event_type not in EVENT_TYPES and event_type != WEBHOOK_TEST:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    # No savepoint when the caller's transaction is open: two fewer queries on every ticket change.
    with transaction.atomic(savepoint=False):
        event = WebhookEvent.objects.create(type=event_type, payload=data, created_at=timezone.now())
        # Few subscriptions, and JSON list containment is not portable to SQLite: filter in Python.
        subscriptions = [sub for sub in WebhookSubscription.objects.filter(is_active=True)
                         .only("id", "event_types") if sub.wants(event_type)]
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, subscription=sub, next_attempt_at=event.created_at,
                            created_at=event.created_at)
            for sub in subscriptions
        )
        ids = [delivery.pk for delivery in deliveries]
        if ids:
            # robust: a broker outage must not turn a committed write into an error; the sweep catches up.
            transaction.on_commit(partial(_queue_deliveries, ids), robust=True)
    return event
