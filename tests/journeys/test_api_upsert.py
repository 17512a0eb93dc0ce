"""Customers upserted by their CRM id: one at a time at by-external-id/, many at bulk-upsert/."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.models import Customer
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BY_ID = "/api/v1/customers/by-external-id/"
BULK = "/api/v1/customers/bulk-upsert/"


# --- One customer ------------------------------------------------------------------------------------


def test_it_creates_a_customer_by_its_crm_id(api_client_for, manager):
    response = api_client_for(manager).put(f"{BY_ID}CRM-9/", {"name": "Mai Anh", "language": "vi"},
                                           format="json")

    assert response.status_code == 201
    customer = Customer.objects.get(external_id="CRM-9")
    assert (customer.name, customer.language) == ("Mai Anh", "vi")
    assert response.json()["id"] == customer.pk
    assert response["ETag"].startswith('W/"')


def test_it_updates_only_the_fields_sent_and_the_address_id_wins(api_client_for, manager, customer):
    response = api_client_for(manager).put(
        f"{BY_ID}{customer.external_id}/", {"segment": "fleet", "external_id": "SOMETHING-ELSE"}, format="json"
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.segment, customer.name, customer.external_id) == ("fleet", "Νίκος Παπαδόπουλος", "CRM-GR-1")
    assert not Customer.objects.filter(external_id="SOMETHING-ELSE").exists()


def test_an_upsert_that_changes_nothing_does_not_move_updated_at(api_client_for, manager, customer):
    before = customer.updated_at

    response = api_client_for(manager).put(f"{BY_ID}{customer.external_id}/", {"name": customer.name},
                                           format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.updated_at == before


def test_creating_needs_a_name(api_client_for, manager):
    response = api_client_for(manager).put(f"{BY_ID}NEW-1/", {"email": "a@example.com"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    assert not Customer.objects.filter(external_id="NEW-1").exists()


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "email": "not-an-address"}, "email"),
    ({"name": "X", "language": "xx"}, "language"),
    ({"name": "x" * 201}, "name"),
    ({"name": "   "}, "name"),
])
def test_bad_fields_are_400s_on_the_field(api_client_for, manager, body, field):
    response = api_client_for(manager).put(f"{BY_ID}NEW-2/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Customer.objects.filter(external_id="NEW-2").exists()


def test_a_too_long_id_in_the_address_is_a_400(api_client_for, manager):
    response = api_client_for(manager).put(f"{BY_ID}{'x' * 101}/", {"name": "X"}, format="json")

    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]


def test_a_body_that_is_not_an_object_is_a_400(api_client_for, manager):
    response = api_client_for(manager).put(f"{BY_ID}NEW-3/", [1, 2], format="json")

    assert response.status_code == 400


def test_it_reads_a_customer_by_its_crm_id(api_client_for, agent, customer):
    response = api_client_for(agent).get(f"{BY_ID}{customer.external_id}/")

    assert response.status_code == 200 and response.json()["id"] == customer.pk
    assert api_client_for(agent).get(f"{BY_ID}NOPE/").status_code == 404


def test_a_caller_without_a_role_cannot_upsert_or_read(api_client_for):
    dave = UserFactory(username="dave")  # an account, no role
    api = api_client_for(dave)

    assert api.put(f"{BY_ID}NEW-4/", {"name": "X"}, format="json").status_code == 403
    assert api.post(BULK, {"items": [{"external_id": "NEW-4", "name": "X"}]}, format="json").status_code == 403
    assert api.get(f"{BY_ID}NEW-4/").status_code == 403
    assert not Customer.objects.exists()


def test_anonymous_callers_cannot_upsert(client):
    assert client.put(f"{BY_ID}NEW-5/", {"name": "X"}, content_type="application/json").status_code == 401
    assert client.post(BULK, {"items": [{"external_id": "A", "name": "X"}]},
                       content_type="application/json").status_code == 401


# --- Many customers ----------------------------------------------------------------------------------


def test_bulk_writes_the_valid_items_and_reports_each_in_order(api_client_for, manager, customer):
    items = [
        {"external_id": "B-1", "name": "Ana"},
        {"external_id": "B-2"},  # a new customer without a name
        {"external_id": customer.external_id, "segment": "premium"},
        {"external_id": "B-3", "name": "Bé", "email": "nope"},
        "not an object",
    ]

    response = api_client_for(manager).post(BULK, {"items": items}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["written"] is True
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == ["created", "error", "updated", "error", "error"]
    assert [r["external_id"] for r in results[:4]] == ["B-1", "B-2", customer.external_id, "B-3"]
    assert "name" in results[1]["errors"] and "email" in results[3]["errors"]
    assert results[0]["id"] == Customer.objects.get(external_id="B-1").pk
    assert results[2]["id"] == customer.pk and results[1]["id"] is None
    customer.refresh_from_db()
    assert customer.segment == "premium"
    assert not Customer.objects.filter(external_id__in=["B-2", "B-3"]).exists()


def test_an_atomic_bulk_with_one_error_writes_nothing(api_client_for, manager, customer):
    items = [{"external_id": "A-1", "name": "Ana"}, {"external_id": customer.external_id, "segment": "vip"},
             {"external_id": "A-2", "language": "klingon", "name": "Kor"}]

    response = api_client_for(manager).post(BULK, {"items": items, "atomic": True}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["written"] is False and body["detail"] and "items" in body["errors"]
    assert [r["status"] for r in body["results"]] == ["created", "updated", "error"]
    assert body["results"][0]["id"] is None  # its creation was rolled back
    assert "language" in body["results"][2]["errors"]
    assert not Customer.objects.filter(external_id="A-1").exists()
    customer.refresh_from_db()
    assert customer.segment == ""


def test_an_atomic_bulk_without_errors_writes_everything(api_client_for, manager):
    items = [{"external_id": f"OK-{i}", "name": f"Customer {i}"} for i in range(3)]

    response = api_client_for(manager).post(BULK, {"items": items, "atomic": True}, format="json")

    assert response.status_code == 200 and response.json()["written"] is True
    assert Customer.objects.filter(external_id__startswith="OK-").count() == 3


def test_a_repeated_crm_id_in_one_call_is_one_customer_the_later_item_winning(api_client_for, manager):
    items = [{"external_id": "D-1", "name": "First", "segment": "retail"},
             {"external_id": "D-1", "name": "Second"}]

    response = api_client_for(manager).post(BULK, {"items": items}, format="json")

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "updated"]
    assert results[0]["id"] == results[1]["id"]
    customer = Customer.objects.get(external_id="D-1")
    assert (customer.name, customer.segment) == ("Second", "retail")


@pytest.mark.parametrize("body, field", [
    ({"items": [{"external_id": str(i), "name": "X"} for i in range(501)]}, "items"),
    ({"items": []}, "items"),
    ({"items": "everything"}, "items"),
    ({"items": [{"external_id": "A", "name": "X"}], "atomic": "perhaps"}, "atomic"),
    ({}, "items"),
])
def test_a_bad_envelope_is_a_400_and_writes_nothing(api_client_for, manager, body, field):
    response = api_client_for(manager).post(BULK, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Customer.objects.count() == 0


def test_500_items_are_allowed(api_client_for, manager):
    items = [{"external_id": f"M-{i}", "name": f"Customer {i}"} for i in range(500)]

    response = api_client_for(manager).post(BULK, {"items": items}, format="json")

    assert response.status_code == 200
    assert Customer.objects.count() == 500


def _bulk_queries(api, items) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.post(BULK, {"items": items}, format="json")
    assert response.status_code == 200
    assert all(r["status"] != "error" for r in response.json()["results"])
    return len(captured)


def test_a_bulk_runs_a_bounded_number_of_queries_whatever_its_size(api_client_for, manager):
    """Half new, half changed: one SELECT, bulk INSERTs and bulk UPDATEs, never a query per customer.

    SQLite splits a bulk write by its limit of 999 parameters, so the bound allows a few batches; on
    PostgreSQL a call is the same few queries at any size.
    """
    CustomerFactory.create_batch(250, segment="retail")
    CustomerFactory.create_batch(5, segment="retail")
    existing = list(Customer.objects.order_by("id").values_list("external_id", flat=True))
    api = api_client_for(manager)
    big = [{"external_id": key, "segment": "fleet"} for key in existing[:250]]
    big += [{"external_id": f"NEW-{i}", "name": f"New {i}"} for i in range(250)]
    small = [{"external_id": key, "segment": "fleet"} for key in existing[250:]]
    small += [{"external_id": f"SMALL-{i}", "name": f"Small {i}"} for i in range(5)]

    small_count = _bulk_queries(api, small)
    big_count = _bulk_queries(api, big)

    assert big_count <= 15, big_count
    assert big_count - small_count <= 6, (small_count, big_count)
    assert Customer.objects.filter(segment="fleet").count() == 255


def test_a_bulk_item_that_changes_nothing_is_answered_with_its_id_and_not_written(api_client_for, manager):
    customer = CustomerFactory(external_id="SAME-1", name="Μαρία Οικονόμου", segment="retail")
    before = Customer.objects.get(pk=customer.pk).updated_at
    items = [{"external_id": "SAME-1", "name": "Μαρία Οικονόμου", "segment": "retail"},
             {"external_id": "SAME-2", "name": "Trần Văn Nam"}]

    results = api_client_for(manager).post(BULK, {"items": items}, format="json").json()["results"]

    assert [(r["status"], r["id"]) for r in results] == [
        ("updated", customer.pk), ("created", Customer.objects.get(external_id="SAME-2").pk)]
    assert Customer.objects.get(pk=customer.pk).updated_at == before


def test_a_nameless_item_for_a_new_crm_id_fails_and_a_later_named_one_creates_it(api_client_for, manager):
    items = [{"external_id": "N-1", "segment": "fleet"},
             {"external_id": "N-1", "name": "رضا کریمی"},
             {"external_id": "N-1", "segment": "premium"}]

    results = api_client_for(manager).post(BULK, {"items": items}, format="json").json()["results"]

    assert [r["status"] for r in results] == ["error", "created", "updated"]
    assert "name" in results[0]["errors"]
    customer = Customer.objects.get(external_id="N-1")
    assert (customer.name, customer.segment) == ("رضا کریمی", "premium")
    assert results[1]["id"] == results[2]["id"] == customer.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_calls_over_the_same_new_ids_create_each_customer_once(api_client_for, manager):
    keys = [f"RACE-{i}" for i in range(200)]
    barrier = threading.Barrier(2)
    answers: list[list[dict]] = []

    def post(segment: str, order: list[str]) -> None:
        try:
            api = api_client_for(manager)
            barrier.wait(timeout=10)
            response = api.post(BULK, {"items": [{"external_id": key, "name": key, "segment": segment}
                                                 for key in order]}, format="json")
            answers.append(response.json()["results"])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=("retail", keys)),
               threading.Thread(target=post, args=("fleet", keys[::-1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == 2
    assert Customer.objects.filter(external_id__startswith="RACE-").count() == 200
    statuses = [result["status"] for results in answers for result in results]
    assert statuses.count("created") == 200 and statuses.count("updated") == 200
    by_key = {key: set() for key in keys}
    for results in answers:
        for result in results:
            by_key[result["external_id"]].add(result["id"])
    assert all(len(ids) == 1 for ids in by_key.values())


@pytest.mark.postgres
def test_a_nameless_item_for_a_customer_deleted_since_it_was_checked_fails_and_creates_nothing():
    from journeys.services import _customers_upsert_on_conflict

    CustomerFactory(external_id="STAYS", name="Lan")
    items = [{"external_id": "GONE-1", "segment": "fleet"}, {"external_id": "GONE-2"},
             {"external_id": "STAYS", "segment": "fleet"}]

    # as the call saw them: all three existed when it checked which nameless items may update
    outcomes = _customers_upsert_on_conflict(items, ["GONE-1", "GONE-2", "STAYS"],
                                             known={"GONE-1", "GONE-2", "STAYS"})

    assert [(o.status, list(o.errors)) for o in outcomes] == [("error", ["name"]), ("error", ["name"]),
                                                              ("updated", [])]
    assert list(Customer.objects.values_list("external_id", "segment")) == [("STAYS", "fleet")]
