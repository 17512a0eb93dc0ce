"""/api/v1/webhook-subscriptions/ and /api/v1/webhook-deliveries/: managers only, secret shown once."""

from __future__ import annotations

import pytest

from cxhub.models import WebhookDelivery, WebhookSubscription
from cxhub.webhooks import events
from cxhub.webhooks.services import event_emit

pytestmark = pytest.mark.django_db

SUBS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def alice(api_client_for, manager):
    return api_client_for(manager)


@pytest.fixture
def bob(api_client_for, agent):
    return api_client_for(agent)


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def test_it_creates_a_subscription_and_shows_the_secret_only_then(alice, manager):
    response = alice.post(SUBS, {"url": "https://crm.example.com/hooks", "description": "CRM",
                                 "event_types": ["ticket.created", "ticket.resolved"]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["owner"] == manager.pk and body["is_active"]
    assert body["event_types"] == ["ticket.created", "ticket.resolved"]
    assert "secret" not in alice.get(f"{SUBS}{body['id']}/").json()
    assert all("secret" not in item for item in alice.get(SUBS).json()["results"])


def test_rotating_the_secret_shows_the_new_one_once(alice, subscription):
    old = subscription.secret

    response = alice.post(f"{SUBS}{subscription.pk}/rotate-secret/")

    assert response.status_code == 200
    assert response.json()["secret"] != old
    subscription.refresh_from_db()
    assert subscription.secret == response.json()["secret"]


@pytest.mark.parametrize("data, field", [
    ({"url": "ftp://crm.example.com/hooks", "event_types": ["*"]}, "url"),
    ({"url": "not a url", "event_types": ["*"]}, "url"),
    ({"url": "https://crm.example.com/hooks", "event_types": []}, "event_types"),
    ({"url": "https://crm.example.com/hooks", "event_types": ["ticket.exploded"]}, "event_types"),
    ({"url": "https://crm.example.com/hooks", "event_types": "*"}, "event_types"),
    ({"url": "https://crm.example.com/hooks"}, "event_types"),
    ({"event_types": ["*"]}, "url"),
    ({"url": "https://crm.example.com/" + "a" * 2000, "event_types": ["*"]}, "url"),
])
def test_it_refuses_a_bad_subscription_with_the_field_at_fault(alice, data, field):
    response = alice.post(SUBS, data, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert WebhookSubscription.objects.count() == 0


def test_it_updates_a_subscription_in_part(alice, subscription):
    response = alice.patch(f"{SUBS}{subscription.pk}/", {"event_types": ["response.created", "*"]},
                           format="json")

    assert response.status_code == 200
    assert response.json()["event_types"] == ["*"]  # "*" covers the rest
    assert response.json()["url"] == subscription.url

    refused = alice.patch(f"{SUBS}{subscription.pk}/", {"url": "javascript:alert(1)"}, format="json")
    assert refused.status_code == 400 and "url" in refused.json()["errors"]


def test_disable_and_enable_reset_the_failure_count(alice, subscription):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=7)

    off = alice.post(f"{SUBS}{subscription.pk}/disable/")
    again = alice.post(f"{SUBS}{subscription.pk}/disable/")
    on = alice.post(f"{SUBS}{subscription.pk}/enable/")

    assert off.status_code == 200 and off.json()["is_active"] is False
    assert off.json()["disabled_reason"] == "Disabled by Alice."
    assert again.status_code == 409
    assert on.json()["is_active"] is True and on.json()["consecutive_failures"] == 0


def test_a_test_ping_reaches_the_receiver(alice, subscription, receiver, run_after_commit):
    response = run_after_commit(lambda: alice.post(f"{SUBS}{subscription.pk}/test/"))

    assert response.status_code == 202 and response.json()["event_type"] == "webhook.test"
    assert receiver.requests[0].json["type"] == "webhook.test" and receiver.requests[0].verified


def test_it_deletes_a_subscription_with_its_log(alice, subscription, run_after_commit):
    run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))

    assert alice.delete(f"{SUBS}{subscription.pk}/").status_code == 204
    assert WebhookDelivery.objects.count() == 0


def test_agents_and_strangers_get_nothing(bob, client, subscription):
    assert bob.get(SUBS).status_code == 403
    assert bob.post(SUBS, {"url": "https://x.example.com", "event_types": ["*"]}, format="json").status_code == 403
    assert bob.get(f"{SUBS}{subscription.pk}/").status_code == 403
    assert bob.post(f"{SUBS}{subscription.pk}/enable/").status_code == 403
    assert bob.post(f"{SUBS}{subscription.pk}/test/").status_code == 403
    assert bob.get(DELIVERIES).status_code == 403
    assert client.get(SUBS).status_code in (401, 403)
    assert client.get(DELIVERIES).status_code in (401, 403)


