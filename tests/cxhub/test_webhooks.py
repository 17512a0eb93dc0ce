"""Outgoing webhooks end to end: events become signed deliveries, retried on a schedule, logged.

The receiver is a real HTTP server on 127.0.0.1 (tests/cxhub/webhook_receiver.py). Retries are driven
by calling the sweep "as of" a chosen time, never by waiting.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from cxhub.tasks import deliver_webhook, retry_webhook_deliveries
from cxhub.webhooks import events
from cxhub.webhooks.delivery import http_post
from cxhub.webhooks.services import (
    delivery_redeliver,
    event_emit,
    subscription_create,
    subscription_enable,
    subscription_send_test,
)
from cxhub.webhooks.signing import WebhookVerificationError, new_secret, verify_signature
from feedback.services import response_submit
from tests.cxhub.webhook_receiver import Receiver
from tests.feedback.factories import make_survey
from tests.tickets.factories import make_ticket
from tickets.services import ticket_resolve, ticket_set_priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """event_emit as a committed write: the deliveries queued after commit run (eagerly) at once."""

    def run(event_type: str = events.TICKET_CREATED, data: dict | None = None) -> WebhookEvent:
        with django_capture_on_commit_callbacks(execute=True):
            return event_emit(event_type, data or {"id": 1})

    return run


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def run(at: dt.datetime) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return retry_webhook_deliveries(at=at.isoformat())

    return run


def _sub(owner, *, types: list[str], active: bool = True) -> WebhookSubscription:
    return WebhookSubscription.objects.create(owner=owner, url="http://127.0.0.1:9/unused",
                                              event_types=types, is_active=active)


# --- Emitting ------------------------------------------------------------------------------------


def test_it_creates_deliveries_only_for_active_subscriptions_that_want_the_event(
        manager, django_capture_on_commit_callbacks):
    # given
    everything = _sub(manager, types=["*"])
    tickets_only = _sub(manager, types=[events.TICKET_CREATED, events.TICKET_RESOLVED])
    _sub(manager, types=[events.RESPONSE_CREATED])
    _sub(manager, types=["*"], active=False)

    # when (not committed: nothing is sent yet)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = event_emit(events.TICKET_CREATED, {"id": 7})

    # then
    assert event.id.startswith("evt_") and event.type == "ticket.created" and event.payload == {"id": 7}
    assert {d.subscription_id for d in event.deliveries.all()} == {everything.pk, tickets_only.pk}
    assert set(event.deliveries.values_list("status", flat=True)) == {"pending"}
    assert len(callbacks) == 1  # one queueing hook after commit for all the deliveries


def test_an_event_nobody_wants_is_stored_without_deliveries(manager, django_capture_on_commit_callbacks):
    _sub(manager, types=[events.RESPONSE_CREATED])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = event_emit(events.ALERT_RAISED, {"id": 1})

    assert event.deliveries.count() == 0
    assert callbacks == []


def test_an_unknown_event_type_is_a_programming_error(db):
    with pytest.raises(ValueError):
        event_emit("ticket.exploded", {})


# --- Signing -------------------------------------------------------------------------------------


def test_the_receiver_gets_a_signed_json_event_it_can_verify(subscription, receiver, emit):
    event = emit(events.TICKET_CREATED, {"id": 42, "status": "new"})

    [request] = receiver.requests
    assert request.verified and request.answered == 200
    assert request.headers["webhook-id"] == event.id
    assert request.headers["content-type"] == "application/json"
    assert request.json == {"id": event.id, "type": "ticket.created", "timestamp": request.json["timestamp"],
                            "data": {"id": 42, "status": "new"}}
    assert request.json["timestamp"].endswith("Z")
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)


def test_a_signature_fails_with_a_wrong_secret_an_old_timestamp_or_a_changed_body(subscription, receiver, emit):
    emit()
    [request] = receiver.requests
    sent_at = int(request.headers["webhook-timestamp"])

    verify_signature(subscription.secret, request.headers, request.body, now=sent_at + 299)
    with pytest.raises(WebhookVerificationError):
        verify_signature(new_secret(), request.headers, request.body, now=sent_at)
    with pytest.raises(WebhookVerificationError):
        verify_signature(subscription.secret, request.headers, request.body, now=sent_at + 301)
    with pytest.raises(WebhookVerificationError):
        verify_signature(subscription.secret, request.headers, request.body + b" ", now=sent_at)
    with pytest.raises(WebhookVerificationError):
        verify_signature(subscription.secret, {**request.headers, "webhook-signature": ""}, request.body)


def test_the_receiver_refuses_a_delivery_signed_with_another_secret(subscription, receiver, emit):
    receiver.secret = new_secret()  # the receiver kept an old secret

    event = emit()

    assert receiver.requests[0].verified is False
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.last_status_code) == ("retrying", 401)


# --- Retries -------------------------------------------------------------------------------------


def test_a_receiver_that_fails_twice_then_succeeds_sees_three_attempts_on_the_backoff_schedule(
        subscription, receiver, emit, sweep):
    # given a receiver that answers 500 twice
    receiver.fail_times = 2

    # when the event is sent and the sweep runs when each retry falls due
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)
    first_retry = delivery.next_attempt_at
    assert sweep(first_retry - dt.timedelta(seconds=1))["queued"] == 0  # not due yet
    sweep(first_retry)
    delivery.refresh_from_db()
    sweep(delivery.next_attempt_at)

    # then
    delivery.refresh_from_db()
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3]
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert [a.retry_at - a.created_at if a.retry_at else None for a in attempts] == [
        dt.timedelta(seconds=30), dt.timedelta(minutes=2), None]
    assert attempts[1].created_at == first_retry
    assert all(a.response_excerpt for a in attempts) and all(a.duration_ms >= 0 for a in attempts)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("succeeded", 3, None)
    assert len(receiver.requests) == 3 and all(r.verified for r in receiver.requests)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event.id}  # receivers dedupe on it
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.last_success_at == attempts[2].created_at


def test_it_abandons_a_delivery_24_hours_after_the_event(subscription, receiver, emit, sweep):
    receiver.fail_times = 1000
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    for _ in range(30):
        if delivery.next_attempt_at is None:
            break
        sweep(delivery.next_attempt_at)
        delivery.refresh_from_db()

    deadline = event.created_at + dt.timedelta(hours=24)
    last = delivery.attempt_log.order_by("-number").first()
    assert delivery.status == "abandoned"
    assert last.created_at == deadline and last.retry_at is None  # the last try is at the deadline
    assert delivery.attempt_log.filter(created_at__gt=deadline).count() == 0
    # 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, then every 4 h: 12 tries in the window, plus the deadline
    assert delivery.attempts == 13 == len(receiver.requests)
    assert sweep(deadline + dt.timedelta(days=1))["queued"] == 0
    subscription.refresh_from_db()
    assert subscription.is_active  # 13 failures in a row: under the switch-off threshold of 20


def test_two_runs_of_the_same_delivery_send_it_once(subscription, receiver, emit):
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    assert deliver_webhook(delivery.pk) == "nothing"  # a retried task, or the sweep, comes too late
    assert deliver_webhook(123456789) == "nothing"  # a deleted delivery is nothing to do
    assert len(receiver.requests) == 1 and delivery.attempt_log.count() == 1


def test_it_switches_off_a_subscription_that_keeps_failing_and_emails_its_owner(
        subscription, receiver, emit, sweep, settings):
    # given a threshold of 5 failures in a row over at least an hour
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 5
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 1
    receiver.fail_times = 1000
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    # when it fails 5 times within 43 minutes, then a 6th time after 1 h 43 min
    for _ in range(4):
        sweep(delivery.next_attempt_at)
        delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 5 and subscription.is_active  # many, but not for long
    sweep(delivery.next_attempt_at)

    # then
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert "6 failed attempts in a row" in subscription.disabled_reason
    [message] = mail.outbox
    assert message.to == [subscription.owner.email]
    assert subscription.url in message.subject and f"/webhooks/{subscription.pk}/" in message.body
    # nothing more is sent while it is off
    delivery.refresh_from_db()
    assert sweep(delivery.next_attempt_at)["queued"] == 0
    assert len(receiver.requests) == 6

    # and when the owner fixes the endpoint and enables it again, the delivery resumes
    receiver.fail_times = 0
    subscription_enable(subscription=subscription)
    assert subscription.consecutive_failures == 0 and subscription.disabled_reason == ""
    sweep(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and len(mail.outbox) == 1


def test_open_deliveries_of_a_switched_off_subscription_are_abandoned_after_the_window(
        subscription, receiver, emit, sweep):
    receiver.fail_times = 1
    event = emit()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    result = sweep(event.created_at + dt.timedelta(hours=24, seconds=1))

    assert result["abandoned"] == 1
    assert WebhookDelivery.objects.get(event=event).status == "abandoned"


# --- Manual actions ------------------------------------------------------------------------------


def test_redeliver_makes_a_new_attempt_now(subscription, receiver, emit, django_capture_on_commit_callbacks):
    event = emit()
    delivery = WebhookDelivery.objects.get(event=event)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery=delivery)

    delivery.refresh_from_db()
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.manual, a.status_code) for a in attempts] == [(1, False, 200), (2, True, 200)]
    assert delivery.status == "succeeded" and delivery.attempts == 2
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.id, event.id]


def test_a_failed_redelivery_after_the_window_leaves_the_delivery_failed(
        subscription, receiver, emit, django_capture_on_commit_callbacks):
    receiver.fail_times = 1000
    event = emit()
    WebhookEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - dt.timedelta(days=2))
    delivery = WebhookDelivery.objects.get(event=event)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at, delivery.attempts) == ("failed", None, 2)


def test_a_switched_off_subscription_is_not_redelivered_to(subscription, receiver, emit):
    event = emit()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    delivery = WebhookDelivery.objects.select_related("subscription", "event").get(event=event)

    with pytest.raises(ConflictError):
        delivery_redeliver(delivery=delivery)


def test_a_test_ping_reaches_only_its_subscription_and_never_counts_as_a_failure(
        subscription, receiver, manager, django_capture_on_commit_callbacks):
    other = _sub(manager, types=["*"])
    receiver.fail_times = 1

    with django_capture_on_commit_callbacks(execute=True):
        delivery = subscription_send_test(subscription=subscription)

    delivery.refresh_from_db()
    assert delivery.event.type == "webhook.test" and delivery.status == "failed"  # tried once
    assert other.deliveries.count() == 0
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert receiver.requests[0].json["data"]["subscription_id"] == subscription.pk


# --- Where requests may go -----------------------------------------------------------------------


def test_it_never_follows_a_redirect(subscription, receiver, emit):
    elsewhere = Receiver().start()
    try:
        receiver.redirect_to = elsewhere.url
        event = emit()
    finally:
        elsewhere.stop()

    attempt = WebhookAttempt.objects.get(delivery__event=event)
    assert attempt.status_code == 302 and attempt.error == "Redirects are not followed."
    assert elsewhere.requests == []
    assert WebhookDelivery.objects.get(event=event).status == "retrying"


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)",
                                 "example.com/hook", "http://", ""])
def test_only_http_and_https_targets_are_accepted(manager, url):
    with pytest.raises(DomainError) as refused:
        subscription_create(owner=manager, url=url, event_types=["*"])

    assert refused.value.field == "url"
    assert http_post(url, b"{}", {}).status_code is None


def test_an_unreachable_target_is_a_logged_failure(manager, emit):
    WebhookSubscription.objects.create(owner=manager, url="http://127.0.0.1:9/closed", event_types=["*"])

    event = emit()

    attempt = WebhookAttempt.objects.get(delivery__event=event)
    assert attempt.status_code is None and attempt.error and not attempt.succeeded


# --- What the apps emit --------------------------------------------------------------------------


def _types() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "id").values_list("type", flat=True))


def test_creating_and_resolving_a_ticket_emit_one_event_each(agent, customer, touchpoint):
    ticket = make_ticket(customer=customer, touchpoint=touchpoint, actor=agent, external_id="CRM-T-1")
    assert _types() == ["ticket.created"]
    created = WebhookEvent.objects.get()
    assert created.payload["id"] == ticket.pk and created.payload["external_id"] == "CRM-T-1"
    assert created.payload["customer"] == {"id": customer.pk, "external_id": "CRM-GR-1"}
    assert created.payload["touchpoint_id"] == touchpoint.pk and created.payload["status"] == "new"

    ticket_resolve(ticket=ticket, actor=agent)

    assert _types() == ["ticket.created", "ticket.resolved"]
    resolved = WebhookEvent.objects.get(type="ticket.resolved")
    assert resolved.payload["status"] == "resolved" and resolved.payload["first_resolved_at"]


def test_a_priority_change_is_a_ticket_update(agent, customer):
    ticket = make_ticket(customer=customer, actor=agent)

    ticket_set_priority(ticket=ticket, priority="high", actor=agent)

    update = WebhookEvent.objects.get(type="ticket.updated")
    assert update.payload["change"] == "priority"
    assert (update.payload["previous"], update.payload["priority"]) == ("normal", "high")


def test_a_failed_ticket_write_emits_nothing(agent, customer):
    with pytest.raises(DomainError):
        make_ticket(customer=customer, actor=agent, subject="")

    assert WebhookEvent.objects.count() == 0


def test_submitting_a_response_emits_one_response_created(customer, touchpoint):
    survey = make_survey(touchpoint=touchpoint)

    response = response_submit(survey=survey, customer=customer, score=5, comment="Πολύ καλά")

    [event] = WebhookEvent.objects.filter(type="response.created")
    assert event.payload["id"] == response.pk and event.payload["score"] == 5
    assert event.payload["comment"] == "Πολύ καλά" and event.payload["survey"]["kind"] == "csat"
    assert event.payload["customer"]["external_id"] == "CRM-GR-1"

