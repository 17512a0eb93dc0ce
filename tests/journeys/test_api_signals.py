"""The experience-signal API: a CRM posts its own events against a touchpoint and reads the ledger."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cxhub.roles import API_CLIENT_READ, API_CLIENT_WRITE
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal, ScoreComponentDaily, Touchpoint
from journeys.services import signal_record
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

SIGNALS = "/api/v1/signals/"
YESTERDAY = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)


@pytest.fixture
def crm_writer(db):
    """The CRM's integration account, in the read-write API client role."""
    user = UserFactory(username="crm-sync")
    user.groups.add(Group.objects.get(name=API_CLIENT_WRITE))
    return user


@pytest.fixture
def crm_reader(db):
    user = UserFactory(username="crm-reports")
    user.groups.add(Group.objects.get(name=API_CLIENT_READ))
    return user


@pytest.fixture
def delivery(db):
    return TouchpointFactory(name="Home delivery")


def late_delivery(touchpoint: Touchpoint, /, **changes) -> dict:
    return {
        "touchpoint": touchpoint.pk,
        "customer_external_id": "CRM-GR-1",
        "kind": "sla_breached",
        "occurred_at": YESTERDAY.isoformat(),
        "external_id": "DLV-2026-0042-late",
        "context": {"event": "late_delivery", "order": "SO-2026-0042", "days_late": 2},
    } | changes


def test_it_records_a_late_delivery_by_the_customers_crm_id_and_scores_it(
        api_client_for, crm_writer, customer, delivery, django_capture_on_commit_callbacks):
    customer.segment = "premium"
    customer.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(crm_writer).post(SIGNALS, late_delivery(delivery), format="json")

    assert response.status_code == 201, response.json()
    signal = ExperienceSignal.objects.get()
    body = response.json()
    assert body["id"] == signal.pk
    assert (signal.touchpoint, signal.customer, signal.kind) == (delivery, customer, SignalKind.SLA_BREACHED)
    assert (signal.source, signal.external_id, signal.segment) == ("api", "DLV-2026-0042-late", "premium")
    assert signal.occurred_at == YESTERDAY and signal.context["days_late"] == 2
    assert (body["customer"], body["customer_external_id"], body["kind"]) == (customer.pk, "CRM-GR-1", "sla_breached")
    # the rollup queued after the commit counted it on the day it happened
    day = ScoreComponentDaily.objects.get(touchpoint=delivery)
    assert (day.sla_breached, day.day) == (1, timezone.localdate(YESTERDAY))


