"""Customer health pages: who may see them, filters, empty states, query counts, the recompute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from journeys.choices import SignalKind as K
from journeys.models import CustomerHealth, HealthBand
from journeys.services import rollups_deferred, signal_record
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

LIST = reverse("journeys:health_list")


def health(name: str, score: float, band: str, *, segment: str = "", reasons=None, **customer):
    customer = CustomerFactory(name=name, segment=segment, **customer)
    return CustomerHealth.objects.create(
        customer=customer, score=score, band=band, reasons=reasons or [], computed_at=timezone.now()
    )


@pytest.fixture
def rows():
    return {
        "ann": health("Ann Angry", 20, HealthBand.AT_RISK, segment="retail", external_id="CRM-ANN",
                      reasons=["Detractor: NPS 2 on 2026-11-01", "2 tickets open"]),
        "walt": health("Walt Wary", 55, HealthBand.WATCH, segment="fleet", external_id="CRM-WALT"),
        "hana": health("Hana Happy", 95, HealthBand.HEALTHY, segment="retail", external_id="",
                       email="hana@example.com"),
        "zed": health("Zed Zero", 5, HealthBand.AT_RISK, segment="fleet", external_id="CRM-ZED"),
    }


def names(response) -> list[str]:
    return [row.customer.name for row in response.context["page_obj"].object_list]


# --- Who may see it ----------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client, customer):
    for url in (LIST, reverse("journeys:customer_health", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(reverse("journeys:customer_health_recompute", args=[customer.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_refuses_a_user_without_a_role(client, customer):
    client.force_login(UserFactory(username="dave"))

    assert client.get(LIST).status_code == 403
    assert client.get(reverse("journeys:customer_health", args=[customer.pk])).status_code == 403
    assert client.post(reverse("journeys:customer_health_recompute", args=[customer.pk])).status_code == 403
    assert not CustomerHealth.objects.exists()


def test_managers_and_agents_see_the_list(manager_client, agent_client, rows):
    assert manager_client.get(LIST).status_code == 200
    assert agent_client.get(LIST).status_code == 200


# --- The list ----------------------------------------------------------------------------------------


def test_the_list_shows_every_band_worst_first_with_reasons_and_ticket_links(manager_client, rows):
    response = manager_client.get(LIST)

    assert names(response) == ["Zed Zero", "Ann Angry", "Walt Wary", "Hana Happy"]
    body = response.content.decode()
    assert "Detractor: NPS 2 on 2026-11-01" in body and "2 tickets open" in body
    assert f'{reverse("tickets:list")}?q=CRM-ANN"' in body
    assert f'{reverse("tickets:list")}?q=hana%40example.com"' in body  # no CRM id: by e-mail
    assert [(value, n) for value, _, n in response.context["bands"]] == [
        ("healthy", 1), ("watch", 1), ("at_risk", 2)]


@pytest.mark.parametrize("query, expected", [
    ("band=at_risk", ["Zed Zero", "Ann Angry"]),
    ("band=at_risk&segment=retail", ["Ann Angry"]),
    ("segment=fleet", ["Zed Zero", "Walt Wary"]),
    ("q=wary", ["Walt Wary"]),
    ("q=crm-zed", ["Zed Zero"]),  # a CRM id, whatever the case
    ("q=hana@example.com", ["Hana Happy"]),
    ("q=ann+angry", ["Ann Angry"]),
])
def test_the_list_filters_by_band_segment_and_search(manager_client, rows, query, expected):
    response = manager_client.get(f"{LIST}?{query}")

    assert response.status_code == 200
    assert names(response) == expected


def test_the_list_sorts_as_asked_and_keeps_worst_first_by_default(manager_client, rows):
    now = timezone.now()
    for key, days in (("ann", 3), ("walt", 200), ("hana", 40)):  # Zed has never had a signal
        CustomerHealth.objects.filter(pk=rows[key].pk).update(last_signal_at=now - dt.timedelta(days=days))

    assert names(manager_client.get(f"{LIST}?ordering=-score")) == [
        "Hana Happy", "Walt Wary", "Ann Angry", "Zed Zero"]
    assert names(manager_client.get(f"{LIST}?ordering=name")) == [
        "Ann Angry", "Hana Happy", "Walt Wary", "Zed Zero"]
    assert names(manager_client.get(f"{LIST}?ordering=silent")) == [
        "Walt Wary", "Hana Happy", "Ann Angry", "Zed Zero"]
    assert names(manager_client.get(f"{LIST}?ordering=bogus"))[0] == "Zed Zero"


@pytest.mark.parametrize("query", ["band=doomed", "page=-3", "page=abc", "segment=" + "x" * 500,
                                   "q=" + "word " * 200, "band=%00"])
def test_bad_input_never_breaks_the_list(manager_client, rows, query):
    response = manager_client.get(f"{LIST}?{query}")

    assert response.status_code == 200


def test_an_unknown_band_is_ignored_with_a_message(manager_client, rows):
    response = manager_client.get(f"{LIST}?band=doomed")

    assert len(names(response)) == 4
    assert any("unknown band" in str(m) for m in get_messages(response.wsgi_request))


def test_the_empty_list_says_why(manager_client):
    response = manager_client.get(LIST)

    assert "No customer health yet" in response.content.decode()


def test_a_filter_matching_nothing_offers_the_whole_list(manager_client, rows):
    response = manager_client.get(f"{LIST}?q=nobody")

    assert "No customers match" in response.content.decode()


def test_the_list_paginates(manager_client):
    for i in range(30):
        health(f"Customer {i:02d}", float(i), HealthBand.AT_RISK)

    first = manager_client.get(LIST)
    second = manager_client.get(f"{LIST}?page=2")

    assert len(names(first)) == 25 and names(first)[0] == "Customer 00"
    assert names(second) == [f"Customer {i:02d}" for i in range(25, 30)]


def test_the_list_runs_a_fixed_number_of_queries(manager_client, django_assert_max_num_queries):
    for i in range(40):
        health(f"Customer {i:02d}", float(i), HealthBand.AT_RISK, segment=f"segment {i % 4}",
               reasons=["1 ticket open"])

    # session, user, groups/permissions (x2), band counts, segments, page count, page rows
    with django_assert_max_num_queries(9):
        response = manager_client.get(f"{LIST}?band=at_risk")

    assert response.status_code == 200


# --- The health card ---------------------------------------------------------------------------------


def test_the_card_shows_the_score_band_and_reasons(agent_client, rows):
    response = agent_client.get(reverse("journeys:customer_health", args=[rows["ann"].customer_id]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "At risk" in body and "Detractor: NPS 2 on 2026-11-01" in body
    assert f'{reverse("tickets:list")}?q=CRM-ANN"' in body


def test_the_card_of_a_customer_without_health_says_so(manager_client, customer):
    response = manager_client.get(reverse("journeys:customer_health", args=[customer.pk]))

    assert response.status_code == 200
    assert "No health yet" in response.content.decode()


def test_the_card_of_an_unknown_customer_is_a_404(manager_client):
    assert manager_client.get(reverse("journeys:customer_health", args=[10**9])).status_code == 404


def test_the_card_runs_a_fixed_number_of_queries(manager_client, django_assert_max_num_queries, rows):
    touchpoint = TouchpointFactory()
    customer = rows["ann"].customer
    with rollups_deferred():
        for i in range(8):
            signal_record(touchpoint=touchpoint, customer=customer, kind=K.CSAT_ANSWER, value=2,
                          source="test", source_id=str(i), occurred_at=timezone.now() - dt.timedelta(days=i))

    # session, user, permissions (x2), roles, customer, health, answers, latest NPS, touchpoints
    with django_assert_max_num_queries(10):
        response = manager_client.get(reverse("journeys:customer_health", args=[customer.pk]))

    assert response.status_code == 200


def test_recompute_computes_the_customer_s_health_and_says_so(manager_client, customer):
    with rollups_deferred():
        signal_record(touchpoint=TouchpointFactory(), customer=customer, kind=K.NPS_ANSWER, value=3,
                      source="test", source_id="1", occurred_at=timezone.now())
    url = reverse("journeys:customer_health_recompute", args=[customer.pk])

    response = manager_client.post(url, follow=True)

    row = CustomerHealth.objects.get(customer=customer)
    assert (row.score, row.band) == (65.0, HealthBand.WATCH)  # a detractor costs 35
    assert "it has changed" in response.content.decode()
    again = manager_client.post(url, follow=True)
    assert "nothing has changed" in again.content.decode()


def test_recompute_only_answers_post(manager_client, customer):
    url = reverse("journeys:customer_health_recompute", args=[customer.pk])

    assert manager_client.get(url).status_code == 405
    assert manager_client.post(reverse("journeys:customer_health_recompute", args=[10**9])).status_code == 404
