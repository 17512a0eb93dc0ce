from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import ExperienceSignal
from tests.cxhub.factories import UserFactory, agent_user
from tests.journeys.factories import CustomerFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.choices import MessageKind, Priority, Status
from tickets.models import (
    BusinessCalendar,
    Category,
    ResolutionCode,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from tickets.services import ticket_assign, ticket_change_status, ticket_reply, ticket_resolve

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def ticket(customer, touchpoint):
    return make_ticket(customer=customer, touchpoint=touchpoint, external_id="ZD-100")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- Creating ------------------------------------------------------------------------------------------


def test_an_agent_logs_a_ticket_through_the_service(api_client_for, agent, customer, touchpoint):
    response = api_client_for(agent).post(TICKETS, {
        "customer": customer.pk, "subject": "Η μπαταρία αδειάζει", "body": "Κάθε πρωί, από τη Δευτέρα.",
        "touchpoint": touchpoint.pk, "channel": "phone", "priority": "high", "external_id": "ZD-7",
    }, format="json")

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(external_id="ZD-7")
    body = response.json()
    assert body["id"] == ticket.pk and body["status"] == "new"
    assert ticket.created_by == agent and ticket.team == touchpoint.owner_team
    assert (ticket.channel, ticket.priority) == ("phone", "high")
    assert body["team"]["id"] == touchpoint.owner_team_id and "messages" not in body
    assert response["ETag"] and response["Location"] == f"{TICKETS}{ticket.pk}/"

    detail = api_client_for(agent).get(response["Location"]).json()
    assert detail["messages"][0]["body"] == "Κάθε πρωί, από τη Δευτέρα."
    assert detail["messages"][0]["kind"] == MessageKind.CUSTOMER
    assert [e["kind"] for e in detail["events"]] == ["created"]


@pytest.fixture
def policy(db) -> SlaPolicy:
    """The policy of high-priority tickets, on a calendar around the clock."""
    calendar = BusinessCalendar.objects.create(name="Around the clock", around_the_clock=True)
    return SlaPolicy.objects.create(name="Χρυσό συμβόλαιο", priority=Priority.HIGH, calendar=calendar,
                                    first_response_minutes=30, next_response_minutes=60, resolution_minutes=240)


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="Giao hàng")


