"""GET /api/v1/scores/: any scope over any window, with metrics, components, the previous period and
the series; field-level 400s; permissions; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from journeys.choices import Channel
from journeys.models import ScoreComponentDaily
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
SCORES = "/api/v1/scores/"
D = dt.date


def row(touchpoint, day, segment="", **components):
    return ScoreComponentDaily.objects.create(touchpoint=touchpoint, day=day, segment=segment, **components)


def csat(touchpoint, day, responses, satisfied, segment=""):
    return row(touchpoint, day, segment, signals=responses, csat_responses=responses,
               csat_satisfied=satisfied, csat_score_sum=4 * responses)


@pytest.fixture
def journey(db):
    """Phone (weight 1) and web (weight 3) in stage Booking, CSAT in the first half of March 2026,
    NPS on the web; stage Collection has a touchpoint without data."""
    journey = JourneyFactory(name="Servicing", program=ProgramFactory(min_sample_size=2))
    booking = StageFactory(journey=journey, name="Booking", position=1)
    collection = StageFactory(journey=journey, name="Collection", position=2)
    phone = TouchpointFactory(stage=booking, name="Phone", channel=Channel.PHONE, weight=Decimal(1))
    web = TouchpointFactory(stage=booking, name="Web", channel=Channel.WEB, weight=Decimal(3))
    TouchpointFactory(stage=collection, name="Handover")
    csat(phone, D(2026, 3, 2), 4, 3)
    csat(phone, D(2026, 3, 10), 4, 4, segment="fleet")
    csat(web, D(2026, 3, 3), 10, 2)
    row(web, D(2026, 3, 11), signals=4, nps_responses=4, nps_promoters=3, nps_detractors=1)
    csat(phone, D(2026, 2, 24), 2, 0)   # the previous period of 2-15 March is 16 Feb-1 March
    return journey


def get(api, **params):
    return api.get(SCORES, params)


@pytest.fixture
def api(api_client_for, agent):
    return api_client_for(agent)


def test_a_journey_over_a_custom_window_by_week(api, journey):
    response = get(api, scope="journey", id=journey.pk, start="2026-03-02", end="2026-03-15",
                   granularity="week")

    assert response.status_code == 200
    body = response.json()
    assert (body["scope"], body["id"], body["name"]) == ("journey", journey.pk, "Servicing")
    assert body["window"] == {"days": 14, "start": "2026-03-02", "end": "2026-03-15", "custom": True}
    assert body["previous_window"] == {"days": 14, "start": "2026-02-16", "end": "2026-03-01", "custom": True}
    # phone: CSAT 7/8 = 87.5; web: CSAT 2/10 = 20 and NPS (3 - 1) / 4 = 50 -> blend (20 + 75) / 2 = 47.5
    assert body["current"]["score"] == pytest.approx((87.5 + 3 * 47.5) / 4)
    csat_metric = next(m for m in body["current"]["metrics"] if m["key"] == "csat")
    assert (csat_metric["value"], csat_metric["sample"], csat_metric["enough"]) == (50.0, 18, True)
    assert {"low", "high"} <= set(csat_metric)
    assert body["current"]["components"]["csat_responses"] == 18
    assert body["current"]["components"]["nps_promoters"] == 3
    # previous: phone 0/2 alone
    assert body["previous"]["score"] == 0.0
    assert body["delta"] == pytest.approx((87.5 + 3 * 47.5) / 4)
    # week of 2 March: phone 3/4 = 75, web 2/10 = 20; week of 9 March: phone 4/4, web NPS 50 -> 75
    assert [(p["start"], p["end"]) for p in body["series"]] == [
        ("2026-03-02", "2026-03-08"), ("2026-03-09", "2026-03-15")]
    assert [p["score"] for p in body["series"]] == [pytest.approx((75 + 60) / 4), pytest.approx((100 + 225) / 4)]
    # CSAT of the first week: 3 + 2 satisfied of 4 + 10
    assert body["series"][0]["metrics"] == {"csat": pytest.approx(500 / 14), "nps": None, "ces": None,
                                            "sla": None, "fcr": None}


def test_each_scope_answers_its_own_figures(api, journey):
    booking = journey.stages.get(name="Booking")
    phone = booking.touchpoints.get(name="Phone")
    window = {"start": "2026-03-02", "end": "2026-03-15"}

    touchpoint = get(api, scope="touchpoint", id=phone.pk, **window).json()
    stage = get(api, scope="stage", id=booking.pk, **window).json()
    program = get(api, scope="program", id=journey.program_id, **window).json()

    assert touchpoint["current"]["score"] == 87.5 and touchpoint["name"] == "Phone"
    assert stage["current"]["score"] == pytest.approx((87.5 + 3 * 47.5) / 4)
    assert program["current"]["score"] == stage["current"]["score"]
    assert len(touchpoint["series"]) == 14   # days, for a window up to a month


def test_segment_and_channel_filter_the_figures(api, journey):
    window = {"start": "2026-03-02", "end": "2026-03-15", "scope": "journey", "id": journey.pk}

    fleet = get(api, segment="fleet", **window).json()
    unsegmented = get(api, segment="-", **window).json()
    web = get(api, channel="web", **window).json()

    assert fleet["segment"] == "fleet" and fleet["current"]["score"] == 100.0
    assert unsegmented["segment"] == "" and unsegmented["current"]["components"]["csat_responses"] == 14
    assert web["channel"] == "web" and web["current"]["score"] == 47.5


def test_a_preset_window_ends_today(api, journey):
    body = get(api, scope="journey", id=journey.pk, window=90).json()

    today = timezone.localdate()
    assert body["window"]["end"] == today.isoformat() and body["window"]["days"] == 90
    assert body["granularity"] == "week"


@pytest.mark.parametrize("params, field", [
    ({}, "scope"),
    ({"scope": "galaxy", "id": 1}, "scope"),
    ({"scope": "journey"}, "id"),
    ({"scope": "journey", "id": "abc"}, "id"),
    ({"scope": "journey", "id": 2**64}, "id"),
    ({"window": 14}, "window"),
    ({"window": 30, "start": "2026-03-01", "end": "2026-03-02"}, "window"),
    ({"start": "2026-03-01"}, "end"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "end"),
    ({"start": "2020-01-01", "end": "2026-03-01"}, "start"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
    ({"granularity": "hour"}, "granularity"),
    ({"channel": "pigeon"}, "channel"),
    ({"segment": "x" * 61}, "segment"),
])
def test_bad_parameters_are_a_400_naming_the_field(api, journey, params, field):
    params = {"scope": "journey", "id": journey.pk, **params} if "scope" not in params and params else params

    response = get(api, **params)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and field in body["errors"]


def test_a_future_end_is_a_400(api, journey):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = get(api, scope="journey", id=journey.pk, start="2026-03-01", end=tomorrow.isoformat())

    assert response.status_code == 400 and "end" in response.json()["errors"]


@pytest.mark.parametrize("scope", ["touchpoint", "stage", "journey", "program"])
def test_something_that_does_not_exist_is_a_json_404(api, db, scope):
    response = get(api, scope=scope, id=999999)

    assert response.status_code == 404 and response.json()["detail"]


def test_anonymous_callers_are_refused_and_people_without_a_role_are_forbidden(api_client_for, journey):
    anonymous = APIClient().get(SCORES, {"scope": "journey", "id": journey.pk})
    roleless = api_client_for(UserFactory(username="dave")).get(SCORES, {"scope": "journey", "id": journey.pk})

    assert anonymous.status_code == 401
    assert roleless.status_code == 403


@pytest.mark.parametrize("scope", ["program", "journey"])
def test_the_query_count_does_not_grow_with_touchpoints_or_days(api, journey, scope):
    params = {"scope": scope, "id": journey.program_id if scope == "program" else journey.pk,
              "window": 365, "granularity": "day"}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(SCORES, params).status_code == 200
        return len(queries)

    small = count()
    for i in range(5):
        stage = StageFactory(journey=journey, name=f"More {i}", position=10 + i)
        for _ in range(3):
            tp = TouchpointFactory(stage=stage)
            for d in range(0, 300, 5):
                csat(tp, timezone.localdate() - dt.timedelta(days=d), 2, 1)

    assert count() == small <= 10  # auth and permissions, the structure, two GROUP BYs


def test_the_schema_documents_the_answers_and_parameters():
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][SCORES]["get"]

    assert {"200", "400", "404"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {
        "scope", "id", "window", "start", "end", "granularity", "segment", "channel"}
