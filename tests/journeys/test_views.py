from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.choices import SurveyKind
from feedback.services import response_submit
from journeys import rollup
from tests.feedback.factories import make_survey
from tests.journeys.factories import CustomerFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_touchpoint(touchpoint):
    """The test-drive touchpoint with three CSAT answers (5, 4, 2) rolled up: CSAT 66.7%."""
    survey = make_survey(kind=SurveyKind.CSAT, touchpoint=touchpoint)
    for score in (5, 4, 2):
        response_submit(survey=survey, customer=CustomerFactory(), score=score)
    rollup.rollup_new_signals()
    return touchpoint


def test_it_sends_anonymous_visitors_to_the_login_page(client, touchpoint):
    for url in (reverse("journeys:dashboard"), reverse("journeys:detail", args=[touchpoint.stage.journey_id]),
                reverse("journeys:touchpoint", args=[touchpoint.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_dashboard_ranks_journeys_with_their_scores(manager_client, scored_touchpoint):
    response = manager_client.get(reverse("journeys:dashboard"))

    assert response.status_code == 200
    program = response.context["programs"][0]
    assert program.program == scored_touchpoint.stage.journey.program
    assert round(program.score.value, 1) == 66.7
    assert "66.7" in response.content.decode()


def test_the_dashboard_has_an_empty_state(manager_client):
    response = manager_client.get(reverse("journeys:dashboard"))

    assert response.status_code == 200
    assert "No programs yet" in response.content.decode()


def test_the_journey_page_shows_stages_touchpoints_components_and_samples(agent_client, scored_touchpoint):
    journey = scored_touchpoint.stage.journey
    later = StageFactory(journey=journey, name="Purchase", position=scored_touchpoint.stage.position + 1)
    TouchpointFactory(stage=later, name="Contract signing")

    response = agent_client.get(reverse("journeys:detail", args=[journey.pk]), {"window": 7})

    assert response.status_code == 200
    card = response.context["card"]
    assert [s.stage.name for s in card.stages] == [scored_touchpoint.stage.name, "Purchase"]
    tp_card = card.stages[0].touchpoints[0]
    assert tp_card.score.metrics["csat"].sample == 3
    assert tp_card.meets_target is False  # 66.7 < 75
    assert card.stages[1].touchpoints[0].score.value is None
    html = response.content.decode()
    assert "Contract signing" in html and "not enough data" in html and "n=3" in html


def test_the_journey_page_query_count_does_not_grow_with_touchpoints(
        agent_client, scored_touchpoint, django_assert_max_num_queries):
    journey = scored_touchpoint.stage.journey
    for i in range(15):
        TouchpointFactory(stage=StageFactory(journey=journey), name=f"Extra {i}")

    with django_assert_max_num_queries(12):
        agent_client.get(reverse("journeys:detail", args=[journey.pk]))


def test_a_manager_changes_a_touchpoints_target(manager_client, touchpoint):
    response = manager_client.post(reverse("journeys:touchpoint", args=[touchpoint.pk]),
                                   {"target_score": "82.5", "weight": "2"})

    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.target_score == Decimal("82.5") and touchpoint.weight == Decimal("2")


def test_an_agent_cannot_change_targets(agent_client, touchpoint):
    page = agent_client.get(reverse("journeys:touchpoint", args=[touchpoint.pk]))
    response = agent_client.post(reverse("journeys:touchpoint", args=[touchpoint.pk]),
                                 {"target_score": "10", "weight": "1"})

    assert page.status_code == 200 and b'name="target_score"' not in page.content
    assert response.status_code == 403
    touchpoint.refresh_from_db()
    assert touchpoint.target_score == Decimal("75")


def test_an_agent_cannot_edit_journeys_in_the_admin(agent_client, touchpoint):
    response = agent_client.get(reverse("admin:journeys_journey_change", args=[touchpoint.stage.journey_id]))

    assert response.status_code in (302, 403)  # not staff: the admin refuses


@pytest.mark.parametrize("form", [
    {"target_score": "150", "weight": "1"},
    {"target_score": "abc", "weight": "1"},
    {"target_score": "80", "weight": "0"},
    {},
])
def test_bad_targets_re_render_with_a_message_and_change_nothing(manager_client, touchpoint, form):
    response = manager_client.post(reverse("journeys:touchpoint", args=[touchpoint.pk]), form)

    assert response.status_code == 400
    assert response.context["form"].errors
    touchpoint.refresh_from_db()
    assert touchpoint.target_score == Decimal("75") and touchpoint.weight == Decimal("1")


def test_unknown_journeys_and_touchpoints_are_404(manager_client):
    assert manager_client.get(reverse("journeys:detail", args=[999])).status_code == 404
    assert manager_client.get(reverse("journeys:touchpoint", args=[999])).status_code == 404


def test_a_bad_window_falls_back_to_30_days(manager_client, scored_touchpoint):
    response = manager_client.get(reverse("journeys:dashboard"), {"window": "9999; drop"})

    assert response.status_code == 200
    assert response.context["window"].days == 30
    assert response.context["window"].end == timezone.localdate()
