"""Intervals, the explanation of a score and the noise tests of docs/scoring.md.

Expected numbers were worked out by hand (and agree with published tables of the Wilson interval);
none is read back from the code under test.
"""

from __future__ import annotations

import pytest

from journeys.scoring import (
    Components,
    Metric,
    differs_beyond_noise,
    drop_beyond_noise,
    experience_metric,
    explain_score,
    group_score,
    metrics_of,
    nps_interval,
    proportion_drop_is_significant,
    score_interval,
    touchpoint_score,
    two_proportion_z,
    wilson_interval,
)

# --- Wilson ------------------------------------------------------------------------------------------


def test_wilson_has_no_interval_without_data():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize("successes, n, low, high", [
    (1, 1, 20.654, 100.0),      # one success: far from certain, but never above 100
    (0, 1, 0.0, 79.346),
    (8, 10, 49.016, 94.331),
    (20, 20, 83.887, 100.0),    # all success: the interval does not collapse to a point
    (50, 100, 40.383, 59.617),  # symmetric around one half
])
def test_wilson_interval_matches_hand_computed_values(successes, n, low, high):
    result = wilson_interval(successes, n)

    assert result == (pytest.approx(low, abs=0.002), pytest.approx(high, abs=0.002))


def test_proportion_metrics_carry_their_wilson_interval():
    metrics = metrics_of(Components(csat_responses=10, csat_satisfied=8, sla_met=20,
                                    tickets_resolved=100, fcr=50, reopens=0), min_sample=5)

    assert (metrics["csat"].low, metrics["csat"].high) == (pytest.approx(49.016, abs=0.002),
                                                           pytest.approx(94.331, abs=0.002))
    assert metrics["sla"].low == pytest.approx(83.887, abs=0.002) and metrics["sla"].high == 100.0
    assert metrics["fcr"].low == pytest.approx(40.383, abs=0.002)
    assert metrics["reopen_rate"].low == 0.0 and metrics["reopen_rate"].high == pytest.approx(3.699,
                                                                                              abs=0.002)
    assert metrics["ces"].low is None and metrics["ces"].high is None  # no CES answers
    assert metrics["ces_mean"].low is None  # a mean has no interval: no spread is stored


# --- NPS ---------------------------------------------------------------------------------------------


def test_nps_has_no_interval_without_answers():
    assert nps_interval(0, 0, 0) is None


@pytest.mark.parametrize("promoters, detractors, n, low, high", [
    # 5 P, 3 passives, 2 D: NPS 30, var = (0.5 + 0.2 - 0.3²) / 10 = 0.061, half = 1.96 × 0.24698
    (5, 2, 10, -18.408, 78.408),
    (1, 0, 1, 100.0, 100.0),       # one promoter: the variance is 0, the interval a point
    (0, 4, 4, -100.0, -100.0),     # all detractors
    # 3 P, 1 passive of 4: NPS 75, var = (0.75 - 0.5625) / 4, half = 42.434, clipped at 100
    (3, 0, 4, 32.566, 100.0),
])
def test_nps_interval_matches_hand_computed_values(promoters, detractors, n, low, high):
    result = nps_interval(promoters, detractors, n)

    assert result == (pytest.approx(low, abs=0.002), pytest.approx(high, abs=0.002))


def test_the_nps_metric_has_its_interval_and_blends_it_onto_0_to_100():
    nps = metrics_of(Components(nps_responses=10, nps_promoters=5, nps_passives=3, nps_detractors=2),
                     min_sample=5)["nps"]

    assert nps.value == pytest.approx(30.0)
    assert nps.low == pytest.approx(-18.408, abs=0.002)
    assert nps.blend_low == pytest.approx(40.796, abs=0.002)  # (-18.408 + 100) / 2
    assert nps.blend_high == pytest.approx(89.204, abs=0.002)


# --- The explanation ---------------------------------------------------------------------------------

WEIGHTS = {"csat": 2.0, "nps": 1.0, "ces": 1.0, "sla": 1.0, "fcr": 0.0}


