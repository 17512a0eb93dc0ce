"""Idempotency-Key on the API's POSTs (cxhub/idempotency.py): a repeat gets the first answer and changes
nothing, another request with the key is a 422, a duplicate of a request still running is a 409, and
concurrent duplicates have one effect."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework.test import APIClient

from cxhub.idempotency import idempotency_begin, idempotency_purge, request_fingerprint
from cxhub.models import IdempotencyRecord
from cxhub.roles import API_CLIENT_READ, API_CLIENT_WRITE
from cxhub.tasks import purge_idempotency_records
from cxhub.urls import urlpatterns as site_urlpatterns
from journeys.models import Customer
from tests.cxhub.factories import UserFactory, manager_user
from tests.tickets.factories import make_ticket
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
TICKETS = "/api/v1/tickets/"
FAILING = "/api/v1/test-outcome/"


# An address under /api/ whose answer the request chooses, for the answers the real API never gives
# (a 503, a crash); it writes a customer when it succeeds, so a test can count the effect.
@csrf_exempt
def outcome_view(request: HttpRequest) -> HttpResponse:
    outcome = request.headers.get("X-Outcome", "201")
    if outcome == "raise":
        raise RuntimeError("the database went away")
    if outcome == "503":
        return JsonResponse({"detail": "Try again later."}, status=503)
    customer = Customer.objects.create(name=json.loads(request.body)["name"])
    return JsonResponse({"id": customer.pk}, status=201)


urlpatterns = [path("api/v1/test-outcome/", outcome_view), *site_urlpatterns]


def post(api, url, body, key, **extra):
    """POST `body` (a dict, sent as these exact JSON bytes) with an Idempotency-Key."""
    return api.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra)


# --- Replays ------------------------------------------------------------------------------------------


def test_it_replays_the_first_answer_to_a_repeated_create_and_creates_nothing(api_client_for, manager):
    api = api_client_for(manager)

    first = post(api, CUSTOMERS, {"name": "Ana Lima", "segment": "retail"}, "crm-op-1")
    second = post(api, CUSTOMERS, {"name": "Ana Lima", "segment": "retail"}, "crm-op-1")

    assert first.status_code == 201, first.json()
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Customer.objects.filter(name="Ana Lima").count() == 1


def test_it_replays_a_ticket_creation_with_its_etag_and_logs_one_ticket(api_client_for, manager, customer):
    api = api_client_for(manager)
    body = {"customer": customer.pk, "subject": "Late delivery", "body": "The parcel is a week late."}

    first = post(api, TICKETS, body, "zd-create-77")
    again = post(api, TICKETS, body, "zd-create-77")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert Ticket.objects.filter(subject="Late delivery").count() == 1


def test_a_repeated_status_change_happens_once_and_replays_its_answer_after_later_changes(
    api_client_for, manager, customer
):
    # given an open ticket
    api = api_client_for(manager)
    ticket = make_ticket(customer=customer)
    url = f"{TICKETS}{ticket.pk}/status/"
    first = post(api, url, {"status": "pending"}, "status-1")
    # and someone resolves it meanwhile
    assert api.post(f"{TICKETS}{ticket.pk}/resolve/").status_code == 200
    events = TicketEvent.objects.filter(ticket=ticket).count()

    # when the client retries the status change with its key
    again = post(api, url, {"status": "pending"}, "status-1")

    # then it gets the first answer, and the ticket stays resolved with no new event
    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "pending" and again.content == first.content
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert post(api, url, {"status": "pending"}, "status-1").content == first.content


def test_without_a_key_every_post_runs(api_client_for, manager):
    api = api_client_for(manager)

    for _ in range(2):
        assert api.post(CUSTOMERS, {"name": "Twice"}, format="json").status_code == 201

    assert Customer.objects.filter(name="Twice").count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_browser_session_and_every_token_of_a_user_share_its_keys(api_client_for, manager, client):
    client.force_login(manager)
    first = post(client, CUSTOMERS, {"name": "One person"}, "shared")
    by_token = post(api_client_for(manager), CUSTOMERS, {"name": "One person"}, "shared")
    by_other_token = post(api_client_for(manager), CUSTOMERS, {"name": "One person"}, "shared")

    assert first.status_code == 201
    assert by_token["Idempotent-Replayed"] == by_other_token["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="One person").count() == 1


def test_two_users_may_use_the_same_key_independently(api_client_for, manager):
    dave = manager_user(username="dave", first_name="Dave")

    alice_answer = post(api_client_for(manager), CUSTOMERS, {"name": "Alice's"}, "order-1")
    dave_answer = post(api_client_for(dave), CUSTOMERS, {"name": "Dave's"}, "order-1")

    assert alice_answer.status_code == dave_answer.status_code == 201
    assert not dave_answer.has_header("Idempotent-Replayed")
    assert set(Customer.objects.values_list("name", flat=True)) >= {"Alice's", "Dave's"}
    assert IdempotencyRecord.objects.filter(key="order-1").count() == 2


# --- Refusals -----------------------------------------------------------------------------------------


def test_the_same_key_with_another_body_or_address_is_a_422_and_creates_nothing(api_client_for, manager, customer):
    api = api_client_for(manager)
    assert post(api, CUSTOMERS, {"name": "First"}, "k-422").status_code == 201
    before = Customer.objects.count()

    other_body = post(api, CUSTOMERS, {"name": "Second"}, "k-422")
    other_address = post(api, f"{CUSTOMERS}?segment=x", {"name": "First"}, "k-422")
    other_endpoint = post(api, TICKETS, {"customer": customer.pk, "subject": "S", "body": "B"}, "k-422")

    for answer in (other_body, other_address, other_endpoint):
        assert answer.status_code == 422
        body = answer.json()
        assert body["code"] == "idempotency_key_reused"
        assert "different request" in body["detail"]
        assert body["errors"] == {"Idempotency-Key": [body["detail"]]}
    assert Customer.objects.count() == before
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "tab\there", "caf\u00e9"])
def test_an_empty_overlong_or_non_ascii_key_is_a_400(api_client_for, manager, key):
    response = post(api_client_for(manager), CUSTOMERS, {"name": "Nobody"}, key)

    assert response.status_code == 400
    assert response.json()["errors"]["Idempotency-Key"]
    assert not Customer.objects.filter(name="Nobody").exists()


def test_a_key_of_255_characters_with_inner_spaces_is_fine(api_client_for, manager):
    key = "sync run 7 " + "x" * 244

    assert post(api_client_for(manager), CUSTOMERS, {"name": "Long key"}, key).status_code == 201
    assert IdempotencyRecord.objects.get().key == key


def test_a_duplicate_of_a_request_still_running_is_a_409_with_retry_after(api_client_for, manager):
    # given a request with this key that has begun and not answered yet
    body = json.dumps({"name": "Slow"})
    fingerprint = request_fingerprint(method="POST", path=CUSTOMERS, body=[body.encode()])
    idempotency_begin(owner=manager, key="busy", method="POST", path=CUSTOMERS, request_hash=fingerprint)

    # when the same request arrives again
    response = api_client_for(manager).post(CUSTOMERS, body, content_type="application/json",
                                            HTTP_IDEMPOTENCY_KEY="busy")

    # then it is told to retry shortly, and nothing runs
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not Customer.objects.filter(name="Slow").exists()


def test_a_request_unanswered_past_the_stale_limit_gives_its_key_to_the_next(api_client_for, manager, settings):
    body = json.dumps({"name": "Retried"})
    fingerprint = request_fingerprint(method="POST", path=CUSTOMERS, body=[body.encode()])
    begun = idempotency_begin(owner=manager, key="died", method="POST", path=CUSTOMERS, request_hash=fingerprint)
    IdempotencyRecord.objects.filter(pk=begun.record.pk).update(
        created_at=timezone.now() - settings.IDEMPOTENCY_STALE_AFTER - dt.timedelta(seconds=1))
    api = api_client_for(manager)

    response = api.post(CUSTOMERS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="died")
    replay = api.post(CUSTOMERS, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="died")

    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert replay["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="Retried").count() == 1
    assert IdempotencyRecord.objects.get(key="died").status_code == 201


# --- Expiry and the purge -----------------------------------------------------------------------------


def test_a_key_older_than_its_lifetime_acts_as_new(api_client_for, manager, settings):
    api = api_client_for(manager)
    assert post(api, CUSTOMERS, {"name": "Monday"}, "weekly").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - dt.timedelta(minutes=1))

    same = post(api, CUSTOMERS, {"name": "Monday"}, "weekly")
    other = post(api, CUSTOMERS, {"name": "Tuesday"}, "weekly-2")
    IdempotencyRecord.objects.filter(key="weekly").update(
        created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - dt.timedelta(minutes=1))
    different_body = post(api, CUSTOMERS, {"name": "Wednesday"}, "weekly")

    assert same.status_code == other.status_code == different_body.status_code == 201
    assert not same.has_header("Idempotent-Replayed")
    assert Customer.objects.filter(name="Monday").count() == 2
    assert Customer.objects.filter(name="Wednesday").count() == 1
    assert IdempotencyRecord.objects.filter(key="weekly").count() == 1


def test_the_purge_task_deletes_records_past_their_lifetime_only(manager, settings):
    now = timezone.now()
    ages = {"fresh": dt.timedelta(hours=1), "nearly": settings.IDEMPOTENCY_KEY_TTL - dt.timedelta(minutes=1),
            "old": settings.IDEMPOTENCY_KEY_TTL + dt.timedelta(minutes=1), "older": dt.timedelta(days=9)}
    for key, age in ages.items():
        IdempotencyRecord.objects.create(owner=manager, key=key, method="POST", path=CUSTOMERS,
                                         request_hash="0" * 64, status_code=201, created_at=now - age)

    assert purge_idempotency_records.delay().get() == 2
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"fresh", "nearly"}
    assert purge_idempotency_records.delay().get() == 0


def test_the_purge_goes_in_batches_and_stops_at_its_limit(manager):
    old = timezone.now() - dt.timedelta(days=3)
    for i in range(5):
        IdempotencyRecord.objects.create(owner=manager, key=f"k{i}", method="POST", path=CUSTOMERS,
                                         request_hash="0" * 64, created_at=old + dt.timedelta(seconds=i))

    assert idempotency_purge(batch_size=2, max_batches=2) == 4
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k4"]  # the newest waits
    assert idempotency_purge(batch_size=2) == 1


# --- Which answers are stored -------------------------------------------------------------------------


def test_a_4xx_answer_is_stored_and_replayed_even_once_the_request_would_pass(api_client_for, manager, customer):
    # given a create refused because the external id is taken
    api = api_client_for(manager)
    refused = post(api, CUSTOMERS, {"name": "Copy", "external_id": customer.external_id}, "dup")
    assert refused.status_code == 400 and "external_id" in refused.json()["errors"]
    # and the id freed afterwards
    Customer.objects.filter(pk=customer.pk).update(external_id="CRM-GR-1-old")

    # when the client repeats the request with its key
    again = post(api, CUSTOMERS, {"name": "Copy", "external_id": customer.external_id}, "dup")

    # then it gets the refusal again, and still nothing is created
    assert again.status_code == 400 and again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"
    assert not Customer.objects.filter(name="Copy").exists()


def test_a_refusal_of_the_caller_is_not_stored_so_a_retry_runs_once_allowed(api_client_for):
    # given an API client that may only read
    crm = UserFactory(username="crm", role=API_CLIENT_READ)
    api = api_client_for(crm)
    assert post(api, CUSTOMERS, {"name": "Pushed"}, "push-1").status_code == 403
    assert not IdempotencyRecord.objects.exists()

    # when it is made read-write and retries with the same key
    crm.groups.set([Group.objects.get(name=API_CLIENT_WRITE)])
    retried = post(api, CUSTOMERS, {"name": "Pushed"}, "push-1")

    # then the request runs
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")
    assert Customer.objects.filter(name="Pushed").count() == 1


@pytest.mark.urls(__name__)
def test_a_5xx_answer_is_not_stored_so_a_retry_runs_again(api_client_for, manager):
    api = api_client_for(manager)

    failed = post(api, FAILING, {"name": "After outage"}, "outage", HTTP_X_OUTCOME="503")
    assert failed.status_code == 503
    assert not IdempotencyRecord.objects.exists()
    retried = post(api, FAILING, {"name": "After outage"}, "outage")
    replayed = post(api, FAILING, {"name": "After outage"}, "outage", HTTP_X_OUTCOME="503")

    assert retried.status_code == 201
    assert replayed.status_code == 201 and replayed.content == retried.content
    assert Customer.objects.filter(name="After outage").count() == 1


@pytest.mark.urls(__name__)
def test_a_crash_frees_the_key(api_client_for, manager):
    api = api_client_for(manager)
    api.raise_request_exception = False

    crashed = post(api, FAILING, {"name": "After crash"}, "crash", HTTP_X_OUTCOME="raise")
    retried = post(api, FAILING, {"name": "After crash"}, "crash")

    assert crashed.status_code == 500
    assert retried.status_code == 201
    assert Customer.objects.filter(name="After crash").count() == 1


# --- What is not tracked ------------------------------------------------------------------------------


def test_gets_and_puts_ignore_the_header(api_client_for, manager, customer):
    api = api_client_for(manager)
    url = f"{CUSTOMERS}by-external-id/{customer.external_id}/"

    listed = api.get(CUSTOMERS, HTTP_IDEMPOTENCY_KEY="k")
    first = api.put(url, {"segment": "fleet"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = api.put(url, {"segment": "retail"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert listed.status_code == 200
    assert first.status_code == second.status_code == 200
    assert not second.has_header("Idempotent-Replayed")
    customer.refresh_from_db()
    assert customer.segment == "retail"
    assert not IdempotencyRecord.objects.exists()


def test_an_anonymous_post_is_refused_by_the_api_and_not_tracked(db):
    response = post(APIClient(), CUSTOMERS, {"name": "Anon"}, "anon-1")

    assert response.status_code in (401, 403)
    assert not IdempotencyRecord.objects.exists()


def test_a_post_with_a_revoked_token_is_refused_and_not_tracked(api_client_for, manager):
    api = api_client_for(manager)
    api.credentials(HTTP_AUTHORIZATION="Token cxh_not-a-real-key")

    assert post(api, CUSTOMERS, {"name": "Nope"}, "k").status_code == 401
    assert not IdempotencyRecord.objects.exists()


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_have_one_effect_and_each_gets_the_answer_or_a_409(api_client_for, manager):
    # given six clients of one user, each holding the same request with the same key
    clients = [api_client_for(manager) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    answers: list[object] = [None] * len(clients)

    def send(index: int) -> None:
        try:
            barrier.wait()
            answers[index] = post(clients[index], CUSTOMERS, {"name": "Race"}, "race-1")
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            answers[index] = exc
        finally:
            connection.close()

    # when they all send it at the same moment
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one customer exists; one answer created it, the rest are its replay or a 409 to retry
    assert all(isinstance(answer, HttpResponse) for answer in answers), answers
    assert Customer.objects.filter(name="Race").count() == 1
    created = [a for a in answers if a.status_code == 201 and not a.has_header("Idempotent-Replayed")]
    assert len(created) == 1
    for answer in answers:
        assert answer.status_code in (201, 409)
        if answer.status_code == 201:
            assert answer.content == created[0].content
        else:
            assert answer["Retry-After"] == "1"
    # and a retry now gets the first answer
    retry = post(clients[0], CUSTOMERS, {"name": "Race"}, "race-1")
    assert retry.status_code == 201 and retry.content == created[0].content
