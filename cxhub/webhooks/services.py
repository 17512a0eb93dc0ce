"""Writes for outgoing webhooks: emit events, manage subscriptions, record delivery attempts.

Emitting is cheap and transactional: the event and its deliveries are rows written in the caller's
transaction, and the HTTP requests go out from Celery after commit. A broker outage never fails the
caller's write; the periodic sweep (`cxhub.tasks.retry_webhook_deliveries`) sends what was missed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from cxhub.webhooks.choices import DeliveryStatus
from cxhub.webhooks.delivery import subscription_switch_off
from cxhub.webhooks.events import ALL_EVENTS, EVENT_TYPES, SUBSCRIBABLE, WEBHOOK_TEST
from cxhub.webhooks.signing import new_secret

logger = logging.getLogger(__name__)


def _queue_deliveries(delivery_ids: list[int]) -> None:
    """One attempt per delivery. The broker unreachable, it stops at the first failure (a warning): the
    deliveries are due in the database, and the sweep queues them once Redis is back."""
    from cxhub.resilience import enqueue
    from cxhub.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        if not enqueue(deliver_webhook, args=(delivery_id,)):
            break


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
            # A lambda, not a partial: a failing robust callback is logged by its __qualname__.
            transaction.on_commit(lambda: _queue_deliveries(ids), robust=True)
    return event


# --- Subscriptions ---------------------------------------------------------------------------------

URL_MAX_LENGTH = 2000


def _clean_url(url: object) -> str:
    if not isinstance(url, str) or not url.strip():
        raise DomainError(_("Enter the URL to send events to."), field="url")
    url = url.strip()
    if len(url) > URL_MAX_LENGTH:
        raise DomainError(_("The URL is too long (at most %(max)d characters).") % {"max": URL_MAX_LENGTH},
                          field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise DomainError(_("Enter a full http:// or https:// URL."), field="url") from None
    return url


def _clean_event_types(event_types: object) -> list[str]:
    if not isinstance(event_types, list | tuple) or not all(isinstance(t, str) for t in event_types):
        raise DomainError(_("Give the event types as a list of names."), field="event_types")
    unknown = sorted({t for t in event_types if t not in SUBSCRIBABLE})
    if unknown:
        raise DomainError(_("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)}, field="event_types")
    if not event_types:
        raise DomainError(_('Choose at least one event type, or "%(all)s" for all.') % {"all": ALL_EVENTS},
                          field="event_types")
    if ALL_EVENTS in event_types:
        return [ALL_EVENTS]
    return sorted(set(event_types))


def _clean_description(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise DomainError(_("The description must be text."), field="description")
    description = description.strip()
    if len(description) > 200:
        raise DomainError(_("The description is too long (at most %(max)d characters).") % {"max": 200},
                          field="description")
    return description


def subscription_create(*, owner: AbstractBaseUser, url: str, event_types: list[str],
                        description: str = "") -> WebhookSubscription:
    """A new active subscription with a fresh secret; `owner` is told by e-mail if it is switched off."""
    return WebhookSubscription.objects.create(
        owner=owner, url=_clean_url(url), event_types=_clean_event_types(event_types),
        description=_clean_description(description),
    )


def subscription_update(*, subscription: WebhookSubscription, url: str | None = None,
                        event_types: list[str] | None = None,
                        description: str | None = None) -> WebhookSubscription:
    """Change what is given (None leaves a field as it is); the secret and health stay."""
    fields = ["updated_at"]
    if url is not None:
        subscription.url = _clean_url(url)
        fields.append("url")
    if event_types is not None:
        subscription.event_types = _clean_event_types(event_types)
        fields.append("event_types")
    if description is not None:
        subscription.description = _clean_description(description)
        fields.append("description")
    subscription.save(update_fields=fields)
    return subscription


def subscription_enable(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """Switch a subscription back on with a clean failure count. Deliveries still inside their retry
    window resume at the next sweep; older ones stay abandoned (redeliver them one by one)."""
    subscription.is_active = True
    subscription.disabled_reason = ""
    subscription.disabled_at = None
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    subscription.save(update_fields=["is_active", "disabled_reason", "disabled_at",
                                     "consecutive_failures", "failing_since", "updated_at"])
    return subscription


@transaction.atomic
def subscription_disable(*, subscription: WebhookSubscription, actor: AbstractBaseUser) -> WebhookSubscription:
    """Switch a subscription off by hand; nothing is sent until it is enabled again."""
    if not subscription.is_active:
        raise ConflictError(_("The subscription is off already."), field="is_active")
    name = actor.get_full_name() or actor.get_username()
    subscription_switch_off(subscription=subscription, reason=f"Disabled by {name}.", now=timezone.now(),
                            notify=False)
    return subscription


def subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """A new secret, in force at once: the receiver must switch to it (the old one stops verifying)."""
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription


@transaction.atomic
def subscription_send_test(*, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a "webhook.test" ping to this subscription only, now, on or off; tried once, never retried,
    and its outcome does not count towards switching the subscription off."""
    now = timezone.now()
    event = WebhookEvent.objects.create(
        type=WEBHOOK_TEST, created_at=now,
        payload={"subscription_id": subscription.pk, "message": "A test event from CX Hub."},
    )
    delivery = WebhookDelivery.objects.create(event=event, subscription=subscription, next_attempt_at=now,
                                              created_at=now)
    transaction.on_commit(lambda: _queue_manual(delivery.pk), robust=True)
    return delivery


def _queue_manual(delivery_id: int) -> None:
    from cxhub.resilience import enqueue
    from cxhub.tasks import deliver_webhook

    enqueue(deliver_webhook, args=(delivery_id,), kwargs={"manual": True})


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Attempt a delivery again now, whatever its status. Inside the event's retry window a failure
    goes back on the retry schedule; after it, a failure leaves the delivery failed."""
    subscription = delivery.subscription
    if not subscription.is_active and delivery.event.type != WEBHOOK_TEST:
        raise ConflictError(_("The subscription is off; enable it before redelivering."), field="subscription")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, updated_at=now)
    transaction.on_commit(lambda: _queue_manual(delivery.pk), robust=True)
    delivery.refresh_from_db()
    return delivery