def test_the_explanation_writes_out_a_touchpoint_score():
    # given CSAT 8/10 = 80, NPS 10 P and 4 D of 20 = +30 (65 on 0-100), SLA 6 of 8 = 75,
    # CES from 2 answers only, FCR weighted 0
    c = Components(csat_responses=10, csat_satisfied=8, nps_responses=20, nps_promoters=10,
                   nps_detractors=4, nps_passives=6, ces_responses=2, ces_easy=2, sla_met=6,
                   sla_breached=2, tickets_resolved=8, fcr=8)
    score = touchpoint_score(c, weights=WEIGHTS, min_sample=5)

    # when
    math = explain_score(score, WEIGHTS)

    # then (2 × 80 + 65 + 75) / 4 = 75, shares 2/4, 1/4, 1/4
    assert score.value == pytest.approx(75.0)
    lines = {line.key: line for line in math.components}
    assert [line.key for line in math.included] == ["csat", "nps", "sla"]
    assert lines["csat"].share == pytest.approx(0.5) and lines["csat"].contribution == pytest.approx(40.0)
    assert lines["nps"].share == pytest.approx(0.25) and lines["nps"].contribution == pytest.approx(16.25)
    assert lines["sla"].contribution == pytest.approx(18.75)
    assert math.total_weight == pytest.approx(4.0)
    assert math.total == pytest.approx(75.0)
    assert not lines["ces"].included and lines["ces"].reason == "too few: 2 of the 5 needed"
    assert not lines["fcr"].included and lines["fcr"].reason.startswith("weight 0")
    assert lines["fcr"].contribution == 0.0


def test_the_explanation_of_not_enough_data_has_no_sum():
    score = touchpoint_score(Components(csat_responses=2, csat_satisfied=2), weights=WEIGHTS, min_sample=5)

    math = explain_score(score, WEIGHTS)

    assert math.value is None and math.total is None and math.included == []
    assert math.low is None and math.high is None
    assert {line.key: line.reason for line in math.components}["nps"] == "no data"


def test_a_group_explanation_adds_up_to_the_touchpoint_weighted_mean():
    weights = {"csat": 1.0, "sla": 1.0}
    good = touchpoint_score(Components(csat_responses=5, csat_satisfied=5), weights=weights, min_sample=5)
    mixed = touchpoint_score(Components(csat_responses=5, csat_satisfied=0, sla_met=5), weights=weights,
                             min_sample=5)  # (0 + 100) / 2 = 50
    empty = touchpoint_score(Components(), weights=weights, min_sample=5)
    stage = group_score([(good, 3.0), (mixed, 1.0), (empty, 2.0)], min_sample=5)

    math = explain_score(stage, weights)

    # (3 × 100 + 1 × 50) / 4 = 87.5; CSAT: 3/4 × 100 + 1/4 × ½ × 0 = 75; SLA: 1/4 × ½ × 100 = 12.5
    assert stage.value == pytest.approx(87.5)
    lines = {line.key: line for line in math.components}
    assert lines["csat"].contribution == pytest.approx(75.0)
    assert lines["csat"].share == pytest.approx(0.875)
    assert lines["sla"].contribution == pytest.approx(12.5)
    assert lines["sla"].reason == "in 1 of 2 touchpoint scores"
    assert math.total == pytest.approx(87.5)
    assert math.is_group and math.parts == [(100.0, 3.0), (50.0, 1.0)]


def test_a_component_with_enough_data_only_when_summed_is_not_in_a_group_score():
    weights = {"csat": 1.0}
    parts = [(touchpoint_score(Components(csat_responses=3, csat_satisfied=3), weights=weights,
                               min_sample=5), 1.0) for _ in range(2)]

    math = explain_score(group_score(parts, min_sample=5), weights)

    line = math.components[0]
    assert line.metric.sample == 6 and line.metric.enough  # 6 answers together...
    assert not line.included and line.reason == "no touchpoint has enough on its own"


def test_a_score_interval_combines_its_components():
    # CSAT 50 of 100 alone: the score is CSAT, so its interval is CSAT's Wilson interval
    score = touchpoint_score(Components(csat_responses=100, csat_satisfied=50), weights={"csat": 1.0},
                             min_sample=5)

    low, high = score_interval(score, {"csat": 1.0})

    assert low == pytest.approx(40.383, abs=0.002) and high == pytest.approx(59.617, abs=0.002)


# --- Noise -------------------------------------------------------------------------------------------


def csat(satisfied: int, answers: int) -> Metric:
    return metrics_of(Components(csat_responses=answers, csat_satisfied=satisfied), min_sample=1)["csat"]


def nps(promoters: int, detractors: int, answers: int) -> Metric:
    return metrics_of(Components(nps_responses=answers, nps_promoters=promoters,
                                 nps_detractors=detractors), min_sample=1)["nps"]


def test_the_pooled_z_of_two_proportions():
    # 70/100 against 90/100: pooled 0.8, se = √(0.16 × 0.02) = 0.05657, z = -0.2 / 0.05657
    assert two_proportion_z(70, 100, 90, 100) == pytest.approx(-3.5355, abs=0.001)
    assert two_proportion_z(5, 5, 5, 5) == 0.0
    assert two_proportion_z(1, 0, 1, 1) is None


