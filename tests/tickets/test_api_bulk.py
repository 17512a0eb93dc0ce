"""Bulk changes to tickets in the API: one transaction, every row through the services, failures reported."""

from __future__ import annotations

import pytest

from tests.cxhub.factories import UserFactory, agent_user
from tests.tickets.factories import make_ticket
from tickets.choices import Status
from tickets.services import ticket_assign, ticket_change_status, ticket_resolve

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def outsider(db):
    return UserFactory(username="dave")


def post(api, path: str, body: object = None):
    return api.post(path, body, format="json")


def test_a_bulk_change_reports_each_ticket_it_could_not_change_in_request_order(api_client_for, agent,
                                                                                team_lead, other_agent):
    first, resolved, last = make_ticket(), make_ticket(), make_ticket()
    ticket_resolve(ticket=resolved, actor=agent)
    ticket_change_status(ticket=resolved, status=Status.CLOSED, actor=agent)

    response = post(api_client_for(team_lead), f"{TICKETS}bulk/", {  # a lead assigns to others
        "tickets": [last.pk, 999999, resolved.pk, first.pk, last.pk],
        "assignee": other_agent.pk, "priority": "high", "status": "pending",
    })

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["changed"] == [last.pk, first.pk]
    assert [f["id"] for f in body["failed"]] == [999999, resolved.pk]
    assert body["failed"][0]["reason"] == "No such ticket."
    assert body["failed"][1]["reason"]
    for changed in (first, last):
        changed.refresh_from_db()
        assert (changed.assignee, changed.priority, changed.status) == (other_agent, "high", "pending")
    resolved.refresh_from_db()
    assert (resolved.assignee, resolved.priority, resolved.status) == (None, "normal", "closed")


def test_a_bulk_change_unassigns_with_null_and_leaves_assignees_alone_when_omitted(api_client_for, agent):
    mine, other = make_ticket(), make_ticket()
    for ticket in (mine, other):
        ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    api = api_client_for(agent)

    kept = post(api, f"{TICKETS}bulk/", {"tickets": [mine.pk], "priority": "low"})
    dropped = post(api, f"{TICKETS}bulk/", {"tickets": [other.pk], "assignee": None})

    assert kept.json() == {"changed": [mine.pk], "failed": []}
    assert dropped.json() == {"changed": [other.pk], "failed": []}
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.assignee, mine.priority) == (agent, "low")
    assert (other.assignee, other.priority) == (None, "normal")


@pytest.mark.parametrize("body, field", [
    ({"tickets": []}, "tickets"),
    ({"tickets": "1,2"}, "tickets"),
    ({"tickets": ["a"]}, "tickets"),
    ({"tickets": [0]}, "tickets"),
    ({"tickets": [10**30]}, "tickets"),
    ({"tickets": list(range(1, 502))}, "tickets"),
    ({"tickets": [1], "priority": "soon"}, "priority"),
    ({"tickets": [1], "status": "lost"}, "status"),
    ({"tickets": [1], "assignee": 999999}, "assignee"),
    ({"tickets": [1], "assignee": "dave"}, "assignee"),
    ({"tickets": [1]}, "non_field_errors"),
    ({"priority": "high"}, "tickets"),
])
def test_bad_bulk_input_is_a_400_on_its_field_and_changes_nothing(api_client_for, agent, body, field):
    ticket = make_ticket()
    body = {**body, "tickets": [ticket.pk if t == 1 else t for t in body["tickets"]]} \
        if isinstance(body.get("tickets"), list) else body

    response = post(api_client_for(agent), f"{TICKETS}bulk/", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status, ticket.assignee) == ("normal", "new", None)


def test_a_bulk_change_assigns_only_people_who_work_tickets(api_client_for, agent, outsider):
    ticket = make_ticket()
    departed = agent_user(username="erin", is_active=False)

    for assignee in (outsider.pk, departed.pk):
        response = post(api_client_for(agent), f"{TICKETS}bulk/", {"tickets": [ticket.pk], "assignee": assignee})
        assert response.status_code == 400 and "assignee" in response.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_five_hundred_tickets_go_in_one_request(api_client_for, agent):
    ticket = make_ticket()

    response = post(api_client_for(agent), f"{TICKETS}bulk/",
                    {"tickets": [ticket.pk, *range(10**9, 10**9 + 499)], "priority": "high"})

    assert response.status_code == 200
    assert response.json()["changed"] == [ticket.pk] and len(response.json()["failed"]) == 499
