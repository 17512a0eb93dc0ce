from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.choices import InvitationStatus, InvitationTrigger, SurveyKind
from feedback.invitations import touchpoint_event_record
from feedback.models import Invitation, TouchpointEvent
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/touchpoint-events/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


@pytest.fixture
def survey(touchpoint):
    return make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)


def purchase(touchpoint, customer, **changes) -> dict:
    return {"touchpoint": touchpoint.pk, "customer": customer.pk, "kind": "purchase",
            "external_id": "ORDER-1001", "data": {"order_total": "24990.00", "model": "Αστέρι"}} | changes


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_an_event_is_recorded_and_invites_the_customer_to_the_touchpoints_survey(
        api_client_for, manager, survey, customer, touchpoint):
    occurred = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)

    response = api_client_for(manager).post(EVENTS, purchase(touchpoint, customer,
                                                             occurred_at=occurred.isoformat()), format="json")

    assert response.status_code == 201, response.json()
    event = TouchpointEvent.objects.get()
    body = response.json()
    assert (body["id"], body["kind"], body["occurred_at"] is not None) == (event.pk, "purchase", True)
    assert event.occurred_at == occurred and event.data["model"] == "Αστέρι"
    invitation = Invitation.objects.get()
    assert (invitation.trigger, invitation.survey, invitation.customer) == (
        InvitationTrigger.TOUCHPOINT_EVENT, survey, customer)
    assert body["invitation"]["id"] == invitation.pk and body["invitation"]["status"] == "scheduled"


def test_a_replayed_event_answers_200_with_the_first_result_and_records_nothing_more(
        api_client_for, manager, survey, customer, touchpoint):
    api = api_client_for(manager)
    first = api.post(EVENTS, purchase(touchpoint, customer), format="json")

    replay = api.post(EVENTS, purchase(touchpoint, customer, kind="delivery", data={}), format="json")

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert TouchpointEvent.objects.count() == 1 and Invitation.objects.count() == 1


def test_events_without_an_external_id_are_each_recorded(api_client_for, manager, survey, customer, touchpoint):
    api = api_client_for(manager)

    statuses = [api.post(EVENTS, purchase(touchpoint, customer, external_id=""), format="json").status_code
                for _ in range(2)]

    assert statuses == [201, 201] and TouchpointEvent.objects.count() == 2


def test_the_customer_may_be_named_by_the_crms_id(api_client_for, manager, survey, customer, touchpoint):
    body = purchase(touchpoint, customer) | {"customer_external_id": customer.external_id}
    del body["customer"]

    response = api_client_for(manager).post(EVENTS, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["customer"] == customer.pk


def test_an_event_inside_the_fatigue_window_shows_the_skip_reason(api_client_for, manager, survey, customer,
                                                                 touchpoint):
    api = api_client_for(manager)
    api.post(EVENTS, purchase(touchpoint, customer), format="json")

    second = api.post(EVENTS, purchase(touchpoint, customer, external_id="ORDER-1002"), format="json")

    assert second.status_code == 201
    assert second.json()["invitation"]["status"] == InvitationStatus.SKIPPED
    assert "14 days" in second.json()["invitation"]["skip_reason"]


def test_an_event_at_a_touchpoint_without_a_survey_invites_nobody(api_client_for, manager, customer):
    response = api_client_for(manager).post(EVENTS, purchase(TouchpointFactory(), customer), format="json")

    assert response.status_code == 201
    assert response.json()["invitation"] is None and Invitation.objects.count() == 0


@pytest.mark.parametrize("change, field", [
    ({"touchpoint": 999999}, "touchpoint"),
    ({"customer": None}, "customer"),
    ({"customer": 10**25}, "customer"),
    ({"customer_external_id": "CRM-NOBODY"}, "customer_external_id"),
    ({"kind": ""}, "kind"),
    ({"kind": "x" * 61}, "kind"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"external_id": "x" * 101}, "external_id"),
    ({"data": ["not", "an", "object"]}, "data"),
])
def test_bad_event_input_is_a_field_error_and_records_nothing(api_client_for, manager, survey, customer,
                                                               touchpoint, change, field):
    body = purchase(touchpoint, customer) | change
    if body.get("customer") is None:
        body.pop("customer")

    response = api_client_for(manager).post(EVENTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert TouchpointEvent.objects.count() == 0 and Invitation.objects.count() == 0


def test_naming_two_different_customers_is_refused(api_client_for, manager, survey, customer, touchpoint):
    body = purchase(touchpoint, customer) | {"customer_external_id": CustomerFactory().external_id}

    response = api_client_for(manager).post(EVENTS, body, format="json")

    assert response.status_code == 400 and "customer_external_id" in response.json()["errors"]
    assert TouchpointEvent.objects.count() == 0


def test_an_event_at_a_retired_touchpoint_is_refused_by_the_service(api_client_for, manager, customer):
    retired = TouchpointFactory(is_active=False)

    response = api_client_for(manager).post(EVENTS, purchase(retired, customer), format="json")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["touchpoint"])
    assert TouchpointEvent.objects.count() == 0


