from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from journeys import rollup
from journeys.choices import SignalKind
from journeys.models import Customer, Touchpoint
from journeys.selectors import Window, journey_scorecard
from journeys.services import rollups_deferred, signal_record
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import (
    CustomerFactory,
    JourneyFactory,
    ProgramFactory,
    StageFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"


@pytest.fixture
def outsider(db):
    """Dave has an account but no role."""
    return UserFactory(username="dave")


_source_ids = itertools.count()


def answers(touchpoint: Touchpoint, kind: str, values: list[int], *, days_ago: int = 0) -> None:
    """Answers recorded in the ledger and rolled up, as the app does after each commit."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    with rollups_deferred():
        for value in values:
            signal_record(touchpoint=touchpoint, kind=kind, source="test",
                          source_id=next(_source_ids), occurred_at=at, value=value)
    rollup.rollup_new_signals()


# --- Customers ---------------------------------------------------------------------------------------


def test_it_lists_customers_by_external_id_segment_search_and_updated_since(api_client_for, agent):
    anna = CustomerFactory(name="Anna Nguyen", email="anna@example.com", segment="fleet")
    CustomerFactory(name="Bao Tran", email="bao@shop.vn", segment="retail")
    old = CustomerFactory(name="Cyrus Karimi", segment="retail")
    Customer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    api = api_client_for(agent)

    def names(query: str) -> list[str]:
        response = api.get(CUSTOMERS + query)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(f"?external_id={anna.external_id}") == ["Anna Nguyen"]
    assert names("?segment=retail") == ["Bao Tran", "Cyrus Karimi"]
    assert names("?search=SHOP.VN") == ["Bao Tran"]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert names("?" + f"updated_since={since}".replace("+", "%2B")) == ["Anna Nguyen", "Bao Tran"]
    assert names("?ordering=-name") == ["Cyrus Karimi", "Bao Tran", "Anna Nguyen"]


def test_it_rejects_an_updated_since_that_is_not_a_time(api_client_for, agent):
    response = api_client_for(agent).get(CUSTOMERS + "?updated_since=yesterday")

    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


def test_an_agent_creates_a_customer_with_a_name_in_any_script(api_client_for, agent):
    response = api_client_for(agent).post(
        CUSTOMERS, {"name": "مریم احمدی", "email": "maryam@example.com", "external_id": "CRM-IR-7",
                    "language": "fa"}, format="json")

    assert response.status_code == 201, response.json()
    customer = Customer.objects.get(external_id="CRM-IR-7")
    assert customer.name == "مریم احمدی" and customer.language == "fa"
    assert response.json()["id"] == customer.pk


def test_it_updates_a_customer_with_put_and_patch(api_client_for, agent, customer):
    api = api_client_for(agent)
    url = f"{CUSTOMERS}{customer.pk}/"

    put = api.put(url, {"name": "Nikos P.", "email": "nikos@example.gr", "external_id": "CRM-GR-1",
                        "segment": "premium", "language": "el"}, format="json")
    patch = api.patch(url, {"segment": "fleet"}, format="json")

    assert put.status_code == 200 and patch.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.segment) == ("Nikos P.", "el", "fleet")


def test_it_refuses_a_duplicate_external_id_on_create_and_on_update(api_client_for, agent, customer):
    api = api_client_for(agent)
    other = CustomerFactory(external_id="CRM-OTHER")

    created = api.post(CUSTOMERS, {"name": "Copy", "external_id": customer.external_id}, format="json")
    updated = api.patch(f"{CUSTOMERS}{other.pk}/", {"external_id": customer.external_id}, format="json")

    for response in (created, updated):
        assert response.status_code == 400
        assert response.json()["errors"]["external_id"]
    assert Customer.objects.count() == 2
    other.refresh_from_db()
    assert other.external_id == "CRM-OTHER"


def test_many_customers_may_have_no_external_id(api_client_for, agent):
    api = api_client_for(agent)

    statuses = [api.post(CUSTOMERS, {"name": name}, format="json").status_code for name in ("A", "B")]

    assert statuses == [201, 201]


@pytest.mark.parametrize("body, field", [
    ('{"name": "Broken', "detail"),
    ('["a list"]', "non_field_errors"),
    (json.dumps({"name": {"first": "Ann"}}), "name"),
    (json.dumps({"name": ""}), "name"),
    (json.dumps({"name": "Ann", "email": "not-an-address"}), "email"),
    (json.dumps({"name": "Ann", "language": "klingon"}), "language"),
    (json.dumps({"name": "Ann", "external_id": 10**101}), "external_id"),
    (json.dumps({"name": "Ann\u0000"}), "name"),
])
def test_it_answers_bad_customer_input_with_a_json_4xx_and_writes_nothing(api_client_for, agent, body, field):
    response = api_client_for(agent).post(CUSTOMERS, body, content_type="application/json")

    assert response.status_code == 400
    payload = response.json()
    assert field in payload or field in payload["errors"]
    assert Customer.objects.count() == 0


def test_customers_cannot_be_deleted_through_the_api(api_client_for, manager, customer):
    response = api_client_for(manager).delete(f"{CUSTOMERS}{customer.pk}/")

    assert response.status_code == 405
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("size", [3, 30])
def test_the_customer_list_runs_a_constant_number_of_queries(api_client_for, agent, size,
                                                            django_assert_max_num_queries):
    CustomerFactory.create_batch(size)
    api = api_client_for(agent)

    with django_assert_max_num_queries(5):
        response = api.get(CUSTOMERS)

    assert len(response.json()["results"]) == size


# --- The journey structure -----------------------------------------------------------------------------


def test_the_journey_detail_nests_stages_with_their_touchpoints(api_client_for, agent):
    journey = JourneyFactory(name="Buying a car")
    later = StageFactory(journey=journey, name="Delivery", position=2)
    first = StageFactory(journey=journey, name="Discovery", position=1)
    TouchpointFactory(stage=first, name="Website", position=2)
    TouchpointFactory(stage=first, name="Showroom", position=1)
    TouchpointFactory(stage=later, name="Handover", is_active=False)

    response = api_client_for(agent).get(f"/api/v1/journeys/{journey.pk}/")

    assert response.status_code == 200
    stages = response.json()["stages"]
    assert [s["name"] for s in stages] == ["Discovery", "Delivery"]
    assert [t["name"] for t in stages[0]["touchpoints"]] == ["Showroom", "Website"]
    assert stages[1]["touchpoints"][0]["is_active"] is False
    assert stages[0]["touchpoints"][0]["journey"] == journey.pk


def test_it_lists_touchpoints_of_one_journey(api_client_for, agent, touchpoint):
    TouchpointFactory(name="Elsewhere")

    response = api_client_for(agent).get(f"/api/v1/touchpoints/?journey={touchpoint.stage.journey_id}")

    assert [t["name"] for t in response.json()["results"]] == ["Test drive"]


@pytest.mark.parametrize("url", ["/api/v1/programs/", "/api/v1/journeys/", "/api/v1/stages/",
                                 "/api/v1/touchpoints/"])
@pytest.mark.parametrize("size", [3, 30])
def test_structure_lists_run_a_constant_number_of_queries(api_client_for, agent, url, size,
                                                         django_assert_max_num_queries):
    program = ProgramFactory()
    for _ in range(size):
        TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program)))
    api = api_client_for(agent)

    with django_assert_max_num_queries(5):
        response = api.get(url)

    assert response.status_code == 200 and len(response.json()["results"]) >= 1


@pytest.mark.parametrize("stages", [1, 10])
def test_the_journey_detail_runs_a_constant_number_of_queries(api_client_for, agent, stages,
                                                             django_assert_max_num_queries):
    journey = JourneyFactory()
    for _ in range(stages):
        TouchpointFactory.create_batch(3, stage=StageFactory(journey=journey))
    api = api_client_for(agent)

    with django_assert_max_num_queries(6):
        response = api.get(f"/api/v1/journeys/{journey.pk}/")

    assert len(response.json()["stages"]) == stages


def test_a_manager_changes_a_touchpoints_target_and_weight(api_client_for, manager, touchpoint):
    api = api_client_for(manager)

    response = api.patch(f"/api/v1/touchpoints/{touchpoint.pk}/",
                         {"target_score": "82.5", "weight": 2}, format="json")
    only_weight = api.patch(f"/api/v1/touchpoints/{touchpoint.pk}/", {"weight": "3"}, format="json")

    assert response.status_code == 200 and response.json()["target_score"] == "82.50"
    assert only_weight.status_code == 200
    touchpoint.refresh_from_db()
    assert (touchpoint.target_score, touchpoint.weight) == (Decimal("82.5"), Decimal("3"))


def test_an_agent_cannot_change_a_touchpoint(api_client_for, agent, touchpoint):
    response = api_client_for(agent).patch(f"/api/v1/touchpoints/{touchpoint.pk}/",
                                           {"target_score": 10}, format="json")

    assert response.status_code == 403
    touchpoint.refresh_from_db()
    assert touchpoint.target_score == Decimal("75")


@pytest.mark.parametrize("body, field", [
    ({"target_score": 101}, "target_score"),
    ({"target_score": "high"}, "target_score"),
    ({"weight": 0}, "weight"),
    ({"weight": None}, "weight"),
    ({"name": "Renamed"}, "non_field_errors"),
])
def test_it_refuses_a_bad_target_and_changes_nothing(api_client_for, manager, touchpoint, body, field):
    response = api_client_for(manager).patch(f"/api/v1/touchpoints/{touchpoint.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    touchpoint.refresh_from_db()
    assert (touchpoint.name, touchpoint.target_score, touchpoint.weight) == (
        "Test drive", Decimal("75"), Decimal("1"))


def test_a_touchpoint_cannot_be_replaced_with_put(api_client_for, manager, touchpoint):
    response = api_client_for(manager).put(f"/api/v1/touchpoints/{touchpoint.pk}/",
                                           {"target_score": 80, "weight": 1}, format="json")

    assert response.status_code == 405


# --- Scores --------------------------------------------------------------------------------------------


@pytest.fixture
def scored_journey(db):
    """Stage 1: a touchpoint at CSAT 75% (weight 1) and one at NPS 25 (weight 3); stage 2: no data."""
    journey = JourneyFactory(name="Servicing", program=ProgramFactory(min_sample_size=1))
    first = StageFactory(journey=journey, name="Booking", position=1)
    second = StageFactory(journey=journey, name="Collection", position=2)
    csat = TouchpointFactory(stage=first, name="Phone booking", position=1, weight=Decimal(1))
    nps = TouchpointFactory(stage=first, name="Reception", position=2, weight=Decimal(3))
    TouchpointFactory(stage=second, name="Handover")
    TouchpointFactory(stage=second, name="Retired", is_active=False)
    answers(csat, SignalKind.CSAT_ANSWER, [5, 5, 4, 1])
    answers(nps, SignalKind.NPS_ANSWER, [10, 9, 0, 7])
    answers(csat, SignalKind.CSAT_ANSWER, [1], days_ago=60)
    return journey


def test_the_journey_scores_are_the_figures_of_the_journey_scorecard(api_client_for, agent, scored_journey):
    response = api_client_for(agent).get(f"/api/v1/journeys/{scored_journey.pk}/scores/?window=30")

    assert response.status_code == 200
    body = response.json()
    # then the hand-computed blend: stage 1 = (75 x 1 + (25 + 100) / 2 x 3) / 4
    assert body["score"] == 65.625 and body["enough_data"] is True and body["sample_size"] == 8
    booking, collection = body["stages"]
    assert booking["score"] == 65.625
    phone, reception = booking["touchpoints"]
    assert (phone["score"], phone["meets_target"], phone["target_score"]) == (75.0, True, "75.00")
    assert (reception["score"], reception["meets_target"]) == (62.5, False)
    assert collection["score"] is None and collection["enough_data"] is False
    assert [t["name"] for t in collection["touchpoints"]] == ["Handover"]
    assert collection["touchpoints"][0]["meets_target"] is None
    csat = next(m for m in phone["metrics"] if m["key"] == "csat")
    low, high = csat.pop("low"), csat.pop("high")
    assert csat == {"key": "csat", "label": "CSAT", "value": 75.0, "sample": 4, "enough": True, "unit": "%"}
    # Wilson 95% for 3 of 4: (0.75 + z²/8 ± z·sqrt(0.75·0.25/4 + z²/64)) / (1 + z²/4), z = 1.96
    assert low == pytest.approx(30.06, abs=0.01) and high == pytest.approx(95.44, abs=0.01)
    assert body["components"]["nps_promoters"] == 2 and body["components"]["csat_responses"] == 4
    window = Window.last(30)
    assert body["window"] == {"days": 30, "start": window.start.isoformat(), "end": window.end.isoformat()}
    # and every figure is the selector's, to the last digit
    card = journey_scorecard(journey_id=scored_journey.pk, window=window)
    assert [s["score"] for s in body["stages"]] == [s.score.value for s in card.stages]
    assert [t["score"] for s in body["stages"] for t in s["touchpoints"]] == [
        t.score.value for s in card.stages for t in s.touchpoints]
    assert [m["value"] for m in body["metrics"]] == [m.value for m in card.score.metrics.values()]


def test_a_longer_window_takes_in_older_answers(api_client_for, agent, scored_journey):
    response = api_client_for(agent).get(f"/api/v1/journeys/{scored_journey.pk}/scores/?window=90")

    phone = response.json()["stages"][0]["touchpoints"][0]
    assert phone["score"] == 60.0 and phone["sample_size"] == 5


@pytest.mark.parametrize("window", ["45", "thirty", "-7", "30.0"])
def test_it_refuses_a_window_it_does_not_offer(api_client_for, agent, scored_journey, window):
    api = api_client_for(agent)

    journey = api.get(f"/api/v1/journeys/{scored_journey.pk}/scores/?window={window}")
    touchpoint = api.get(f"/api/v1/touchpoints/{Touchpoint.objects.first().pk}/score/?window={window}")

    for response in (journey, touchpoint):
        assert response.status_code == 400
        assert "window" in response.json()["errors"]


def test_the_touchpoint_score_matches_its_place_in_the_journey(api_client_for, agent, scored_journey):
    reception = Touchpoint.objects.get(name="Reception")

    response = api_client_for(agent).get(f"/api/v1/touchpoints/{reception.pk}/score/?window=7")

    body = response.json()
    assert response.status_code == 200
    assert (body["score"], body["meets_target"], body["sample_size"]) == (62.5, False, 4)
    assert body["window"]["days"] == 7
    assert next(m for m in body["metrics"] if m["key"] == "nps")["value"] == 25.0


@pytest.mark.parametrize("stages", [1, 8])
def test_journey_scores_run_a_constant_number_of_queries(api_client_for, agent, stages,
                                                        django_assert_max_num_queries):
    journey = JourneyFactory()
    for _ in range(stages):
        for touchpoint in TouchpointFactory.create_batch(3, stage=StageFactory(journey=journey)):
            answers(touchpoint, SignalKind.CSAT_ANSWER, [4])
    api = api_client_for(agent)

    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/journeys/{journey.pk}/scores/")

    assert response.json()["sample_size"] == 3 * stages


@pytest.mark.parametrize("url", ["/api/v1/journeys/999999/scores/", "/api/v1/journeys/abc/scores/",
                                 "/api/v1/touchpoints/99999999999999999999999/score/"])
def test_scores_of_something_that_does_not_exist_are_a_json_404(api_client_for, agent, url):
    response = api_client_for(agent).get(url)

    assert response.status_code == 404
    assert response.json()["detail"]


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", CUSTOMERS), ("post", CUSTOMERS), ("get", "/api/v1/programs/"), ("get", "/api/v1/journeys/"),
    ("get", "/api/v1/stages/"), ("get", "/api/v1/touchpoints/"), ("patch", "/api/v1/touchpoints/{tp}/"),
    ("get", "/api/v1/journeys/{journey}/scores/"), ("get", "/api/v1/touchpoints/{tp}/score/"),
])
def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(
        api_client_for, outsider, touchpoint, method, url):
    url = url.format(tp=touchpoint.pk, journey=touchpoint.stage.journey_id)

    anonymous = getattr(APIClient(), method)(url, {}, format="json")
    roleless = getattr(api_client_for(outsider), method)(url, {}, format="json")

    assert anonymous.status_code == 401
    assert roleless.status_code == 403
    assert Customer.objects.count() == 0
