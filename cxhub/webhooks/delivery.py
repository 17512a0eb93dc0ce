"""Delivery attempts: claim a due delivery, POST it signed, record what came back, decide what's next.

An attempt is claimed with a conditional UPDATE that pushes `next_attempt_at` out by a lease, so two
workers (or a retried task and the sweep) never send the same attempt twice; a worker that dies
mid-request leaves the lease to expire and the sweep tries again. The HTTP request runs outside any
transaction. Redirects are never followed and only http(s) targets are contacted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from cxhub.languages import user_language_override
from cxhub.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from cxhub.webhooks.choices import OPEN_STATUSES, DeliveryStatus
from cxhub.webhooks.events import WEBHOOK_TEST
from cxhub.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 1024  # of a response body kept per attempt: enough to read an error message
USER_AGENT = "CX-Hub-Webhooks/1.0"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one HTTP request gave."""

    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is the receiver's answer, recorded as a failure; we never go where it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body: the same bytes on every attempt of every delivery of the event."""
    timestamp = event.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    document = {"id": event.pk, "type": event.type, "timestamp": timestamp, "data": event.payload}
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _excerpt(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST once with the configured timeout; never raises for anything the network or receiver does."""
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(None, "", 0, "Only http and https targets are allowed.")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
    started = time.monotonic()
    status: int | None = None
    excerpt = error = ""
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
            excerpt = _excerpt(response.read(EXCERPT_BYTES))
    except urllib.error.HTTPError as exc:  # any non-2xx answer, redirects included
        status = exc.code
        try:
            excerpt = _excerpt(exc.read(EXCERPT_BYTES))
        except OSError:
            excerpt = ""
        finally:
            exc.close()
        if 300 <= exc.code < 400:
            error = "Redirects are not followed."
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"{type(exc).__name__}: {reason}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    return Outcome(status, excerpt, duration_ms, error)


def parse_at(at: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(at) if at else timezone.now()


def retry_delay(attempt_number: int) -> dt.timedelta:
    """How long after failed attempt `attempt_number` (1-based) the next one is due; the last step repeats."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    return dt.timedelta(seconds=schedule[min(attempt_number, len(schedule)) - 1])


def retry_deadline(event: WebhookEvent) -> dt.datetime:
    return event.created_at + dt.timedelta(hours=settings.WEBHOOK_RETRY_WINDOW_HOURS)


def _lease() -> dt.timedelta:
    # Longer than any one request can take (connect and read each have the timeout).
    return dt.timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)


def delivery_attempt_due(*, delivery_id: int, at: str | None = None, manual: bool = False) -> str:
    """Task entry point: attempt a delivery as of `at` (ISO time, default now)."""
    return delivery_attempt(delivery_id=delivery_id, now=parse_at(at), manual=manual)


def delivery_attempt(*, delivery_id: int, now: dt.datetime, manual: bool = False) -> str:
    """Claim, send and record one attempt. Returns the delivery's new status, or "nothing" when the
    delivery is not due, not open, gone, or its subscription is off (test pings go anyway)."""
    claimable = (WebhookDelivery.objects
                 .filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now)
                 .filter(Q(subscription__is_active=True) | Q(event__type=WEBHOOK_TEST)))
    if not claimable.update(next_attempt_at=now + _lease(), attempts=F("attempts") + 1,
                            updated_at=timezone.now()):
        return "nothing"
    delivery = (WebhookDelivery.objects.select_related("event", "subscription")
                .filter(pk=delivery_id).first())
    if delivery is None:  # deleted with its subscription between the claim and now
        return "nothing"
    event, subscription = delivery.event, delivery.subscription
    body = event_body(event)
    # The signature's timestamp is the real moment of sending (receivers compare it to their clock),
    # even when a sweep runs "as of" another time.
    headers = signed_headers(subscription.secret, event.pk, int(time.time()), body)
    outcome = http_post(subscription.url, body, headers)
    return _record(delivery=delivery, outcome=outcome, now=now, manual=manual)