def test_the_answer_to_a_create_is_the_ticket_as_stored(api_client_for, agent, customer, touchpoint, policy,
                                                       category):
    api = api_client_for(agent)

    response = api.post(TICKETS, {
        "customer": customer.pk, "touchpoint": touchpoint.pk, "subject": "Bưu kiện đến muộn",
        "body": "Đã hai ngày rồi.", "priority": "high", "category": category.pk, "channel": "web",
        "assignee": agent.pk, "external_id": "ZD-77",
    }, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    stored = api.get(response["Location"]).json()
    assert body == {key: stored[key] for key in body}
    assert body["sla_policy"]["name"] == "Χρυσό συμβόλαιο" and body["category"]["name"] == "Giao hàng"
    assert body["assignee"]["id"] == agent.pk and body["customer"]["id"] == customer.pk
    assert body["tags"] == [] and body["touchpoint"]["id"] == touchpoint.pk
    assert response["ETag"] == api.get(response["Location"])["ETag"]


def test_creating_a_ticket_costs_a_bounded_number_of_queries(api_client_for, agent, customer, touchpoint,
                                                            django_assert_max_num_queries):
    api = api_client_for(agent)
    api.post(TICKETS, {"customer": customer.pk, "subject": "First", "body": "The desk's configuration is "
                       "read once by the process, then again only when it changes."}, format="json")

    # token, permissions, customer, touchpoint; the configuration's stamp; the ticket, its message and
    # history, the webhook event and its subscribers; and the transaction's own two statements. Routing
    # and the SLA read nothing else; the answer reads nothing again (a new ticket has no tags).
    with django_assert_max_num_queries(12):
        response = api.post(TICKETS, {"customer": customer.pk, "touchpoint": touchpoint.pk,
                                      "subject": "Η μπαταρία αδειάζει", "body": "Κάθε πρωί."}, format="json")

    assert response.status_code == 201 and response.json()["tags"] == []


def test_a_ticket_needs_only_a_customer_a_subject_and_a_message(api_client_for, agent, customer):
    response = api_client_for(agent).post(
        TICKETS, {"customer": customer.pk, "subject": "Hi", "body": "Question"}, format="json")

    assert response.status_code == 201
    assert (response.json()["priority"], response.json()["channel"], response.json()["touchpoint"]) == (
        "normal", "email", None)


def test_a_duplicate_external_id_is_a_409_on_that_field(api_client_for, agent, ticket, customer):
    response = api_client_for(agent).post(
        TICKETS, {"customer": customer.pk, "subject": "Again", "body": "Again", "external_id": "ZD-100"},
        format="json")

    assert response.status_code == 409
    assert response.json()["errors"]["external_id"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("change, field", [
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"body": "   "}, "body"),
    ({"customer": 999999}, "customer"),
    ({"customer": "abc"}, "customer"),
    ({"customer": 10**30}, "customer"),
    ({"customer": None}, "customer"),
    ({"priority": "whenever"}, "priority"),
    ({"channel": 7}, "channel"),
    ({"touchpoint": "Test drive"}, "touchpoint"),
    ({"external_id": ["ZD-1"]}, "external_id"),
])
def test_it_answers_bad_ticket_input_with_a_field_error_and_writes_nothing(
        api_client_for, agent, customer, change, field):
    body = {"customer": customer.pk, "subject": "Noise", "body": "A rattle."} | change

    response = api_client_for(agent).post(TICKETS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Ticket.objects.count() == 0 and TicketMessage.objects.count() == 0


@pytest.mark.parametrize("raw", ['{"customer": 1, "subject": ', "[]", '"just a string"', "null"])
def test_it_answers_malformed_json_with_a_json_400(api_client_for, agent, raw):
    response = api_client_for(agent).post(TICKETS, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert Ticket.objects.count() == 0


def test_a_touchpoint_that_is_no_longer_active_is_refused_by_the_service(api_client_for, agent, customer):
    retired = TouchpointFactory(is_active=False)

    response = api_client_for(agent).post(
        TICKETS, {"customer": customer.pk, "subject": "S", "body": "B", "touchpoint": retired.pk},
        format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["touchpoint"] == ["That touchpoint is no longer active."]


# --- Listing -------------------------------------------------------------------------------------------


def test_it_filters_tickets_the_way_a_queue_or_a_sync_needs(api_client_for, manager, agent, other_agent, team,
                                                            other_team, customer, touchpoint):
    mine = make_ticket(customer=customer, touchpoint=touchpoint, priority=Priority.HIGH)
    ticket_assign(ticket=mine, assignee=agent, actor=agent)
    billing = make_ticket(team=other_team, external_id="ZD-2", priority=Priority.LOW)
    ticket_change_status(ticket=billing, status=Status.PENDING, actor=other_agent)
    old = make_ticket(at=timezone.now() - dt.timedelta(days=9))
    Ticket.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=9))
    api = api_client_for(manager)  # sees every team's tickets

    assert ids(api.get(TICKETS + "?status=new")) == [mine.pk, old.pk]
    assert ids(api.get(TICKETS + "?status=new&status=pending")) == [billing.pk, mine.pk, old.pk]
    assert ids(api.get(TICKETS + "?priority=high&priority=low")) == [billing.pk, mine.pk]
    assert ids(api.get(TICKETS + f"?team={other_team.pk}")) == [billing.pk]
    assert ids(api.get(TICKETS + f"?assignee={agent.pk}")) == [mine.pk]
    assert ids(api.get(TICKETS + "?unassigned=true")) == [billing.pk, old.pk]
    assert ids(api.get(TICKETS + f"?touchpoint={touchpoint.pk}")) == [mine.pk]
    assert ids(api.get(TICKETS + f"?customer={customer.pk}")) == [mine.pk]
    assert ids(api.get(TICKETS + "?external_id=ZD-2")) == [billing.pk]
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(api.get(TICKETS + f"?updated_since={since}")) == [billing.pk, mine.pk]


def test_it_orders_tickets_by_urgency_then_by_age(api_client_for, agent):
    low = make_ticket(priority=Priority.LOW)
    urgent = make_ticket(priority=Priority.URGENT)
    normal_old = make_ticket(priority=Priority.NORMAL, at=timezone.now() - dt.timedelta(hours=2))
    normal_new = make_ticket(priority=Priority.NORMAL)
    api = api_client_for(agent)

    assert ids(api.get(TICKETS + "?ordering=-priority,created_at")) == [
        urgent.pk, normal_old.pk, normal_new.pk, low.pk]
    assert ids(api.get(TICKETS + "?ordering=updated_at")) == [low.pk, urgent.pk, normal_old.pk, normal_new.pk]


@pytest.mark.parametrize("query, field", [
    ("status=lost", "status"), ("updated_since=last-week", "updated_since"), ("customer=1.5", "customer"),
    ("assignee=999999", "assignee"), ("team=abc", "team"), ("ordering=subject", "ordering"),
])
def test_it_refuses_a_filter_value_it_cannot_understand(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{TICKETS}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_ticket_list_runs_a_constant_number_of_queries(api_client_for, agent, team, touchpoint, size,
                                                          django_assert_max_num_queries):
    for _ in range(size):
        ticket_assign(ticket=make_ticket(touchpoint=touchpoint), assignee=agent, actor=agent)
    api = api_client_for(agent)

    # token, the caller's permissions (2), active custom fields (filters), page, tags; nothing counted
    with django_assert_max_num_queries(6):
        response = api.get(TICKETS)

    assert len(response.json()["results"]) == size
    assert response.json()["results"][0]["assignee"]["username"] == "bob"


def test_a_page_of_classified_tickets_costs_the_same_queries_as_a_page_of_new_ones(
        api_client_for, agent, customer, policy, category, django_assert_max_num_queries):
    code = ResolutionCode.objects.create(name="بازپرداخت")
    older = [make_ticket(customer=customer) for _ in range(3)]
    Ticket.objects.filter(pk__in=[t.pk for t in older]).update(category=category, resolution_code=code,
                                                               sla_policy=policy)
    for _ in range(4):
        make_ticket(customer=customer)  # newer, and holding none of the three
    api = api_client_for(agent)
    api.get(TICKETS)  # the token and the caller's permissions are cached alike for every page

    # pages of 3, newest first: the 4 new tickets fill page 1 and the row that tells it a next page exists
    with CaptureQueriesContext(connection) as first:
        page = api.get(f"{TICKETS}?page_size=3").json()
    first_count = len(first)
    page = api.get(page["next"]).json()
    with CaptureQueriesContext(connection) as last, django_assert_max_num_queries(first_count):
        page = api.get(page["next"]).json()

    assert len(last) == first_count
    assert [row["id"] for row in page["results"]] == [older[0].pk]
    assert {key: page["results"][0][key] for key in ("category", "resolution_code", "sla_policy")} == {
        "category": {"id": category.pk, "name": "Giao hàng"},
        "resolution_code": {"id": code.pk, "name": "بازپرداخت"},
        "sla_policy": {"id": policy.pk, "name": "Χρυσό συμβόλαιο"},
    }


# --- Reading one ---------------------------------------------------------------------------------------


def test_the_detail_shows_the_conversation_newest_last_and_the_history(api_client_for, agent, ticket):
    ticket_reply(ticket=ticket, author=agent, body="We will look at it today.")
    ticket_reply(ticket=ticket, author=agent, body="Customer is a fleet client.", internal=True)
    ticket_resolve(ticket=ticket, actor=agent)

    response = api_client_for(agent).get(f"{TICKETS}{ticket.pk}/")

    body = response.json()
    assert [(m["kind"], m["internal"]) for m in body["messages"]] == [
        ("customer", False), ("reply", False), ("note", True)]
    assert body["messages"][1]["author"] == {"id": agent.pk, "username": "bob", "name": "Bob"}
    statuses = [(e["data"]["old"], e["data"]["new"]) for e in body["events"] if e["kind"] == "status"]
    assert statuses == [("new", "open"), ("open", "resolved")]
    assert body["status"] == "resolved" and body["customer"]["external_id"] == "CRM-GR-1"


@pytest.mark.parametrize("messages", [1, 20])
def test_the_detail_runs_a_constant_number_of_queries(api_client_for, agent, ticket, messages,
                                                     django_assert_max_num_queries):
    for n in range(messages):
        ticket_reply(ticket=ticket, author=agent, body=f"Update {n}")
    api = api_client_for(agent)

    # as the list, plus messages, their attachments, events and links both ways
    with django_assert_max_num_queries(11):
        response = api.get(f"{TICKETS}{ticket.pk}/")

    assert len(response.json()["messages"]) == messages + 1


# --- Actions -------------------------------------------------------------------------------------------


def test_a_public_reply_opens_the_ticket_and_a_note_stays_internal(api_client_for, agent, ticket):
    api = api_client_for(agent)

    reply = api.post(f"{TICKETS}{ticket.pk}/replies/", {"body": "On it."}, format="json")
    note = api.post(f"{TICKETS}{ticket.pk}/replies/", {"body": "Check the warranty.", "internal": True},
                    format="json")

    assert reply.status_code == 201 and note.status_code == 201
    assert (reply.json()["kind"], note.json()["kind"], note.json()["internal"]) == ("reply", "note", True)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.first_response_at is not None
    assert ExperienceSignal.objects.filter(source="ticket", kind="first_response").count() == 1


def test_an_empty_reply_is_refused(api_client_for, agent, ticket):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/replies/", {"body": ""}, format="json")

    assert response.status_code == 400 and "body" in response.json()["errors"]
    assert ticket.messages.count() == 1


def test_resolving_then_reopening_goes_through_the_services(api_client_for, agent, ticket):
    api = api_client_for(agent)

    resolved = api.post(f"{TICKETS}{ticket.pk}/resolve/")
    reopened = api.post(f"{TICKETS}{ticket.pk}/reopen/")

    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert reopened.json()["reopen_count"] == 1
    kinds = set(ExperienceSignal.objects.values_list("kind", flat=True))
    assert {"ticket_resolved", "ticket_reopened"} <= kinds


@pytest.mark.parametrize("action, body, message", [
    ("reopen", None, "Only a resolved ticket can be reopened."),
    ("status", {"status": "closed"},
     "A new ticket cannot become closed (allowed: open, pending (waiting on customer), resolved)."),
    ("status", {"status": "new"}, "The ticket is new already."),
])
def test_a_transition_the_workflow_does_not_allow_is_a_409_with_the_reason(
        api_client_for, agent, ticket, action, body, message):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/{action}/", body, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == message
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_a_closed_ticket_takes_no_reply(api_client_for, agent, ticket):
    ticket_resolve(ticket=ticket, actor=agent)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, actor=agent)

    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/replies/", {"body": "Hello?"}, format="json")

    assert response.status_code == 409
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("body", [{"status": "lost"}, {"status": 3}, {}])
def test_an_unknown_status_is_a_400(api_client_for, agent, ticket, body):
    response = api_client_for(agent).post(f"{TICKETS}{ticket.pk}/status/", body, format="json")

    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_it_assigns_and_unassigns(api_client_for, team_lead, agent, ticket):
    api = api_client_for(team_lead)  # agents take tickets; a team lead assigns them

    assigned = api.post(f"{TICKETS}{ticket.pk}/assign/", {"assignee": agent.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["assignee"]["username"] == "bob"

    unassigned = api.post(f"{TICKETS}{ticket.pk}/assign/", {"assignee": None}, format="json")
    assert unassigned.status_code == 200 and unassigned.json()["assignee"] is None
    assert [e["kind"] for e in unassigned.json()["events"]] == ["created", "assigned", "assigned"]


def test_it_assigns_only_to_active_people_who_work_tickets(api_client_for, agent, outsider, ticket):
    departed = agent_user(username="erin", is_active=False)
    api = api_client_for(agent)

    for assignee in (outsider.pk, departed.pk, 999999, "bob", True):
        response = api.post(f"{TICKETS}{ticket.pk}/assign/", {"assignee": assignee}, format="json")
        assert response.status_code == 400, assignee
        assert "assignee" in response.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize("action", ["resolve", "reopen", "status", "assign", "replies"])
def test_an_action_on_a_ticket_that_does_not_exist_is_a_json_404(api_client_for, agent, action):
    response = api_client_for(agent).post(f"{TICKETS}424242/{action}/", {"body": "x"}, format="json")

    assert response.status_code == 404 and response.json()["detail"]


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("get", ""), ("post", ""), ("get", "{id}/"), ("post", "{id}/replies/"), ("post", "{id}/resolve/"),
    ("post", "{id}/reopen/"), ("post", "{id}/status/"), ("post", "{id}/assign/"),
])
def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(
        api_client_for, outsider, ticket, customer, method, path):
    url = TICKETS + path.format(id=ticket.pk)
    body = json.dumps({"customer": customer.pk, "subject": "S", "body": "B", "status": "open",
                       "assignee": None})

    kwargs = {"data": body, "content_type": "application/json"} if method == "post" else {}

    anonymous = getattr(APIClient(), method)(url, **kwargs)
    roleless = getattr(api_client_for(outsider), method)(url, **kwargs)

    assert anonymous.status_code == 401
    assert roleless.status_code == 403
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1 and ticket.status == Status.NEW and ticket.messages.count() == 1


def test_tickets_cannot_be_edited_or_deleted_directly(api_client_for, manager, ticket):
    api = api_client_for(manager)

    responses = [api.patch(f"{TICKETS}{ticket.pk}/", {"status": "closed"}, format="json"),
                 api.delete(f"{TICKETS}{ticket.pk}/")]

    # PATCH is not offered at all; nobody holds the permission to delete a ticket.
    assert [r.status_code for r in responses] == [405, 403]
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_a_customer_of_another_ticket_list_is_not_mixed_in(api_client_for, agent, ticket):
    stranger = CustomerFactory()
    make_ticket(customer=stranger)

    assert ids(api_client_for(agent).get(f"{TICKETS}?customer={ticket.customer_id}")) == [ticket.pk]
