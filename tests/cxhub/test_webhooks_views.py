"""The managers' webhook pages: permission, empty states, the secret shown once, actions with messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxhub.models import WebhookDelivery, WebhookSubscription
from cxhub.webhooks import events
from cxhub.webhooks.services import event_emit

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def test_the_list_starts_empty_with_a_way_to_subscribe(manager_client):
    response = manager_client.get(reverse("webhooks:list"))

    assert response.status_code == 200
    assert "No webhook subscriptions yet" in response.content.decode()
    assert reverse("webhooks:create") in response.content.decode()


def test_agents_and_anonymous_visitors_are_kept_out(agent_client, client, subscription):
    for name, args in [("webhooks:list", []), ("webhooks:create", []), ("webhooks:detail", [subscription.pk]),
                       ("webhooks:edit", [subscription.pk]), ("webhooks:delete", [subscription.pk])]:
        assert agent_client.get(reverse(name, args=args)).status_code == 403
    assert agent_client.post(reverse("webhooks:enable", args=[subscription.pk])).status_code == 403
    client.logout()
    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_creating_shows_the_secret_once(manager_client, manager):
    response = manager_client.post(reverse("webhooks:create"), {
        "url": "https://crm.example.com/hooks", "description": "CRM", "event_types": ["*"]}, follow=True)

    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == manager and subscription.event_types == ["*"]
    page = response.content.decode()
    assert subscription.secret in page and "shown only once" in " ".join(_messages(response))
    again = manager_client.get(reverse("webhooks:detail", args=[subscription.pk]))
    assert subscription.secret not in again.content.decode()


@pytest.mark.parametrize("data, error", [
    ({"url": "ftp://crm.example.com/x", "event_types": ["*"]}, "http:// or https://"),
    ({"url": "https://crm.example.com/x"}, "This field is required."),
    ({"url": "", "event_types": ["*"]}, "This field is required."),
    ({"url": "https://crm.example.com/x", "event_types": ["nope"]}, "Select a valid choice."),
])
def test_a_bad_form_re_renders_with_errors_and_saves_nothing(manager_client, data, error):
    response = manager_client.post(reverse("webhooks:create"), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert WebhookSubscription.objects.count() == 0


def test_editing_keeps_the_secret(manager_client, subscription):
    response = manager_client.post(reverse("webhooks:edit", args=[subscription.pk]), {
        "url": subscription.url, "description": "Renamed", "event_types": ["ticket.created"]}, follow=True)

    before = subscription.secret
    subscription.refresh_from_db()
    assert (subscription.description, subscription.event_types) == ("Renamed", ["ticket.created"])
    assert subscription.secret == before and _messages(response) == ["Subscription saved."]


def test_disable_enable_and_test_each_say_what_happened(manager_client, subscription, receiver, run_after_commit):
    off = manager_client.post(reverse("webhooks:disable", args=[subscription.pk]), follow=True)
    twice = manager_client.post(reverse("webhooks:disable", args=[subscription.pk]), follow=True)
    on = manager_client.post(reverse("webhooks:enable", args=[subscription.pk]), follow=True)
    ping = run_after_commit(lambda: manager_client.post(reverse("webhooks:test", args=[subscription.pk])))

    assert "Subscription disabled" in _messages(off)[0]
    assert _messages(twice) == ["The subscription is off already."]
    assert "Subscription enabled" in _messages(on)[0]
    assert ping.status_code == 302
    assert receiver.requests[0].json["type"] == "webhook.test"
    assert manager_client.get(reverse("webhooks:enable", args=[subscription.pk])).status_code == 405


def test_the_detail_lists_deliveries_with_attempts_and_redelivers(
        manager_client, subscription, receiver, run_after_commit):
    receiver.fail_times = 1
    event = run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))
    delivery = WebhookDelivery.objects.get(event=event)

    page = manager_client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert event.id in page and "500" in page and "error 500" in page and "Retrying" in page

    response = run_after_commit(lambda: manager_client.post(reverse("webhooks:redeliver", args=[delivery.pk])))
    assert response.status_code == 302
    page = manager_client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert "Succeeded" in page and "manual" in page
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2


def test_the_detail_filters_deliveries_and_survives_a_bad_filter(manager_client, subscription, run_after_commit):
    run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))

    empty = manager_client.get(reverse("webhooks:detail", args=[subscription.pk]) + "?status=abandoned")
    bad = manager_client.get(reverse("webhooks:detail", args=[subscription.pk]) + "?status=lost")

    assert "No deliveries match" in empty.content.decode()
    assert bad.status_code == 200 and "not understood" in _messages(bad)[0]


def test_deleting_asks_first(manager_client, subscription):
    confirm = manager_client.get(reverse("webhooks:delete", args=[subscription.pk]))
    response = manager_client.post(reverse("webhooks:delete", args=[subscription.pk]), follow=True)

    assert "Delete this subscription?" in confirm.content.decode()
    assert WebhookSubscription.objects.count() == 0 and "deleted" in _messages(response)[0]


def test_a_missing_or_absurd_id_is_a_404(manager_client):
    assert manager_client.get("/webhooks/424242/").status_code == 404
    assert manager_client.get("/webhooks/99999999999999999999999/").status_code == 404
    assert manager_client.post("/webhooks/deliveries/424242/redeliver/").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_pages_run_a_constant_number_of_queries(manager_client, manager, subscription, count,
                                                    django_assert_max_num_queries):
    for n in range(count):
        WebhookSubscription.objects.create(owner=manager, url=f"http://127.0.0.1:9/{n}", event_types=["*"])
        event_emit(events.TICKET_CREATED, {"id": n})  # not committed: deliveries stay pending

    with django_assert_max_num_queries(8):
        response = manager_client.get(reverse("webhooks:list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = manager_client.get(reverse("webhooks:detail", args=[subscription.pk]))
    assert response.status_code == 200 and len(response.context["deliveries"]) == min(count, 25)
