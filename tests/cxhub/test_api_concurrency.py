"""Optimistic concurrency: ETags on reads, If-None-Match answers 304, a stale If-Match answers 412."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from journeys.models import Customer
from tests.tickets.factories import make_ticket
from tickets.choices import Priority
from tickets.models import Ticket
from tickets.services import ticket_set_priority

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
TICKETS = "/api/v1/tickets/"


# --- Customers ---------------------------------------------------------------------------------------


def test_a_customer_read_carries_a_weak_etag_and_answers_304_while_unchanged(api_client_for, agent, customer):
    api = api_client_for(agent)
    etag = api.get(f"{CUSTOMERS}{customer.pk}/")["ETag"]

    unchanged = api.get(f"{CUSTOMERS}{customer.pk}/", HTTP_IF_NONE_MATCH=etag)
    Customer.objects.filter(pk=customer.pk).update(name="Renamed")  # as any other write would move it
    customer.refresh_from_db()
    customer.save()
    changed = api.get(f"{CUSTOMERS}{customer.pk}/", HTTP_IF_NONE_MATCH=etag)

    assert etag.startswith('W/"')
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed" and changed["ETag"] != etag


def test_a_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(api_client_for, manager, customer):
    api = api_client_for(manager)
    stale = api.get(f"{CUSTOMERS}{customer.pk}/")["ETag"]
    assert api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": "fleet"}, format="json").status_code == 200

    response = api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": "retail"}, format="json",
                         HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    body = response.json()
    assert body["detail"] and body["code"] == "precondition_failed"
    assert response["ETag"] != stale  # the current version, to re-read
    customer.refresh_from_db()
    assert customer.segment == "fleet"


def test_a_write_with_the_current_etag_goes_through_and_answers_the_new_one(api_client_for, manager, customer):
    api = api_client_for(manager)
    current = api.get(f"{CUSTOMERS}{customer.pk}/")["ETag"]

    patched = api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": "fleet"}, format="json", HTTP_IF_MATCH=current)
    put = api.put(f"{CUSTOMERS}{customer.pk}/", {"name": "Nikos", "external_id": customer.external_id},
                  format="json", HTTP_IF_MATCH=f'"nope", {patched["ETag"]}')

    assert patched.status_code == 200 and patched["ETag"] != current
    assert put.status_code == 200, put.json()
    customer.refresh_from_db()
    assert (customer.name, customer.segment) == ("Nikos", "fleet")
    assert api.get(f"{CUSTOMERS}{customer.pk}/")["ETag"] == put["ETag"]


def test_without_preconditions_writes_proceed_and_a_star_matches_any_version(api_client_for, manager, customer):
    api = api_client_for(manager)

    assert api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": "a"}, format="json").status_code == 200
    assert api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": "b"}, format="json",
                     HTTP_IF_MATCH="*").status_code == 200


def test_the_upsert_address_honours_if_match_and_if_none_match(api_client_for, manager, customer):
    api = api_client_for(manager)
    url = f"{CUSTOMERS}by-external-id/{customer.external_id}/"
    etag = api.get(url)["ETag"]

    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.put(url, {"segment": "x"}, format="json", HTTP_IF_MATCH='W/"old"').status_code == 412
    assert api.put(url, {"segment": "x"}, format="json", HTTP_IF_NONE_MATCH="*").status_code == 412
    assert api.put(url, {"segment": "x"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    # create-only and update-only on an id nobody has yet
    assert api.put(f"{CUSTOMERS}by-external-id/NEW/", {"name": "N"}, format="json",
                   HTTP_IF_MATCH=etag).status_code == 412
    assert api.put(f"{CUSTOMERS}by-external-id/NEW/", {"name": "N"}, format="json",
                   HTTP_IF_NONE_MATCH="*").status_code == 201
    customer.refresh_from_db()
    assert customer.segment == "x"


# --- Tickets -----------------------------------------------------------------------------------------


@pytest.fixture
def ticket(customer):
    return make_ticket(customer=customer, external_id="ZD-7")


def test_a_ticket_read_carries_an_etag_that_moves_with_any_change(api_client_for, agent, ticket):
    api = api_client_for(agent)
    etag = api.get(f"{TICKETS}{ticket.pk}/")["ETag"]

    assert api.get(f"{TICKETS}{ticket.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    ticket_set_priority(ticket=ticket, priority=Priority.HIGH, actor=agent)
    again = api.get(f"{TICKETS}{ticket.pk}/", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 200 and again["ETag"] != etag


def test_an_action_answers_with_the_new_etag(api_client_for, agent, ticket):
    api = api_client_for(agent)

    response = api.post(f"{TICKETS}{ticket.pk}/priority/", {"priority": "urgent"}, format="json")

    assert response["ETag"] == api.get(f"{TICKETS}{ticket.pk}/")["ETag"]


def test_a_ticket_upsert_with_a_stale_if_match_is_a_412(api_client_for, agent, ticket):
    api = api_client_for(agent)
    url = f"{TICKETS}by-external-id/ZD-7/"
    stale = api.get(url)["ETag"]
    api.post(f"{TICKETS}{ticket.pk}/priority/", {"priority": "high"}, format="json")

    refused = api.put(url, {"priority": "low"}, format="json", HTTP_IF_MATCH=stale)
    current = api.get(url)["ETag"]
    accepted = api.put(url, {"priority": "low"}, format="json", HTTP_IF_MATCH=current)

    assert refused.status_code == 412 and refused.json()["detail"]
    assert accepted.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.LOW


# --- Two writers at once -----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_writers_holding_the_same_etag_exactly_one_wins(api_client_for, manager):
    customer = Customer.objects.create(name="Race", external_id="RACE-1")
    etag = api_client_for(manager).get(f"{CUSTOMERS}{customer.pk}/")["ETag"]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def write(segment: str) -> None:
        try:
            api = api_client_for(manager)
            barrier.wait(timeout=10)
            response = api.patch(f"{CUSTOMERS}{customer.pk}/", {"segment": segment}, format="json",
                                 HTTP_IF_MATCH=etag)
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(segment,)) for segment in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 412]
    customer.refresh_from_db()
    assert customer.segment in {"one", "two"}