def test_a_repeat_with_the_same_external_id_answers_200_with_the_first_signal(
        api_client_for, crm_writer, customer, delivery):
    api = api_client_for(crm_writer)
    first = api.post(SIGNALS, late_delivery(delivery), format="json")

    # a retry after a timeout; the context may differ, the facts are the same
    again = api.post(SIGNALS, late_delivery(delivery, context={}, customer=customer.pk), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert ExperienceSignal.objects.count() == 1


def test_the_same_external_id_with_other_facts_is_a_409_and_records_nothing(
        api_client_for, crm_writer, customer, delivery):
    api = api_client_for(crm_writer)
    api.post(SIGNALS, late_delivery(delivery), format="json")

    response = api.post(SIGNALS, late_delivery(delivery, kind="sla_met"), format="json")

    assert response.status_code == 409
    assert "kind" in response.json()["errors"]["external_id"][0]
    assert ExperienceSignal.objects.count() == 1


def test_posts_without_an_external_id_are_each_recorded(api_client_for, crm_writer, customer, delivery):
    api = api_client_for(crm_writer)

    statuses = [api.post(SIGNALS, late_delivery(delivery, external_id=""), format="json").status_code
                for _ in range(2)]

    assert statuses == [201, 201] and ExperienceSignal.objects.count() == 2


def test_a_signal_may_name_the_customer_by_id_or_no_customer_at_all(api_client_for, manager, customer, delivery):
    api = api_client_for(manager)
    by_id = api.post(SIGNALS, {"touchpoint": delivery.pk, "customer": customer.pk, "kind": "sla_met",
                               "occurred_at": YESTERDAY.isoformat()}, format="json")
    nobody = api.post(SIGNALS, {"touchpoint": delivery.pk, "kind": "csat_answer", "value": 4,
                                "occurred_at": "2026-03-01T10:00:00+02:00"}, format="json")

    assert (by_id.status_code, nobody.status_code) == (201, 201), (by_id.json(), nobody.json())
    assert by_id.json()["customer"] == customer.pk
    assert (nobody.json()["customer"], nobody.json()["customer_external_id"]) == (None, None)
    assert ExperienceSignal.objects.get(pk=nobody.json()["id"]).occurred_at == dt.datetime(
        2026, 3, 1, 8, tzinfo=dt.UTC)


@pytest.mark.parametrize("changes, field", [
    ({"touchpoint": 999999}, "touchpoint"),
    ({"touchpoint": 2**70}, "touchpoint"),
    ({"touchpoint": "delivery"}, "touchpoint"),
    ({"customer_external_id": "NO-SUCH-CUSTOMER"}, "customer_external_id"),
    ({"kind": "late_delivery"}, "kind"),
    ({"kind": "csat_answer", "value": 7}, "value"),
    ({"kind": "nps_answer"}, "value"),
    ({"kind": "queue_wait", "value": -5}, "value"),
    ({"value": "NaN"}, "value"),
    ({"occurred_at": "2026-05-01T10:00:00"}, "occurred_at"),  # no time zone
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": (timezone.now() + dt.timedelta(days=2)).isoformat()}, "occurred_at"),
    ({"external_id": "x" * 101}, "external_id"),
    ({"context": ["late"]}, "context"),
    ({"context": {"note": "x" * 5000}}, "context"),
])
def test_bad_input_is_a_400_on_the_field_and_records_nothing(api_client_for, crm_writer, customer, delivery,
                                                             changes, field):
    response = api_client_for(crm_writer).post(SIGNALS, late_delivery(delivery, **changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not ExperienceSignal.objects.exists()


def test_a_missing_touchpoint_kind_or_time_is_named(api_client_for, crm_writer):
    response = api_client_for(crm_writer).post(SIGNALS, {}, format="json")

    assert response.status_code == 400
    assert {"touchpoint", "kind", "occurred_at"} <= set(response.json()["errors"])


def test_two_names_for_two_different_customers_are_refused(api_client_for, crm_writer, customer, delivery):
    other = CustomerFactory()

    response = api_client_for(crm_writer).post(SIGNALS, late_delivery(delivery, customer=other.pk), format="json")

    assert response.status_code == 400 and "customer_external_id" in response.json()["errors"]


def test_an_archived_touchpoint_takes_no_new_signals(api_client_for, crm_writer, customer, delivery):
    Touchpoint.objects.filter(pk=delivery.pk).update(is_active=False, archived_at=timezone.now())

    response = api_client_for(crm_writer).post(SIGNALS, late_delivery(delivery), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "archived" and "archived" in response.json()["errors"]["touchpoint"][0]
    assert not ExperienceSignal.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api_client_for, crm_writer):
    response = api_client_for(crm_writer).post(SIGNALS, ["sla_breached"], format="json")

    assert response.status_code == 400


# --- Reading the ledger ------------------------------------------------------------------------------


_source_ids = itertools.count(1)


def _signal(touchpoint, *, kind=SignalKind.SLA_MET, customer=None, occurred_at=YESTERDAY):
    return signal_record(touchpoint=touchpoint, kind=kind, customer=customer, occurred_at=occurred_at,
                         source="test", source_id=next(_source_ids))[0]


def test_the_list_filters_by_touchpoint_customer_kind_and_times(api_client_for, crm_reader, customer, delivery):
    showroom = TouchpointFactory(name="Showroom")
    late = _signal(delivery, kind=SignalKind.SLA_BREACHED, customer=customer)
    on_time = _signal(delivery, customer=CustomerFactory())
    old = _signal(showroom, occurred_at=YESTERDAY - dt.timedelta(days=40))
    ExperienceSignal.objects.filter(pk=old.pk).update(recorded_at=timezone.now() - dt.timedelta(days=30))
    api = api_client_for(crm_reader)

    def ids(**params) -> list[int]:
        response = api.get(SIGNALS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, on_time.pk, old.pk]
    assert ids(touchpoint=delivery.pk) == [late.pk, on_time.pk]
    assert ids(journey=showroom.stage.journey_id) == [old.pk]
    assert ids(customer=customer.pk) == ids(customer_external_id="CRM-GR-1") == [late.pk]
    assert ids(kind="sla_breached") == [late.pk]
    assert ids(occurred_before=(YESTERDAY - dt.timedelta(days=10)).isoformat()) == [old.pk]
    assert ids(occurred_after=(YESTERDAY - dt.timedelta(days=10)).date().isoformat()) == [late.pk, on_time.pk]
    assert ids(created_after=(timezone.now() - dt.timedelta(days=1)).isoformat()) == [late.pk, on_time.pk]
    assert ids(source="test", ordering="occurred_at") == [old.pk, late.pk, on_time.pk]


@pytest.mark.parametrize("params, field", [
    ({"kind": "late_delivery"}, "kind"),
    ({"touchpoint": "delivery"}, "touchpoint"),
    ({"occurred_after": "2026-05-01T10:00:00"}, "occurred_after"),
    ({"ordering": "value"}, "ordering"),
])
def test_a_bad_filter_is_a_400_on_its_name(api_client_for, crm_reader, params, field):
    response = api_client_for(crm_reader).get(SIGNALS, params)

    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_page_of_signals_costs_a_few_queries_whatever_its_length(
        api_client_for, crm_reader, delivery, django_assert_max_num_queries):
    for _ in range(30):
        _signal(delivery, customer=CustomerFactory())
    api = api_client_for(crm_reader)
    api.get(SIGNALS)

    with django_assert_max_num_queries(6):
        response = api.get(SIGNALS, {"page_size": 25})

    assert len(response.json()["results"]) == 25 and response.json()["next"]


def test_one_signal_is_read_by_id(api_client_for, crm_reader, customer, delivery):
    signal = _signal(delivery, customer=customer)
    api = api_client_for(crm_reader)

    response = api.get(f"{SIGNALS}{signal.pk}/")

    assert response.status_code == 200
    assert (response.json()["source"], response.json()["customer_external_id"]) == ("test", "CRM-GR-1")
    assert api.get(f"{SIGNALS}{signal.pk + 1000}/").status_code == 404


# --- Who may ----------------------------------------------------------------------------------------


def test_the_read_only_client_reads_but_may_not_post(api_client_for, crm_reader, customer, delivery):
    api = api_client_for(crm_reader)

    assert api.get(SIGNALS).status_code == 200
    assert api.post(SIGNALS, late_delivery(delivery), format="json").status_code == 403
    assert not ExperienceSignal.objects.exists()


def test_an_agent_neither_reads_nor_posts_signals(api_client_for, agent, customer, delivery):
    api = api_client_for(agent)

    assert api.get(SIGNALS).status_code == 403
    assert api.post(SIGNALS, late_delivery(delivery), format="json").status_code == 403


def test_anonymous_callers_are_refused(customer, delivery):
    api = APIClient()

    assert api.get(SIGNALS).status_code == 401
    assert api.post(SIGNALS, late_delivery(delivery), format="json").status_code == 401


def test_signals_cannot_be_changed_or_deleted_through_the_api(api_client_for, manager, delivery):
    signal = _signal(delivery)
    api = api_client_for(manager)

    changed = api.patch(f"{SIGNALS}{signal.pk}/", {"kind": "sla_breached"}, format="json")
    deleted = api.delete(f"{SIGNALS}{signal.pk}/")

    # no role holds the change or delete permission, and the list offers neither method
    assert (changed.status_code, deleted.status_code) in {(403, 403), (405, 405)}
    assert ExperienceSignal.objects.get().kind == SignalKind.SLA_MET


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_event_record_it_once(api_client_for, crm_writer, customer, delivery):
    barrier = threading.Barrier(2)
    answers: list[tuple[int, int]] = []

    def post() -> None:
        try:
            api = api_client_for(crm_writer)
            barrier.wait(timeout=10)
            response = api.post(SIGNALS, late_delivery(delivery), format="json")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(status for status, _ in answers) == [200, 201]
    assert len({signal_id for _, signal_id in answers}) == 1
    assert ExperienceSignal.objects.count() == 1