def test_unknown_and_absurd_ids_are_404s(alice):
    assert alice.get(f"{SUBS}999999/").status_code == 404
    assert alice.get(f"{SUBS}99999999999999999999999/").status_code == 404
    assert alice.post(f"{DELIVERIES}99999999999999999999999/redeliver/").status_code == 404


def test_the_delivery_list_filters_by_subscription_status_and_event_type(
        alice, subscription, manager, run_after_commit):
    other = WebhookSubscription.objects.create(owner=manager, url="http://127.0.0.1:9/x", event_types=["*"])
    run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))
    run_after_commit(lambda: event_emit(events.RESPONSE_CREATED, {"id": 2}))

    def ids(query: str) -> set[tuple[int, str]]:
        response = alice.get(f"{DELIVERIES}?{query}")
        assert response.status_code == 200
        return {(d["subscription"], d["event_type"]) for d in response.json()["results"]}

    assert ids(f"subscription={subscription.pk}") == {(subscription.pk, "ticket.created"),
                                                      (subscription.pk, "response.created")}
    assert ids("status=retrying") == {(other.pk, "ticket.created"), (other.pk, "response.created")}
    assert ids(f"event_type=response.created&subscription={other.pk}") == {(other.pk, "response.created")}
    assert alice.get(f"{DELIVERIES}?status=lost").status_code == 400
    assert alice.get(f"{DELIVERIES}?subscription=abc").status_code == 400
    assert alice.get(f"{DELIVERIES}?subscription=99999999999999999999").status_code == 400


def test_a_delivery_shows_its_attempts_and_redelivers(alice, subscription, receiver, run_after_commit):
    receiver.fail_times = 1
    event = run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))
    delivery = WebhookDelivery.objects.get(event=event)

    detail = alice.get(f"{DELIVERIES}{delivery.pk}/").json()
    again = run_after_commit(lambda: alice.post(f"{DELIVERIES}{delivery.pk}/redeliver/"))

    assert detail["status"] == "retrying" and detail["payload"] == {"id": 1}
    assert [(a["number"], a["status_code"]) for a in detail["attempt_log"]] == [(1, 500)]
    assert again.status_code == 202 and again.json()["status"] == "pending"  # queued; sent after commit
    after = alice.get(f"{DELIVERIES}{delivery.pk}/").json()
    assert [(a["number"], a["status_code"], a["manual"]) for a in after["attempt_log"]] == [
        (1, 500, False), (2, 200, True)]
    assert after["status"] == "succeeded"


def test_an_agent_may_not_redeliver(bob, subscription, run_after_commit):
    event = run_after_commit(lambda: event_emit(events.TICKET_CREATED, {"id": 1}))
    delivery = WebhookDelivery.objects.get(event=event)

    assert bob.post(f"{DELIVERIES}{delivery.pk}/redeliver/").status_code == 403


@pytest.mark.parametrize("count", [3, 30])
def test_the_lists_run_a_constant_number_of_queries(alice, manager, count, django_assert_max_num_queries):
    for n in range(count):
        WebhookSubscription.objects.create(owner=manager, url=f"http://127.0.0.1:9/{n}", event_types=["*"])
    event_emit(events.TICKET_CREATED, {"id": 1})  # not committed: deliveries stay pending

    with django_assert_max_num_queries(4):  # auth, count, page
        assert len(alice.get(SUBS).json()["results"]) == count
    with django_assert_max_num_queries(4):
        assert len(alice.get(DELIVERIES).json()["results"]) == count


@pytest.mark.parametrize("path, method, answers", [
    ("/api/v1/webhook-subscriptions/", "post", {"201", "400"}),
    ("/api/v1/webhook-subscriptions/{id}/", "patch", {"200", "400", "404"}),
    ("/api/v1/webhook-subscriptions/{id}/disable/", "post", {"200", "404", "409"}),
    ("/api/v1/webhook-subscriptions/{id}/rotate-secret/", "post", {"200", "404"}),
    ("/api/v1/webhook-subscriptions/{id}/test/", "post", {"202", "404"}),
    ("/api/v1/webhook-deliveries/{id}/redeliver/", "post", {"202", "404", "409"}),
])
def test_each_webhook_operation_documents_its_answers(path, method, answers):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert answers <= set(paths[path][method]["responses"])


def test_bad_event_types_are_listed_in_the_documented_error_shape(alice):
    response = alice.post(SUBS, {"url": "https://crm.example.com/hooks",
                                 "event_types": ["ticket.created", "AAA", 0, None, {}]}, format="json")

    assert response.status_code == 400
    messages = response.json()["errors"]["event_types"]
    assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    assert messages[0] == 'Item 2: "AAA" is not a valid choice.' and len(messages) == 4