def test_it_filters_events_by_touchpoint_customer_kind_and_time(api_client_for, manager, customer, touchpoint):
    now = timezone.now()
    bought = touchpoint_event_record(touchpoint=touchpoint, customer=customer, kind="purchase",
                                     occurred_at=now - dt.timedelta(days=3), external_id="A")
    delivered = touchpoint_event_record(touchpoint=touchpoint, customer=customer, kind="delivery",
                                        occurred_at=now - dt.timedelta(days=1))
    elsewhere = touchpoint_event_record(touchpoint=TouchpointFactory(), customer=CustomerFactory(),
                                        kind="purchase", occurred_at=now - dt.timedelta(days=2))
    api = api_client_for(manager)

    assert ids(api.get(EVENTS)) == [delivered.pk, elsewhere.pk, bought.pk]
    assert ids(api.get(f"{EVENTS}?touchpoint={touchpoint.pk}&kind=purchase")) == [bought.pk]
    assert ids(api.get(f"{EVENTS}?customer={customer.pk}")) == [delivered.pk, bought.pk]
    assert ids(api.get(f"{EVENTS}?external_id=A")) == [bought.pk]
    after = (now - dt.timedelta(days=2, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(api.get(f"{EVENTS}?occurred_after={after}&ordering=occurred_at")) == [elsewhere.pk, delivered.pk]
    assert api.get(f"{EVENTS}?customer=x").status_code == 400
    assert api.get(f"{EVENTS}?customer=99999999999999999999999").status_code == 400


@pytest.mark.parametrize("size", [3, 30])
def test_the_event_list_runs_a_constant_number_of_queries(api_client_for, manager, survey, touchpoint, size,
                                                         django_assert_max_num_queries):
    for n in range(size):
        touchpoint_event_record(touchpoint=touchpoint, customer=CustomerFactory(), kind="purchase",
                                external_id=f"E-{n}")
    api = api_client_for(manager)

    with django_assert_max_num_queries(5):
        listed = api.get(EVENTS + "?page_size=100")

    rows = listed.json()["results"]
    assert len(rows) == size and all(row["invitation"]["status"] == "scheduled" for row in rows)


@pytest.mark.parametrize("method, url", [("get", EVENTS), ("get", EVENTS + "{id}/"), ("post", EVENTS)])
def test_anonymous_callers_are_refused_and_people_without_a_role_or_agents_are_forbidden(
        api_client_for, outsider, agent, customer, touchpoint, method, url):
    event = touchpoint_event_record(touchpoint=touchpoint, customer=customer, kind="visit")
    url = url.format(id=event.pk)
    body = purchase(touchpoint, customer)

    anonymous = getattr(APIClient(), method)(url, body, format="json")
    roleless = getattr(api_client_for(outsider), method)(url, body, format="json")
    as_agent = getattr(api_client_for(agent), method)(url, body, format="json")

    assert (anonymous.status_code, roleless.status_code, as_agent.status_code) == (401, 403, 403)
    assert TouchpointEvent.objects.count() == 1
