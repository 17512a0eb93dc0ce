"""The service desk's ticket actions in the API: what a ticket shows, priority, classification, merge and links."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory
from tests.tickets.factories import make_ticket
from tickets.choices import CustomFieldKind, EventKind, LinkKind, Priority, SlaStatus, Status
from tickets.models import (
    Category,
    CustomField,
    ResolutionCode,
    RoutingRule,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
)
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_classify,
    ticket_link,
    ticket_merge,
    ticket_resolve,
)

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def ticket(customer, touchpoint):
    return make_ticket(customer=customer, touchpoint=touchpoint)


@pytest.fixture
def billing(db):
    return Category.objects.create(name="Billing")


@pytest.fixture
def fixed(db):
    return ResolutionCode.objects.create(name="Fixed")


@pytest.fixture
def fields(db):
    return [
        CustomField.objects.create(key="vin", label="VIN", kind=CustomFieldKind.TEXT),
        CustomField.objects.create(key="mileage", label="Mileage", kind=CustomFieldKind.NUMBER),
        CustomField.objects.create(key="model", label="Model", kind=CustomFieldKind.CHOICE,
                                   choices=["Corsa", "Astra"]),
    ]


def post(api: APIClient, path: str, body: object = None):
    return api.post(path, body, format="json")


def event_kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


# --- What a ticket shows -------------------------------------------------------------------------------


def test_a_ticket_shows_its_classification_service_level_and_merge(api_client_for, agent, ticket, billing,
                                                                   fixed, fields, customer):
    ticket_classify(ticket=ticket, actor=agent, category=billing, resolution_code=fixed, tags=["VIP", "recall"],
                    custom_fields={"mileage": "42000"})
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    duplicate = make_ticket(customer=customer)
    ticket_merge(duplicate=duplicate, into=ticket, actor=agent)
    api = api_client_for(agent)

    body = api.get(f"{TICKETS}{ticket.pk}/").json()
    row = next(r for r in api.get(TICKETS).json()["results"] if r["id"] == ticket.pk)
    merged = api.get(f"{TICKETS}{duplicate.pk}/").json()

    for shown in (body, row):
        assert shown["category"] == {"id": billing.pk, "name": "Billing"}
        assert shown["resolution_code"] == {"id": fixed.pk, "name": "Fixed"}
        assert shown["tags"] == ["recall", "vip"]
        assert shown["custom_fields"] == {"mileage": 42000}
        assert shown["sla_status"] == SlaStatus.OK
        assert shown["sla_policy"] is None  # no policy configured: the default targets apply
        assert shown["first_touched_at"] is not None
        for due in ("first_response_due_at", "next_response_due_at", "resolution_due_at"):
            assert due in shown
        assert shown["merged_into"] is None
    assert merged["merged_into"] == ticket.pk and merged["status"] == Status.CLOSED
    assert body["links"] == [{"id": TicketLink.objects.get().pk, "kind": LinkKind.DUPLICATE, "direction": "in",
                              "ticket": {"id": duplicate.pk, "subject": duplicate.subject, "status": "closed"},
                              "created_at": body["links"][0]["created_at"]}]
    assert merged["links"][0]["direction"] == "out" and merged["links"][0]["ticket"]["id"] == ticket.pk


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_with_tags_and_classification_runs_a_constant_number_of_queries(
        api_client_for, agent, billing, size, django_assert_max_num_queries):
    for n in range(size):
        ticket_classify(ticket=make_ticket(), actor=agent, category=billing, resolution_code=None,
                        tags=[f"tag-{n}", "common"])
    api = api_client_for(agent)

    with django_assert_max_num_queries(7):
        response = api.get(TICKETS + "?page_size=100")

    assert len(response.json()["results"]) == size
    assert all("common" in row["tags"] for row in response.json()["results"])


# --- Creating with routing ----------------------------------------------------------------------------


def test_a_new_tickets_category_can_route_it(api_client_for, agent, customer, other_team, billing):
    RoutingRule.objects.create(name="Billing questions", team=other_team, category=billing, set_priority="high")

    api = api_client_for(agent)
    response = post(api, TICKETS, {"customer": customer.pk, "subject": "Invoice", "body": "Charged twice.",
                                   "category": billing.pk})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["category"]["id"], body["team"]["id"], body["priority"]) == (billing.pk, other_team.pk, "high")
    history = api.get(response["Location"]).json()["events"]  # the answer to a create is the summary
    routed = next(e for e in history if e["kind"] == EventKind.ROUTED)
    assert routed["data"]["rule"] == "Billing questions" and routed["data"]["override"] is False


def test_a_team_or_assignee_given_at_creation_overrides_the_rules(api_client_for, agent, other_agent, customer,
                                                                 team, other_team, billing):
    RoutingRule.objects.create(name="Billing questions", team=other_team, category=billing)
    api = api_client_for(agent)

    to_team = post(api, TICKETS, {"customer": customer.pk, "subject": "Invoice", "body": "Twice.",
                                  "category": billing.pk, "team": team.pk})
    to_person = post(api, TICKETS, {"customer": customer.pk, "subject": "Invoice", "body": "Again.",
                                    "category": billing.pk, "assignee": other_agent.pk})

    assert to_team.status_code == 201 and to_team.json()["team"]["id"] == team.pk
    assert to_person.status_code == 201 and to_person.json()["assignee"]["id"] == other_agent.pk
    for response in (to_team, to_person):
        history = api.get(response["Location"]).json()["events"]
        routed = next(e for e in history if e["kind"] == EventKind.ROUTED)
        assert routed["data"]["override"] is True and routed["actor"]["id"] == agent.pk


@pytest.mark.parametrize("change, field", [
    ({"category": "retired"}, "category"), ({"category": 999999}, "category"), ({"team": 999999}, "team"),
    ({"assignee": "outsider"}, "assignee"), ({"assignee": "abc"}, "assignee"),
])
def test_a_routing_choice_at_creation_that_cannot_be_used_is_a_400(api_client_for, agent, customer, outsider,
                                                                   billing, change, field):
    Category.objects.filter(pk=billing.pk).update(is_active=False)
    values = {"retired": billing.pk, "outsider": outsider.pk}
    body = {"customer": customer.pk, "subject": "S", "body": "B"} | {
        key: values.get(value, value) for key, value in change.items()}

    response = post(api_client_for(agent), TICKETS, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Ticket.objects.exists()


# --- Priority ------------------------------------------------------------------------------------------


def test_it_changes_the_priority_through_the_service(api_client_for, agent, ticket):
    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/priority/", {"priority": "urgent"})

    assert response.status_code == 200, response.json()
    assert response.json()["priority"] == Priority.URGENT
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert response.json()["events"][-1]["kind"] == EventKind.PRIORITY
    assert response.json()["events"][-1]["data"] == {"old": "normal", "new": "urgent"}


@pytest.mark.parametrize("body", [{"priority": "soon"}, {"priority": None}, {}, {"priority": ["high"]}])
def test_an_unknown_priority_is_a_400_on_that_field(api_client_for, agent, ticket, body):
    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/priority/", body)

    assert response.status_code == 400 and "priority" in response.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


# --- Classification ------------------------------------------------------------------------------------


def test_it_classifies_a_ticket_in_one_go(api_client_for, agent, ticket, billing, fixed, fields):
    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/classify/", {
        "category": billing.pk, "resolution_code": fixed.pk, "tags": ["Recall 2026", "vip", "VIP"],
        "custom_fields": {"vin": " WVW123 ", "mileage": 1500.5, "model": "Astra"},
    })

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["category"]["id"] == billing.pk and body["resolution_code"]["id"] == fixed.pk
    assert body["tags"] == ["recall 2026", "vip"]
    assert body["custom_fields"] == {"vin": "WVW123", "mileage": 1500.5, "model": "Astra"}
    assert event_kinds(ticket)[-4:] == [EventKind.CATEGORY, EventKind.RESOLUTION_CODE, EventKind.TAGS,
                                         EventKind.FIELDS]


def test_what_classify_leaves_out_keeps_its_value_and_null_clears(api_client_for, agent, ticket, billing,
                                                                  fixed, fields):
    ticket_classify(ticket=ticket, actor=agent, category=billing, resolution_code=fixed, tags=["vip"],
                    custom_fields={"vin": "A1", "model": "Corsa"})
    api = api_client_for(agent)

    response = post(api, f"{TICKETS}{ticket.pk}/classify/", {"resolution_code": None,
                                                             "custom_fields": {"vin": None}})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["category"]["id"] == billing.pk and body["tags"] == ["vip"]
    assert body["resolution_code"] is None
    assert body["custom_fields"] == {"model": "Corsa"}


@pytest.mark.parametrize("change, field", [
    ({"category": 999999}, "category"),
    ({"category": "Billing"}, "category"),
    ({"resolution_code": 10**30}, "resolution_code"),
    ({"tags": "vip"}, "tags"),
    ({"tags": ["ok", "no/slashes"]}, "tags"),
    ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
    ({"tags": [["nested"]]}, "tags"),
    ({"custom_fields": {"colour": "red"}}, "custom_fields"),
    ({"custom_fields": {"mileage": "a lot"}}, "custom_fields"),
    ({"custom_fields": {"mileage": "NaN"}}, "custom_fields"),
    ({"custom_fields": {"model": "Golf"}}, "custom_fields"),
    ({"custom_fields": {"vin": {"nested": 1}}}, "custom_fields"),
    ({"custom_fields": ["vin"]}, "custom_fields"),
])
def test_bad_classification_is_a_400_on_its_field_and_changes_nothing(
        api_client_for, agent, ticket, billing, fixed, fields, change, field):
    # every part is valid but the one under test, so a partial write would show
    body = {"category": billing.pk, "resolution_code": fixed.pk, "tags": ["vip"],
            "custom_fields": {"vin": "A1"}} | change

    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/classify/", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    ticket.refresh_from_db()
    assert (ticket.category, ticket.resolution_code, ticket.custom_fields) == (None, None, {})
    assert not ticket.tags.exists() and not Tag.objects.exists()
    assert event_kinds(ticket) == [EventKind.CREATED]


def test_a_retired_category_is_refused_after_the_other_parts_were_checked(api_client_for, agent, ticket,
                                                                         billing, fixed):
    Category.objects.filter(pk=billing.pk).update(is_active=False)

    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/classify/",
                    {"category": billing.pk, "resolution_code": fixed.pk, "tags": ["vip"]})

    assert response.status_code == 400
    assert response.json()["errors"] == {"category": ["That category is no longer in use."]}
    ticket.refresh_from_db()
    assert ticket.category is None and ticket.resolution_code is None


def test_classify_needs_something_to_change(api_client_for, agent, ticket):
    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/classify/", {})

    assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]


# --- Merge and links -----------------------------------------------------------------------------------


def test_it_merges_a_duplicate_into_the_kept_ticket(api_client_for, agent, ticket, customer):
    duplicate = make_ticket(customer=customer, subject="Same rattle again")

    response = post(api_client_for(agent), f"{TICKETS}{duplicate.pk}/merge/", {"into": ticket.pk})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == ticket.pk and len(body["messages"]) == 2
    duplicate.refresh_from_db()
    assert duplicate.merged_into == ticket and duplicate.status == Status.CLOSED


@pytest.mark.parametrize("into, status, field", [
    ("self", 400, "into"), ("stranger", 400, "into"), ("closed", 409, "into"), (999999, 400, "into"),
    (None, 400, "into"), ("x", 400, "into"),
])
def test_a_merge_the_rules_refuse_changes_neither_ticket(api_client_for, agent, ticket, customer, into,
                                                         status, field):
    duplicate = make_ticket(customer=customer)
    targets = {"self": duplicate.pk, "stranger": make_ticket(customer=CustomerFactory()).pk}
    if into == "closed":
        closed = make_ticket(customer=customer)
        ticket_resolve(ticket=closed, actor=agent)
        ticket_change_status(ticket=closed, status=Status.CLOSED, actor=agent)
        targets["closed"] = closed.pk

    response = post(api_client_for(agent), f"{TICKETS}{duplicate.pk}/merge/", {"into": targets.get(into, into)})

    assert response.status_code == status, response.json()
    assert field in response.json()["errors"]
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.status == Status.NEW
    assert duplicate.messages.count() == 1 and not TicketLink.objects.exists()


def test_merging_twice_is_a_409(api_client_for, agent, ticket, customer):
    duplicate = make_ticket(customer=customer)
    ticket_merge(duplicate=duplicate, into=ticket, actor=agent)

    response = post(api_client_for(agent), f"{TICKETS}{duplicate.pk}/merge/", {"into": ticket.pk})

    assert response.status_code == 409
    assert "merged into" in response.json()["detail"]


def test_it_links_related_tickets_once_from_either_end_and_unlinks(api_client_for, agent, ticket):
    other = make_ticket()
    api = api_client_for(agent)

    linked = post(api, f"{TICKETS}{ticket.pk}/links/", {"other": other.pk})
    again = post(api, f"{TICKETS}{other.pk}/links/", {"other": ticket.pk})

    assert linked.status_code == 201, linked.json()
    assert linked.json()["kind"] == LinkKind.RELATED and linked.json()["direction"] == "out"
    assert linked.json()["ticket"] == {"id": other.pk, "subject": other.subject, "status": "new"}
    assert again.status_code == 201 and again.json()["id"] == linked.json()["id"]
    assert again.json()["direction"] == "in" and again.json()["ticket"]["id"] == ticket.pk
    assert TicketLink.objects.count() == 1
    assert [link["ticket"]["id"] for link in api.get(f"{TICKETS}{other.pk}/").json()["links"]] == [ticket.pk]

    removed = api.delete(f"{TICKETS}{other.pk}/links/{ticket.pk}/")
    gone = api.delete(f"{TICKETS}{other.pk}/links/{ticket.pk}/")

    assert removed.status_code == 204
    assert gone.status_code == 404 and gone.json()["detail"]
    assert not TicketLink.objects.exists()
    assert event_kinds(ticket)[-2:] == [EventKind.LINKED, EventKind.LINKED]


@pytest.mark.parametrize("other, field", [("self", "other"), (999999, "other"), (None, "other"), ("", "other")])
def test_a_link_to_itself_or_to_nothing_is_a_400(api_client_for, agent, ticket, other, field):
    value = ticket.pk if other == "self" else other

    response = post(api_client_for(agent), f"{TICKETS}{ticket.pk}/links/", {"other": value})

    assert response.status_code == 400 and field in response.json()["errors"]
    assert not TicketLink.objects.exists()


def test_unlinking_keeps_the_record_of_a_merge(api_client_for, agent, ticket, customer):
    duplicate = make_ticket(customer=customer)
    ticket_merge(duplicate=duplicate, into=ticket, actor=agent)

    response = api_client_for(agent).delete(f"{TICKETS}{ticket.pk}/links/{duplicate.pk}/")

    assert response.status_code == 404
    assert TicketLink.objects.filter(kind=LinkKind.DUPLICATE).count() == 1


def test_unlinking_a_ticket_that_does_not_exist_is_a_404(api_client_for, agent, ticket):
    api = api_client_for(agent)

    assert api.delete(f"{TICKETS}{ticket.pk}/links/999999/").status_code == 404
    assert api.delete(f"{TICKETS}999999/links/{ticket.pk}/").status_code == 404
    assert api.delete(f"{TICKETS}{ticket.pk}/links/99999999999999999999999/").status_code == 404


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("post", "{id}/priority/"), ("post", "{id}/classify/"), ("post", "{id}/merge/"), ("post", "{id}/links/"),
    ("delete", "{id}/links/{other}/"), ("post", "bulk/"),
])
def test_the_ticket_actions_refuse_anonymous_callers_and_people_without_a_role(
        api_client_for, outsider, ticket, customer, method, path):
    other = make_ticket(customer=customer)
    ticket_link(ticket=ticket, other=other, actor=None)
    url = TICKETS + path.format(id=ticket.pk, other=other.pk)
    body = {"priority": "high", "tags": ["x"], "into": other.pk, "other": other.pk, "tickets": [ticket.pk]}

    anonymous = getattr(APIClient(), method)(url, body, format="json")
    roleless = getattr(api_client_for(outsider), method)(url, body, format="json")

    assert (anonymous.status_code, roleless.status_code) == (401, 403)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.merged_into, ticket.status) == ("normal", None, "new")
    assert not ticket.tags.exists() and TicketLink.objects.count() == 1


def test_managers_may_do_what_agents_may(api_client_for, manager, ticket, billing):
    api = api_client_for(manager)

    assert post(api, f"{TICKETS}{ticket.pk}/priority/", {"priority": "low"}).status_code == 200
    assert post(api, f"{TICKETS}{ticket.pk}/classify/", {"category": billing.pk}).status_code == 200
    assert post(api, f"{TICKETS}bulk/", {"tickets": [ticket.pk], "status": "open"}).status_code == 200


@pytest.mark.parametrize("action", ["priority", "classify", "merge", "links"])
def test_an_action_on_a_ticket_that_does_not_exist_is_a_json_404(api_client_for, agent, ticket, action):
    response = post(api_client_for(agent), f"{TICKETS}424242/{action}/",
                    {"priority": "high", "tags": [], "into": ticket.pk, "other": ticket.pk})

    assert response.status_code == 404 and response.json()["detail"]