def test_a_large_drop_on_large_samples_is_beyond_noise():
    assert differs_beyond_noise(csat(70, 100), csat(90, 100))
    assert drop_beyond_noise(csat(70, 100), csat(90, 100))
    assert proportion_drop_is_significant(current_successes=70, current_n=100, baseline_successes=90,
                                          baseline_n=100)


def test_the_same_drop_on_small_samples_is_noise():
    # 7/10 against 9/10: se = √(0.16 × 0.2) = 0.1789, z = -1.118
    assert not differs_beyond_noise(csat(7, 10), csat(9, 10))
    assert not proportion_drop_is_significant(current_successes=7, current_n=10, baseline_successes=9,
                                              baseline_n=10)


def test_a_rise_differs_but_is_not_a_drop():
    assert differs_beyond_noise(csat(90, 100), csat(70, 100))
    assert not drop_beyond_noise(csat(90, 100), csat(70, 100))
    assert not proportion_drop_is_significant(current_successes=90, current_n=100, baseline_successes=70,
                                              baseline_n=100)


def test_one_detractor_after_one_promoter_is_noise_though_their_intervals_are_points():
    # pooled: p_P = p_D = 0.5, var = (1 - 0) × (1 + 1) = 2, z = -2 / 1.414 = -1.41
    assert not differs_beyond_noise(nps(0, 1, 1), nps(1, 0, 1))


def test_an_nps_fall_from_40_to_minus_10_on_100_answers_each_is_beyond_noise():
    # pooled p_P = 0.45, p_D = 0.30, var = (0.75 - 0.0225) × 0.02, z = -0.5 / 0.1206 = -4.15
    assert differs_beyond_noise(nps(30, 40, 100), nps(60, 20, 100))
    assert drop_beyond_noise(nps(30, 40, 100), nps(60, 20, 100))


def test_nothing_differs_from_no_data():
    assert not differs_beyond_noise(csat(0, 0), csat(9, 10))
    assert not differs_beyond_noise(csat(9, 10), csat(0, 0))


def test_experience_scores_are_compared_through_their_intervals():
    weights = {"csat": 1.0}
    high = experience_metric(touchpoint_score(Components(csat_responses=400, csat_satisfied=360),
                                              weights=weights, min_sample=5), weights)
    low = experience_metric(touchpoint_score(Components(csat_responses=400, csat_satisfied=280),
                                             weights=weights, min_sample=5), weights)
    small = experience_metric(touchpoint_score(Components(csat_responses=5, csat_satisfied=4),
                                               weights=weights, min_sample=5), weights)

    assert high.key == "experience" and high.value == pytest.approx(90.0)
    assert differs_beyond_noise(low, high)  # 70 against 90 on 400 answers each
    assert not differs_beyond_noise(small, high)  # 80 from 5 answers is within noise of 90


# --- The partial that shows the math -----------------------------------------------------------------


def render_math(score, weights) -> str:
    from django.template.loader import render_to_string

    return render_to_string("journeys/partials/_score_math.html", {"score": score, "weights": weights})


def test_the_math_partial_writes_out_the_weighted_mean_and_the_contributions():
    c = Components(csat_responses=10, csat_satisfied=8, nps_responses=20, nps_promoters=10,
                   nps_detractors=4, nps_passives=6, ces_responses=2, ces_easy=2, sla_met=6, sla_breached=2)

    html = render_math(touchpoint_score(c, weights=WEIGHTS, min_sample=5), WEIGHTS)

    assert "(2 × 80.0 + 1 × 65.0 + 1 × 75.0) ÷ (2 + 1 + 1) = 300.0 ÷ 4 = 75.0" in html
    assert "40.00 + 16.25 + 18.75 = 75.00" in html
    assert "49.0 – 94.3%" in html  # CSAT 8 of 10, Wilson
    assert "too few: 2 of the 5 needed" in html


def test_the_math_partial_explains_not_enough_data():
    score = touchpoint_score(Components(csat_responses=2, csat_satisfied=1), weights=WEIGHTS, min_sample=5)

    html = render_math(score, WEIGHTS)

    assert "not enough data" in html and "never as 0" in html
    assert "÷" not in html


def test_the_math_partial_survives_weights_that_are_not_valid():
    score = touchpoint_score(Components(csat_responses=5, csat_satisfied=5), weights=WEIGHTS, min_sample=5)

    html = render_math(score, {"speed": "fast"})

    assert "weights are not valid" in html
