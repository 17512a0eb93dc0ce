"""The metric math of docs/metrics.md, at the band boundaries, from answers through the rollup."""

from __future__ import annotations

import pytest
from django.utils import timezone

from journeys import rollup
from journeys.choices import SignalKind
from journeys.models import ScoreComponentDaily
from journeys.scoring import Components, blend, group_score, metrics_of, touchpoint_score, validate_weights
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import TouchpointFactory

WEIGHTS = {"csat": 1.0, "nps": 1.0, "ces": 1.0, "sla": 1.0, "fcr": 1.0}


def components_of(kind: str, values: list[int]) -> Components:
    """Record the answers as signals and read back the rolled-up components (the real path)."""
    touchpoint = TouchpointFactory()
    with rollups_deferred():
        for i, value in enumerate(values):
            signal_record(touchpoint=touchpoint, kind=kind, source="test", source_id=str(i),
                          occurred_at=timezone.now(), value=value)
    rollup.rollup_new_signals()
    row = ScoreComponentDaily.objects.filter(touchpoint=touchpoint).values(*Components.names()).get()
    return Components.from_mapping(row)


@pytest.mark.django_db
@pytest.mark.parametrize("answers, expected", [
    ([9, 10], 100.0),          # 9 is the lowest promoter
    ([7, 8], 0.0),             # 7 and 8 are passives
    ([6, 0], -100.0),          # 6 is the highest detractor
    ([10, 8, 6, 9], 25.0),     # 2 promoters - 1 detractor of 4
])
def test_nps_is_promoters_minus_detractors_at_the_band_edges(answers, expected):
    metrics = metrics_of(components_of(SignalKind.NPS_ANSWER, answers), min_sample=1)

    assert metrics["nps"].value == pytest.approx(expected)
    assert metrics["nps"].blend_value == pytest.approx((expected + 100) / 2)


@pytest.mark.django_db
@pytest.mark.parametrize("answers, expected", [([4, 5], 100.0), ([3, 2, 1], 0.0), ([4, 3], 50.0)])
def test_csat_is_the_top_two_box_share(answers, expected):
    assert metrics_of(components_of(SignalKind.CSAT_ANSWER, answers), min_sample=1)["csat"].value == (
        pytest.approx(expected))


@pytest.mark.django_db
def test_ces_is_the_share_of_5_to_7_and_its_mean_is_shown_beside_it():
    metrics = metrics_of(components_of(SignalKind.CES_ANSWER, [4, 5, 7, 1]), min_sample=1)

    assert metrics["ces"].value == pytest.approx(50.0)  # 5 and 7 of 4 answers; 4 is not "easy"
    assert metrics["ces_mean"].value == pytest.approx(17 / 4)


def test_the_blend_renormalises_over_components_with_enough_data():
    c = Components(csat_responses=10, csat_satisfied=8, nps_responses=2, nps_promoters=2,
                   tickets_resolved=5, fcr=5, sla_met=5)

    score = touchpoint_score(c, weights=WEIGHTS, min_sample=5)

    # CSAT 80, SLA 100, FCR 100 have 5+ each; NPS has only 2 answers and is left out
    assert score.value == pytest.approx((80 + 100 + 100) / 3)
    assert not score.metrics["nps"].enough


def test_weights_change_the_blend_and_zero_leaves_a_component_out():
    metrics = metrics_of(Components(csat_responses=5, csat_satisfied=5, sla_met=0, sla_breached=5),
                         min_sample=5)

    assert blend(metrics, {"csat": 3, "sla": 1}) == pytest.approx(75.0)
    assert blend(metrics, {"csat": 1, "sla": 0}) == pytest.approx(100.0)


def test_too_little_data_is_not_enough_data_never_zero():
    score = touchpoint_score(Components(csat_responses=2, csat_satisfied=0), weights=WEIGHTS, min_sample=5)

    assert score.value is None and not score.enough_data


def test_a_stage_score_is_the_touchpoint_weighted_mean_and_its_components_add_up():
    good = touchpoint_score(Components(csat_responses=5, csat_satisfied=5), weights=WEIGHTS, min_sample=5)
    poor = touchpoint_score(Components(csat_responses=5, csat_satisfied=0), weights=WEIGHTS, min_sample=5)
    empty = touchpoint_score(Components(), weights=WEIGHTS, min_sample=5)

    stage = group_score([(good, 3.0), (poor, 1.0), (empty, 5.0)], min_sample=5)

    assert stage.value == pytest.approx(75.0)
    assert stage.components.csat_responses == 10
    assert stage.metrics["csat"].value == pytest.approx(50.0)


@pytest.mark.parametrize("weights", [{"csat": -1}, {"speed": 1}, {"csat": 0, "nps": 0}, {"csat": True}, []])
def test_it_refuses_weights_that_make_no_sense(weights):
    with pytest.raises(ValueError):
        validate_weights(weights)