@transaction.atomic
def _record(*, delivery: WebhookDelivery, outcome: Outcome, now: dt.datetime, manual: bool) -> str:
    event = delivery.event
    is_test = event.type == WEBHOOK_TEST
    retry_at: dt.datetime | None = None
    if outcome.ok:
        status = DeliveryStatus.SUCCEEDED
    elif is_test:
        status = DeliveryStatus.FAILED
    else:
        deadline = retry_deadline(event)
        if now >= deadline:
            status = DeliveryStatus.FAILED if manual else DeliveryStatus.ABANDONED
        else:
            status = DeliveryStatus.RETRYING
            retry_at = min(now + retry_delay(delivery.attempts), deadline)
    if not WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=retry_at, last_status_code=outcome.status_code,
        last_response=outcome.excerpt, last_error=outcome.error, updated_at=timezone.now(),
    ):
        return "nothing"  # deleted with its subscription while the request was out
    WebhookAttempt.objects.create(
        delivery=delivery, number=delivery.attempts, created_at=now, status_code=outcome.status_code,
        response_excerpt=outcome.excerpt, duration_ms=outcome.duration_ms, error=outcome.error,
        succeeded=outcome.ok, manual=manual, retry_at=retry_at,
    )
    if not is_test:
        _record_health(subscription_id=delivery.subscription_id, ok=outcome.ok, now=now)
    return status


def _record_health(*, subscription_id: int, ok: bool, now: dt.datetime) -> None:
    """A success clears the failure run; a failure extends it and may switch the subscription off.

    Off means: at least WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row *and* failing for at
    least WEBHOOK_DISABLE_AFTER_HOURS. Both, so a busy endpoint down for ten minutes (many failures,
    short time) and a quiet one that failed once yesterday (long time, one failure) both stay on.
    """
    subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return
    subscription.last_attempt_at = now
    fields = ["last_attempt_at", "consecutive_failures", "failing_since", "updated_at"]
    if ok:
        subscription.consecutive_failures = 0
        subscription.failing_since = None
        subscription.last_success_at = now
        fields.append("last_success_at")
    else:
        subscription.consecutive_failures += 1
        subscription.failing_since = subscription.failing_since or now
    subscription.save(update_fields=fields)
    if (not ok and subscription.is_active
            and subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
            and now - subscription.failing_since
            >= dt.timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)):
        reason = (f"Disabled automatically after {subscription.consecutive_failures} failed attempts "
                  f"in a row since {subscription.failing_since:%Y-%m-%d %H:%M} UTC.")
        subscription_switch_off(subscription=subscription, reason=reason, now=now, notify=True)


def subscription_switch_off(*, subscription: WebhookSubscription, reason: str, now: dt.datetime,
                            notify: bool) -> None:
    """Stop sending to a subscription; its open deliveries wait (and resume if it is enabled in time)."""
    subscription.is_active = False
    subscription.disabled_reason = reason[:300]
    subscription.disabled_at = now
    subscription.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])
    if notify and subscription.owner.email:
        transaction.on_commit(lambda: _mail_disabled(subscription.pk), robust=True)


def _mail_disabled(subscription_id: int) -> None:
    subscription = (WebhookSubscription.objects.select_related("owner")
                    .filter(pk=subscription_id).first())
    if subscription is None or subscription.is_active or not subscription.owner.email:
        return
    context = {"subscription": subscription, "site_url": settings.SITE_URL.rstrip("/")}
    with user_language_override(subscription.owner):  # the owner's own language, wherever this runs
        subject = render_to_string("cxhub/email/webhook_disabled_subject.txt", context).strip()
        body = render_to_string("cxhub/email/webhook_disabled.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.owner.email])


# --- The sweep -------------------------------------------------------------------------------------


def deliveries_due(*, now: dt.datetime, limit: int) -> list[int]:
    """Ids of open deliveries whose attempt is due (oldest first), on subscriptions that are on."""
    return list(WebhookDelivery.objects
                .filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now, subscription__is_active=True)
                .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


def deliveries_abandon_stale(*, now: dt.datetime) -> int:
    """Open deliveries of switched-off subscriptions past their retry window will never go: abandon."""
    cutoff = now - dt.timedelta(hours=settings.WEBHOOK_RETRY_WINDOW_HOURS)
    stale = WebhookDelivery.objects.filter(
        status__in=OPEN_STATUSES, event__created_at__lte=cutoff,
    ).filter(Q(subscription__is_active=False) | Q(event__type=WEBHOOK_TEST))
    return stale.update(status=DeliveryStatus.ABANDONED, next_attempt_at=None,
                        last_error="The retry window passed.", updated_at=timezone.now())


def events_purge(*, now: dt.datetime, limit: int) -> int:
    """Delete up to `limit` events (with their deliveries and attempts) older than the retention."""
    cutoff = now - dt.timedelta(days=settings.WEBHOOK_EVENT_RETENTION_DAYS)
    ids = list(WebhookEvent.objects.filter(created_at__lt=cutoff).order_by("created_at")
               .values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    WebhookEvent.objects.filter(pk__in=ids).delete()
    return len(ids)
