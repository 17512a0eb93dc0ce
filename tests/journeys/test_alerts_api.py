"""/api/v1/alerts/: permissions, filters, the acknowledge and resolve actions, errors, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from cxhub.models import WebhookEvent
from journeys.models import Alert, AlertStatus
from tests.journeys.alerts_data import make_alert, touchpoint_in_new_journey

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def tp(db):
    return touchpoint_in_new_journey(name="Delivery")


@pytest.fixture
def manager_api(api_client_for, manager):
    return api_client_for(manager)


@pytest.fixture
def agent_api(api_client_for, agent):
    return api_client_for(agent)


# --- Permissions --------------------------------------------------------------------------------------


def test_anonymous_callers_are_refused(client, tp):
    alert = make_alert(tp)

    assert client.get(URL).status_code in (401, 403)
    assert client.post(f"{URL}{alert.pk}/resolve/", {"note": "x"},
                       content_type="application/json").status_code in (401, 403)


def test_an_agent_reads_but_may_not_act(agent_api, tp):
    alert = make_alert(tp)

    assert agent_api.get(URL).status_code == 200
    assert agent_api.get(f"{URL}{alert.pk}/").status_code == 200
    for action in ("acknowledge", "resolve"):
        response = agent_api.post(f"{URL}{alert.pk}/{action}/", {"note": "x"}, format="json")
        assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_alerts_cannot_be_created_changed_or_deleted(manager_api, tp):
    alert = make_alert(tp)

    assert manager_api.post(URL, {"kind": "drop"}, format="json").status_code in (403, 405)
    assert manager_api.patch(f"{URL}{alert.pk}/", {"status": "resolved"}, format="json").status_code in (403, 405)
    assert manager_api.delete(f"{URL}{alert.pk}/").status_code in (403, 405)
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


# --- Reading ------------------------------------------------------------------------------------------


def test_an_alert_reads_with_its_figure_subject_and_what_it_may_do(manager_api, tp):
    alert = make_alert(tp)

    body = manager_api.get(f"{URL}{alert.pk}/").json()

    assert body["kind"] == "below_target" and body["metric"] == "experience" and body["status"] == "open"
    assert (body["value"], body["reference"], body["low"], body["high"], body["sample"]) == (
        60.0, 75.0, 55.0, 65.0, 42)
    assert (body["subject_type"], body["touchpoint"], body["journey"]) == (
        "touchpoint", tp.pk, tp.stage.journey_id)
    assert body["allowed_actions"] == ["acknowledged", "resolved"]
    assert body["url"].endswith(f"/journeys/alerts/{alert.pk}/")


def test_a_resolved_alert_is_still_found_by_its_id(manager_api, tp):
    alert = make_alert(tp, status=AlertStatus.RESOLVED)

    body = manager_api.get(f"{URL}{alert.pk}/").json()

    assert body["status"] == "resolved" and body["allowed_actions"] == []


def test_an_unknown_alert_is_a_404(manager_api):
    assert manager_api.get(f"{URL}999999/").status_code == 404
    assert manager_api.post(f"{URL}999999/resolve/", {"note": "x"}, format="json").status_code == 404


def test_the_list_defaults_to_live_alerts(manager_api, tp):
    opened = make_alert(tp)
    acknowledged = make_alert(tp, status=AlertStatus.ACKNOWLEDGED)
    make_alert(tp, status=AlertStatus.RESOLVED)

    assert ids(manager_api.get(URL)) == {opened.pk, acknowledged.pk}


def test_the_list_filters(manager_api, tp):
    opened = make_alert(tp)
    drop = make_alert(tp, kind="drop", metric="csat")
    resolved = make_alert(tp, status=AlertStatus.RESOLVED)
    journey_alert = make_alert(None, journey=tp.stage.journey)
    elsewhere = make_alert(touchpoint_in_new_journey())
    program = tp.stage.journey.program

    def get(query: str) -> set[int]:
        response = manager_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return ids(response)

    assert get("status=resolved") == {resolved.pk}
    assert get("status=all") == {opened.pk, drop.pk, resolved.pk, journey_alert.pk, elsewhere.pk}
    assert get("kind=drop") == {drop.pk}
    assert get("metric=csat") == {drop.pk}
    assert get(f"program={program.pk}") == {opened.pk, drop.pk, journey_alert.pk}
    assert get(f"journey={tp.stage.journey_id}") == {opened.pk, drop.pk, journey_alert.pk}
    assert get(f"touchpoint={tp.pk}") == {opened.pk, drop.pk}
    assert get(f"touchpoint={tp.pk}&status=all&kind=below_target") == {opened.pk, resolved.pk}


@pytest.mark.parametrize("query, field", [
    ("status=bogus", "status"),
    ("kind=bogus", "kind"),
    ("metric=bogus", "metric"),
    ("program=abc", "program"),
    ("journey=1.5", "journey"),
    ("touchpoint=99999999999999999999999", "touchpoint"),
    ("ordering=password", "ordering"),
])
def test_a_bad_filter_is_a_400_naming_it(manager_api, tp, query, field):
    make_alert(tp)

    response = manager_api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_worst_first_ordering(manager_api, tp):
    small = make_alert(tp, value=70, reference=75)
    large = make_alert(tp, value=50, reference=75)

    response = manager_api.get(f"{URL}?ordering=-severity")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [large.pk, small.pk]


def test_the_list_runs_the_same_queries_for_3_or_30_alerts(manager_api, tp, manager):
    from journeys import alerts

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_api.get(f"{URL}?status=all").status_code == 200
        return len(captured)

    for _ in range(3):
        alerts.alert_acknowledge(alert=make_alert(tp), by=manager, note="On it.")
    few = queries()
    for _ in range(27):
        alert = make_alert(touchpoint_in_new_journey())
        alerts.alert_resolve(alert=alert, by=manager, note="Done.")
    many = queries()

    assert many == few


# --- Actions ------------------------------------------------------------------------------------------


def test_a_manager_acknowledges_then_resolves(manager_api, tp):
    alert = make_alert(tp)

    acknowledged = manager_api.post(f"{URL}{alert.pk}/acknowledge/", {"note": "On it."}, format="json")
    resolved = manager_api.post(f"{URL}{alert.pk}/resolve/", {"note": "Fixed."}, format="json")

    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == "alice"
    assert acknowledged.json()["allowed_actions"] == ["resolved"]
    assert resolved.status_code == 200
    body = resolved.json()
    assert body["status"] == "resolved" and body["resolved_by"] == "alice"
    assert "On it." in body["note"] and "Fixed." in body["note"]
    assert list(WebhookEvent.objects.filter(type__startswith="alert.").order_by("id")
                .values_list("type", flat=True)) == ["alert.acknowledged", "alert.resolved"]


def test_an_invalid_transition_is_a_409_naming_what_is_allowed(manager_api, tp):
    acknowledged = make_alert(tp, status=AlertStatus.ACKNOWLEDGED)
    resolved = make_alert(tp, status=AlertStatus.RESOLVED)

    again = manager_api.post(f"{URL}{acknowledged.pk}/acknowledge/", {"note": "x"}, format="json")
    final = manager_api.post(f"{URL}{resolved.pk}/resolve/", {"note": "x"}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert "can only be resolved" in again.json()["detail"]
    assert final.status_code == 409
    assert "a resolved alert cannot change" in final.json()["detail"]
    assert Alert.objects.get(pk=resolved.pk).note == ""


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}, {"note": None}, {"note": ["x"]},
                                  {"note": "x" * 2001}])
def test_a_missing_or_bad_note_is_a_400(manager_api, tp, body):
    alert = make_alert(tp)

    response = manager_api.post(f"{URL}{alert.pk}/resolve/", body, format="json")

    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_a_body_that_is_not_json_is_a_400_not_a_500(manager_api, tp):
    alert = make_alert(tp)

    response = manager_api.post(f"{URL}{alert.pk}/resolve/", "not json", content_type="application/json")

    assert response.status_code == 400


# --- Schema -------------------------------------------------------------------------------------------


def test_the_schema_documents_the_actions_answers():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    for action in ("acknowledge", "resolve"):
        operation = paths[f"/api/v1/alerts/{{id}}/{action}/"]["post"]
        assert {"200", "400", "404", "409"} <= set(operation["responses"])
        assert "requestBody" in operation
    names = {p["name"] for p in paths["/api/v1/alerts/"]["get"]["parameters"]}
    assert {"status", "kind", "metric", "program", "journey", "touchpoint"} <= names
