"""Tickets upserted by their CRM id, through the ticket services: one at by-external-id/, many at bulk-upsert/."""

from __future__ import annotations

import pytest

from journeys.choices import SignalKind
from journeys.models import ExperienceSignal
from tests.cxhub.factories import UserFactory
from tests.tickets.factories import make_ticket
from tickets.choices import EventKind, Priority, Status
from tickets.models import Ticket, TicketEvent, TicketMessage

pytestmark = pytest.mark.django_db

BY_ID = "/api/v1/tickets/by-external-id/"
BULK = "/api/v1/tickets/bulk-upsert/"


@pytest.fixture
def ticket(customer, touchpoint):
    return make_ticket(customer=customer, touchpoint=touchpoint, external_id="ZD-100")


def new_ticket(customer, **extra):
    return {"customer": customer.pk, "subject": "Wrong invoice", "body": "I was billed twice.", **extra}


# --- One ticket --------------------------------------------------------------------------------------


def test_it_creates_a_ticket_through_the_service(api_client_for, agent, customer, touchpoint):
    body = new_ticket(customer, touchpoint=touchpoint.pk, priority="high")

    response = api_client_for(agent).put(f"{BY_ID}ZD-1/", body, format="json")

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(external_id="ZD-1")
    assert response.json()["id"] == ticket.pk
    assert ticket.team == touchpoint.owner_team  # routed as any new ticket
    assert ticket.resolution_due_at is not None  # the SLA applies
    assert TicketMessage.objects.get(ticket=ticket).body == "I was billed twice."
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).exists()
    assert response["ETag"]


def test_it_finds_the_customer_by_its_crm_id(api_client_for, agent, customer):
    body = {"customer_external_id": customer.external_id, "subject": "Hi", "body": "Hello"}

    response = api_client_for(agent).put(f"{BY_ID}ZD-2/", body, format="json")

    assert response.status_code == 201
    assert Ticket.objects.get(external_id="ZD-2").customer == customer


def test_an_unknown_customer_crm_id_is_a_400(api_client_for, agent):
    body = {"customer_external_id": "NOBODY", "subject": "Hi", "body": "Hello"}

    response = api_client_for(agent).put(f"{BY_ID}ZD-3/", body, format="json")

    assert response.status_code == 400 and "customer_external_id" in response.json()["errors"]


@pytest.mark.parametrize("missing", ["customer", "subject", "body"])
def test_creating_needs_customer_subject_and_body(api_client_for, agent, customer, missing):
    body = new_ticket(customer)
    del body[missing]

    response = api_client_for(agent).put(f"{BY_ID}ZD-4/", body, format="json")

    assert response.status_code == 400 and missing in response.json()["errors"]
    assert not Ticket.objects.filter(external_id="ZD-4").exists()


def test_an_update_changes_priority_and_status_through_the_services(api_client_for, agent, ticket):
    response = api_client_for(agent).put(f"{BY_ID}ZD-100/", {"priority": "urgent", "status": "resolved"},
                                         format="json")

    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (Priority.URGENT, Status.RESOLVED)
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {EventKind.PRIORITY, EventKind.STATUS} <= kinds
    # the first resolution is scored as for any other door
    assert ExperienceSignal.objects.filter(source_id=str(ticket.pk), kind=SignalKind.TICKET_RESOLVED).exists()


def test_an_update_may_assign_and_unassign(api_client_for, agent, ticket):
    api = api_client_for(agent)

    assert api.put(f"{BY_ID}ZD-100/", {"assignee": agent.pk}, format="json").status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    assert api.put(f"{BY_ID}ZD-100/", {"assignee": None}, format="json").status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_an_invalid_transition_is_a_409_and_changes_nothing(api_client_for, agent, ticket):
    response = api_client_for(agent).put(f"{BY_ID}ZD-100/", {"priority": "urgent", "status": "closed"},
                                         format="json")

    assert response.status_code == 409 and "status" in response.json()["errors"]
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (Priority.NORMAL, Status.NEW)


def test_fixed_fields_cannot_change_but_may_be_repeated(api_client_for, agent, ticket, customer):
    api = api_client_for(agent)

    same = api.put(f"{BY_ID}ZD-100/", {"customer": customer.pk, "subject": ticket.subject}, format="json")
    other = api.put(f"{BY_ID}ZD-100/", {"subject": "Something else"}, format="json")

    assert same.status_code == 200
    assert other.status_code == 400 and "subject" in other.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.subject == "The car makes a noise"


def test_it_reads_a_ticket_by_its_crm_id(api_client_for, agent, ticket):
    response = api_client_for(agent).get(f"{BY_ID}ZD-100/")

    assert response.status_code == 200 and response.json()["id"] == ticket.pk
    assert api_client_for(agent).get(f"{BY_ID}NOPE/").status_code == 404


def test_a_caller_without_a_role_cannot_upsert(api_client_for, customer):
    api = api_client_for(UserFactory(username="dave"))

    assert api.put(f"{BY_ID}ZD-5/", new_ticket(customer), format="json").status_code == 403
    assert api.post(BULK, {"items": [{"external_id": "ZD-5", **new_ticket(customer)}]},
                    format="json").status_code == 403
    assert not Ticket.objects.exists()


# --- Many tickets ------------------------------------------------------------------------------------


def test_bulk_writes_the_valid_items_and_reports_each_in_order(api_client_for, agent, customer, ticket):
    items = [
        {"external_id": "B-1", **new_ticket(customer)},
        {"external_id": "B-2", "customer": customer.pk, "subject": "No body"},
        {"external_id": "ZD-100", "priority": "high"},
        {"external_id": "B-3", **new_ticket(customer, status="closed")},  # new -> closed is not allowed
        {"external_id": "B-4", **new_ticket(customer, priority="someday")},
    ]

    response = api_client_for(agent).post(BULK, {"items": items}, format="json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "updated", "error", "error"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert "body" in results[1]["errors"]
    assert "status" in results[3]["errors"] and "priority" in results[4]["errors"]
    assert results[0]["id"] == Ticket.objects.get(external_id="B-1").pk and results[2]["id"] == ticket.pk
    assert not Ticket.objects.filter(external_id__in=["B-2", "B-3", "B-4"]).exists()  # B-3 rolled back
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


def test_an_atomic_bulk_with_one_error_writes_nothing(api_client_for, agent, customer, ticket):
    items = [{"external_id": "A-1", **new_ticket(customer)}, {"external_id": "ZD-100", "priority": "urgent"},
             {"external_id": "A-2", "subject": "No customer", "body": "x"}]

    response = api_client_for(agent).post(BULK, {"items": items, "atomic": True}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["written"] is False
    assert [r["status"] for r in body["results"]] == ["created", "updated", "error"]
    assert body["results"][0]["id"] is None
    assert not Ticket.objects.filter(external_id="A-1").exists()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY).exists()


def test_a_repeated_crm_id_in_one_call_is_one_ticket(api_client_for, agent, customer):
    items = [{"external_id": "R-1", **new_ticket(customer)}, {"external_id": "R-1", "status": "open"}]

    response = api_client_for(agent).post(BULK, {"items": items}, format="json")

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "updated"] and results[0]["id"] == results[1]["id"]
    assert Ticket.objects.get(external_id="R-1").status == Status.OPEN


def test_more_than_500_items_is_a_400(api_client_for, agent, customer):
    items = [{"external_id": f"X-{i}", **new_ticket(customer)} for i in range(501)]

    response = api_client_for(agent).post(BULK, {"items": items}, format="json")

    assert response.status_code == 400 and "items" in response.json()["errors"]
    assert not Ticket.objects.exists()
