"""The service-impact and key-drivers pages: who may see them, recomputing, empty states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys import analysis
from journeys.choices import SignalKind as K
from journeys.models import AnalysisSnapshot
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import CustomerFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

_ids = iter(range(1, 1_000_000))


def signal(tp, customer, kind, days_ago, value=None):
    with rollups_deferred():
        signal_record(touchpoint=tp, customer=customer, kind=kind, source="test", source_id=str(next(_ids)),
                      occurred_at=timezone.now() - dt.timedelta(days=days_ago), value=value)


@pytest.fixture
def impacted(touchpoint):
    """6 customers whose ticket breached (then NPS 3), 6 whose ticket met (then NPS 9)."""
    for i in range(12):
        c = CustomerFactory()
        signal(touchpoint, c, K.SLA_BREACHED if i < 6 else K.SLA_MET, 10)
        signal(touchpoint, c, K.NPS_ANSWER, 9, 3 if i < 6 else 9)
    return touchpoint


@pytest.fixture
def driven(touchpoint):
    """12 customers: journey NPS y at the fixture touchpoint, CSAT y/2 at "Showroom" (r = 1)."""
    showroom = TouchpointFactory(stage=touchpoint.stage, name="Showroom")
    for y in [2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 6, 4]:
        c = CustomerFactory()
        signal(touchpoint, c, K.NPS_ANSWER, 5, y)
        signal(showroom, c, K.CSAT_ANSWER, 6, y // 2)
    return touchpoint.stage.journey


URLS = ("journeys:impact", "journeys:drivers")


@pytest.mark.parametrize("name", URLS)
def test_it_sends_anonymous_visitors_to_the_login_page(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", URLS)
def test_agents_may_not_see_the_insights(agent_client, touchpoint, name):
    assert agent_client.get(reverse(name)).status_code == 403
    assert agent_client.post(reverse(name), {"program": touchpoint.stage.journey.program_id,
                                             "window": 30}).status_code == 403
    assert not AnalysisSnapshot.objects.exists()


@pytest.mark.parametrize("name,text", [("journeys:impact", "No programs yet"),
                                       ("journeys:drivers", "No journeys yet")])
def test_the_pages_have_an_empty_state_without_programs(manager_client, name, text):
    response = manager_client.get(reverse(name))

    assert response.status_code == 200 and text in response.content.decode()


def test_the_impact_page_says_when_nothing_was_computed(manager_client, impacted):
    html = manager_client.get(reverse("journeys:impact")).content.decode()

    assert "has not been computed yet" in html and "Not computed yet for 30 days" in html


def test_the_impact_page_shows_groups_intervals_and_points_lost(manager_client, impacted):
    analysis.analysis_refresh(window_days=(30,))

    response = manager_client.get(reverse("journeys:impact"), {"window": 30})

    html = response.content.decode()
    assert response.status_code == 200
    program = response.context["program_snapshot"].data
    # NPS -100 (all 3s) vs +100 (all 9s): 200 points x the breached half of the answers
    assert program["sla"]["points_lost"]["nps"]["value"] == pytest.approx(200 * 6 / 12)
    assert "100.0 NPS points" in html and "beyond noise" in html
    assert 'data-chart="bar"' in html and impacted.name in html
    assert "Computed" in html


def test_a_manager_recomputes_one_program(manager_client, impacted):
    program = impacted.stage.journey.program

    response = manager_client.post(reverse("journeys:impact"), {"program": program.pk, "window": 90})

    assert response.status_code == 302
    assert response.url == f"{reverse('journeys:impact')}?window=90&program={program.pk}"
    # the program, its journey (impact and drivers) and its touchpoint
    assert AnalysisSnapshot.objects.filter(window_days=90).count() == 4
    page = manager_client.get(response.url)
    assert "Recomputed 4 analyses" in page.content.decode()


@pytest.mark.parametrize("form", [{}, {"program": "x", "window": 30}, {"program": 1, "window": 7},
                                  {"program": 999999, "window": 30}])
def test_bad_recompute_input_is_a_message_not_an_error(manager_client, impacted, form):
    response = manager_client.post(reverse("journeys:impact"), form, follow=True)

    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not AnalysisSnapshot.objects.exists()


def test_recompute_needs_the_csrf_token(client, manager, impacted):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)

    response = strict.post(reverse("journeys:impact"),
                           {"program": impacted.stage.journey.program_id, "window": 30})

    assert response.status_code == 403 and not AnalysisSnapshot.objects.exists()


def test_bad_query_strings_fall_back(manager_client, impacted):
    response = manager_client.get(reverse("journeys:impact"), {"program": "abc", "window": "9; drop"})

    assert response.status_code == 200
    assert response.context["window_days"] == 30
    assert response.context["program"] == impacted.stage.journey.program


def test_the_drivers_page_ranks_a_correlated_touchpoint(manager_client, driven):
    analysis.analysis_refresh(window_days=(30,))

    response = manager_client.get(reverse("journeys:drivers"), {"journey": driven.pk})

    html = response.content.decode()
    assert response.context["drivers"][0]["name"] == "Showroom"
    assert 'data-chart="hbar"' in html and "+1.00" in html and "&lt; 0.001" in html
    assert "strong driver" in html and "tend to give the journey a higher NPS" in html


def test_the_drivers_page_says_when_too_few_customers_answered(manager_client, touchpoint):
    signal(touchpoint, CustomerFactory(), K.NPS_ANSWER, 3, 9)
    analysis.analysis_refresh(window_days=(30,))

    html = manager_client.get(reverse("journeys:drivers")).content.decode()

    assert "Not enough customers with both a journey NPS and an answer at a touchpoint" in html


def test_the_drivers_page_before_any_computation(manager_client, touchpoint):
    html = manager_client.get(reverse("journeys:drivers"), {"window": 365}).content.decode()

    assert "have not been computed for the last 365 days yet" in html and "Recompute now" in html


def test_a_manager_recomputes_one_journeys_drivers(manager_client, driven):
    other = StageFactory().journey

    response = manager_client.post(reverse("journeys:drivers"), {"journey": driven.pk, "window": 30},
                                   follow=True)

    assert response.status_code == 200
    assert response.context["drivers"][0]["name"] == "Showroom"
    assert not AnalysisSnapshot.objects.filter(scope_type="journey", scope_id=other.pk).exists()


def test_the_pages_run_a_constant_number_of_queries(manager_client, impacted, django_assert_max_num_queries):
    for i in range(10):
        TouchpointFactory(stage=impacted.stage, name=f"More {i}")
    analysis.analysis_refresh(window_days=(30,))

    with django_assert_max_num_queries(12):
        manager_client.get(reverse("journeys:impact"))
    with django_assert_max_num_queries(10):
        manager_client.get(reverse("journeys:drivers"))


def test_the_dashboard_partial_shows_points_lost_and_top_drivers(impacted, driven):
    from django.template.loader import render_to_string

    analysis.analysis_refresh(window_days=(30,))
    program = impacted.stage.journey.program

    html = render_to_string("journeys/partials/_dashboard_impact.html",
                            {"insights": analysis.dashboard_context(program=program, window=30)})

    # 200 points x 6 breached answers of the 24 NPS answers there (12 more from the drivers' customers)
    assert "50.0 NPS points" in html and "breached the SLA" in html
    assert "Showroom" in html and f"?journey={driven.pk}&amp;window=30" in html


def test_the_dashboard_partial_before_any_computation(touchpoint):
    from django.template.loader import render_to_string

    program = touchpoint.stage.journey.program
    html = render_to_string("journeys/partials/_dashboard_impact.html",
                            {"insights": analysis.dashboard_context(program=program, window=30)})

    assert "Service impact has not been computed yet" in html and "not computed yet" in html
