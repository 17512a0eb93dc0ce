"""Every API list: cursor pages in a stable order, no counting, and the shared time filters."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cxhub.api import DefaultPagination
from feedback.choices import InvitationTrigger
from feedback.invitations import invitation_create
from feedback.models import Invitation, Survey
from feedback.models import Response as SurveyResponse
from feedback.services import response_submit
from journeys.models import Customer, Journey, Program, Touchpoint
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, JourneyFactory, ProgramFactory, TouchpointFactory
from tests.tickets.factories import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def walk(api, url: str, *, limit: int = 100) -> list[int]:
    """Follow `next` links from `url` and return every id seen, in order."""
    seen: list[int] = []
    for _ in range(limit):
        response = api.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        seen += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return seen
        url = body["next"]
    raise AssertionError("the pages never ended")


# --- Cursor pages ------------------------------------------------------------------------------------


def test_walking_the_pages_sees_every_customer_once_in_order(api_client_for, agent):
    for name in ["Dung", "An", "Chi", "Bao", "Em", "An"]:  # two customers share a name
        CustomerFactory(name=name)

    seen = walk(api_client_for(agent), f"{API}customers/?page_size=2")

    assert seen == list(Customer.objects.order_by("name", "id").values_list("id", flat=True))


def test_pages_do_not_shift_when_rows_are_added_meanwhile(api_client_for, agent):
    for name in ["B", "D", "F", "H"]:
        CustomerFactory(name=name)
    api = api_client_for(agent)
    first = api.get(f"{API}customers/?page_size=2").json()

    # given a customer sorting before the page already read, and one after it
    CustomerFactory(name="A")
    late = CustomerFactory(name="G")
    rest = walk(api, first["next"])

    names = [row["name"] for row in first["results"]] + [
        Customer.objects.get(pk=pk).name for pk in rest]
    assert names == ["B", "D", "F", "G", "H"]  # nothing read twice, nothing skipped, the new later row seen
    assert late.pk in rest


def test_the_previous_link_goes_back_to_exactly_the_page_before(api_client_for, agent):
    CustomerFactory.create_batch(7)
    api = api_client_for(agent)
    first = api.get(f"{API}customers/?page_size=3").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    back = api.get(third["previous"]).json()

    assert first["previous"] is None
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    assert [r["id"] for r in api.get(back["previous"]).json()["results"]] == [r["id"] for r in first["results"]]


def test_an_ordering_with_ties_pages_by_id_too(api_client_for, agent, customer):
    tickets = [make_ticket(customer=customer) for _ in range(7)]
    Ticket.objects.update(updated_at=timezone.now())  # every ticket ties on updated_at

    seen = walk(api_client_for(agent), f"{API}tickets/?queue=all&ordering=-updated_at&page_size=2")

    assert seen == sorted(t.pk for t in tickets)


def test_an_ordering_by_an_expression_pages_too(api_client_for, agent, customer):
    for priority in ["low", "urgent", "normal", "high", "low", "urgent", "normal"]:
        make_ticket(customer=customer, priority=priority)
    rank = {"low": 0, "normal": 1, "high": 2, "urgent": 3}

    seen = walk(api_client_for(agent), f"{API}tickets/?queue=all&ordering=-priority&page_size=3")

    expected = sorted(Ticket.objects.all(), key=lambda t: (-rank[t.priority], t.pk))
    assert seen == [t.pk for t in expected]


def test_empty_values_come_last_and_every_row_once_both_ways(customer):
    tickets = [make_ticket(customer=customer) for _ in range(7)]
    base = timezone.now()
    for offset, ticket in zip([3, 1, 2], tickets[:3], strict=True):  # four stay empty
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=base + dt.timedelta(minutes=offset))
    queryset = Ticket.objects.order_by("first_response_at")
    factory = APIRequestFactory()

    def page(cursor: str | None) -> tuple[list[int], DefaultPagination]:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        paginator = DefaultPagination()
        rows = paginator.paginate_queryset(queryset, Request(factory.get("/x/", params)))
        return [row.pk for row in rows], paginator

    def cursor_of(link: str | None) -> str | None:
        return parse_qs(urlsplit(link).query)["cursor"][0] if link else None

    forward, pages, cursor = [], [], None
    while True:
        ids, paginator = page(cursor)
        forward += ids
        pages.append(ids)
        cursor = cursor_of(paginator.get_next_link())
        if cursor is None:
            break
    backward_pages = []
    cursor = cursor_of(paginator.get_previous_link())
    while cursor is not None:
        ids, paginator = page(cursor)
        backward_pages.insert(0, ids)
        cursor = cursor_of(paginator.get_previous_link())

    answered = [tickets[1].pk, tickets[2].pk, tickets[0].pk]
    assert forward == answered + sorted(t.pk for t in tickets[3:])
    assert backward_pages == pages[:-1]


def test_no_list_counts_its_rows(api_client_for, agent):
    CustomerFactory.create_batch(5)

    with CaptureQueriesContext(connection) as captured:
        response = api_client_for(agent).get(f"{API}customers/?page_size=2")

    assert response.status_code == 200
    assert not [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("url", ["customers/?", "tickets/?queue=all&"])
def test_a_deep_page_costs_the_same_queries_as_the_first(api_client_for, agent, customer, url,
                                                          django_assert_max_num_queries):
    if url.startswith("customers"):
        CustomerFactory.create_batch(40)
    else:
        for _ in range(40):
            make_ticket(customer=customer)
    api = api_client_for(agent)
    api.get(f"{API}{url}page_size=5")  # the token and permissions are cached per request alike

    with CaptureQueriesContext(connection) as first:
        link = api.get(f"{API}{url}page_size=5").json()["next"]
    first_count = len(first)  # read now: the next request clears the connection's log
    for _ in range(5):
        link = api.get(link).json()["next"]
    with CaptureQueriesContext(connection) as deep, django_assert_max_num_queries(first_count):
        body = api.get(link).json()
    deep_count = len(deep)

    assert len(body["results"]) == 5
    assert deep_count == first_count


@pytest.mark.parametrize("query, field", [
    ("page_size=0", "page_size"),
    ("page_size=many", "page_size"),
    ("cursor=not-a-cursor", "cursor"),
])
def test_bad_paging_input_is_a_400_on_the_field(api_client_for, agent, query, field):
    response = api_client_for(agent).get(f"{API}customers/?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_cursor_belongs_to_its_ordering(api_client_for, agent):
    CustomerFactory.create_batch(3)
    api = api_client_for(agent)
    cursor = parse_qs(urlsplit(api.get(f"{API}customers/?page_size=1").json()["next"]).query)["cursor"][0]

    response = api.get(f"{API}customers/", {"cursor": cursor, "ordering": "-created_at"})

    assert response.status_code == 400 and "cursor" in response.json()["errors"]


def test_a_page_size_above_the_maximum_gives_the_maximum(api_client_for, agent):
    CustomerFactory.create_batch(201)

    response = api_client_for(agent).get(f"{API}customers/?page_size=1000")

    assert len(response.json()["results"]) == 200 and response.json()["next"]


# --- Time filters ------------------------------------------------------------------------------------


def _customer():
    return CustomerFactory()


def _ticket():
    return make_ticket(customer=CustomerFactory())


def _survey():
    return make_survey(touchpoint=TouchpointFactory())


def _response():
    touchpoint = TouchpointFactory()
    return response_submit(survey=make_survey(touchpoint=touchpoint), customer=CustomerFactory(), score=4,
                           touchpoint=touchpoint)


def _invitation():
    touchpoint = TouchpointFactory()
    return invitation_create(survey=make_survey(touchpoint=touchpoint), customer=CustomerFactory(),
                             touchpoint=touchpoint, trigger=InvitationTrigger.MANUAL)


# (list, model, how to make one row, whether rows have updated_at)
RESOURCES = [
    ("customers/?", Customer, _customer, True),
    ("tickets/?queue=all&", Ticket, _ticket, True),
    ("programs/?", Program, ProgramFactory, True),
    ("journeys/?", Journey, JourneyFactory, True),
    ("touchpoints/?", Touchpoint, TouchpointFactory, True),
    ("surveys/?", Survey, _survey, True),
    ("responses/?", SurveyResponse, _response, False),
    ("invitations/?", Invitation, _invitation, False),
]


@pytest.mark.parametrize("url, model, make, has_updated_at", RESOURCES, ids=[r[0].split("/")[0] for r in RESOURCES])
def test_lists_filter_by_creation_and_change_times(api_client_for, manager, url, model, make, has_updated_at):
    now = timezone.now()
    old, new = make(), make()
    stamps = {"created_at": now - dt.timedelta(days=30)}
    if has_updated_at:
        stamps["updated_at"] = now - dt.timedelta(days=20)
    model.objects.filter(pk=old.pk).update(**stamps)
    cut = (now - dt.timedelta(days=10)).isoformat()
    api = api_client_for(manager)

    def listed(**params) -> set[int]:
        response = api.get(f"{API}{url}page_size=200", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]} & {old.pk, new.pk}

    assert listed(created_after=cut) == {new.pk}
    assert listed(created_before=cut) == {old.pk}
    assert listed() == {old.pk, new.pk}
    if has_updated_at:
        assert listed(updated_since=cut) == {new.pk}
        # a change moves a row back into the incremental sync
        model.objects.filter(pk=old.pk).update(updated_at=now)
        assert listed(updated_since=cut) == {old.pk, new.pk}


def test_a_bare_date_covers_its_whole_day_and_an_unencoded_plus_is_read_as_one(api_client_for, agent):
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(
        created_at=dt.datetime(2026, 3, 5, 22, 30, tzinfo=dt.UTC))
    api = api_client_for(agent)

    def ids(query: str) -> list[int]:
        response = api.get(f"{API}customers/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("created_before=2026-03-05&created_after=2026-03-05") == [customer.pk]
    # 22:30Z is 00:30 on the 6th at +02:00: the + arrives as a space in a raw query string
    assert ids("created_after=2026-03-06T00:00:00+02:00&created_before=2026-03-06T01:00:00+02:00") == [customer.pk]
    assert ids("created_after=2026-03-06T00:31:00%2B02:00") == []


@pytest.mark.parametrize("url, field, value", [
    ("customers/?", "updated_since", "yesterday"),
    ("customers/?", "updated_since", "2026-05-01T10:00:00"),  # no time zone
    ("tickets/?", "created_after", "2026-13-01"),
    ("tickets/?", "updated_since", "2026-05-01T25:00:00Z"),
    ("programs/?", "created_before", "soon"),
    ("touchpoints/?", "updated_since", "2026-05-01 10:00"),
    ("surveys/?", "updated_since", "0"),
    ("responses/?", "created_after", "2026-05-01T10:00:00"),
    ("invitations/?", "created_before", "later"),
    ("journeys/?", "created_after", "2026-02-30"),
])
def test_a_bad_time_is_a_400_on_its_field(api_client_for, manager, url, field, value):
    response = api_client_for(manager).get(f"{API}{url}", {field: value})

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


# --- Unknown parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("url, known", [
    ("customers/", "updated_since"),
    ("tickets/", "status"),
    ("touchpoints/", "journey"),
    ("stages/", "journey"),
    ("responses/", "created_after"),
    ("touchpoint-events/", "occurred_after"),
    ("signals/", "customer_external_id"),
    ("alerts/", "status"),
    ("tags/", "page_size"),
    ("webhook-deliveries/", "event_type"),
])
def test_a_misspelt_filter_is_a_400_naming_it_instead_of_the_whole_list(api_client_for, manager, url, known):
    CustomerFactory()

    response = api_client_for(manager).get(f"{API}{url}", {"stauts": "open", "page_size": 10})

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"stauts"}
    assert body["code"] == "unknown_parameter" and "stauts" in body["detail"]
    assert {known, "cursor", "page_size", "format"} <= set(body["accepted"])
    assert "stauts" not in body["accepted"]


def test_every_unknown_parameter_is_named_and_the_known_ones_still_work(api_client_for, manager):
    api = api_client_for(manager)

    response = api.get(f"{API}customers/", {"segment": "retail", "updatedsince": "2026-01-01", "sort": "name"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"updatedsince", "sort"}
    assert api.get(f"{API}customers/", {"segment": "retail", "ordering": "name", "format": "json"}).status_code == 200


def test_ordering_is_unknown_where_a_list_offers_none(api_client_for, manager):
    response = api_client_for(manager).get(f"{API}stages/", {"ordering": "name"})

    assert response.status_code == 400 and "ordering" in response.json()["errors"]


def test_a_ticket_list_accepts_the_custom_field_filters_and_range_names(api_client_for, manager, customer):
    from tickets.models import CustomField

    CustomField.objects.create(key="vin", label="VIN")
    ticket = make_ticket(customer=customer)
    api = api_client_for(manager)

    response = api.get(f"{API}tickets/", {"cf_vin": "WVW", "resolved_after": "2026-01-01", "queue": "all"})
    rest = api.get(f"{API}tickets/", {"cf_model": "Corsa"})  # no such custom field

    assert response.status_code == 200, response.json()
    assert ticket.pk not in [row["id"] for row in response.json()["results"]]
    assert rest.status_code == 400 and "cf_model" in rest.json()["errors"]


@pytest.mark.parametrize("url, known", [
    ("scores/?scope=program&id=1&", "granularity"),
    ("reports/tickets/?", "window"),
])
def test_a_report_refuses_unknown_parameters_and_lists_its_own(api_client_for, manager, url, known):
    response = api_client_for(manager).get(f"{API}{url}widnow=90")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"widnow"}
    assert known in response.json()["accepted"] and "cursor" not in response.json()["accepted"]


def test_reading_one_object_ignores_query_parameters(api_client_for, manager, customer):
    response = api_client_for(manager).get(f"{API}customers/{customer.pk}/", {"expand": "tickets"})

    assert response.status_code == 200


def test_the_pages_are_not_affected(manager_client):
    response = manager_client.get("/tickets/", {"stauts": "open"})

    assert response.status_code == 200
