"""Service impact and key drivers on constructed ledgers whose answers were worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.utils import timezone

from journeys import analysis
from journeys.choices import SignalKind as K
from journeys.models import AnalysisSnapshot
from journeys.selectors import Window
from journeys.services import rollups_deferred, signal_record
from tests.journeys.factories import CustomerFactory, JourneyFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def at(days_ago: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(hour)))


_ids = iter(range(1, 1_000_000))


def signal(tp, customer, kind, when, value=None, source="test"):
    with rollups_deferred():
        signal_record(touchpoint=tp, customer=customer, kind=kind, source=source,
                      source_id=str(next(_ids)), occurred_at=when, value=value)


def window(days=30):
    return Window.last(days, today=TODAY)


# --- interval math ---------------------------------------------------------------------------------


def test_wilson_interval_matches_the_textbook_value_for_8_of_10():
    low, high = analysis.wilson_interval(8, 10)

    assert round(low, 1) == 49.0 and round(high, 1) == 94.3
    assert analysis.wilson_interval(0, 0) is None


def test_nps_interval_is_the_trinomial_normal_interval():
    # 50 promoters, 20 detractors of 100: NPS 30, variance .5 + .2 - .3^2 = .61, half 1.96 * sqrt(.0061)
    low, high = analysis.nps_interval(50, 20, 100)

    half = 1.959963984540054 * math.sqrt(0.61 / 100) * 100
    assert low == pytest.approx(30 - half) and high == pytest.approx(30 + half)
    assert round(low, 1) == 14.7 and round(high, 1) == 45.3


def test_the_fisher_p_value_of_a_known_correlation():
    # r = .5 over 28 pairs: z = atanh(.5) * 5 = 2.7465, two-sided p = 0.00602
    assert analysis.correlation_p_value(0.5, 28) == pytest.approx(0.00602, abs=1e-5)
    assert analysis.correlation_p_value(0.0, 50) == pytest.approx(1.0)
    assert analysis.correlation_p_value(1.0, 10) < 1e-6


# --- service impact --------------------------------------------------------------------------------


@pytest.fixture
def served(touchpoint):
    """10 customers whose ticket breached and who then answered NPS 4 and CSAT 2; 10 whose ticket met
    and who answered NPS 8 and CSAT 5. One breached customer also answered NPS 10 *before* the ticket."""
    breached, met = [], []
    for i in range(10):
        c = CustomerFactory(name=f"Breached {i}")
        signal(touchpoint, c, K.SLA_BREACHED, at(10))
        signal(touchpoint, c, K.NPS_ANSWER, at(8), 4)
        signal(touchpoint, c, K.CSAT_ANSWER, at(8), 2)
        breached.append(c)
        c = CustomerFactory(name=f"Met {i}")
        signal(touchpoint, c, K.SLA_MET, at(10))
        signal(touchpoint, c, K.NPS_ANSWER, at(8), 8)
        signal(touchpoint, c, K.CSAT_ANSWER, at(8), 5)
        met.append(c)
    signal(touchpoint, breached[0], K.NPS_ANSWER, at(12), 10)  # before the ticket: not blamed on it
    return breached, met


def test_impact_groups_customers_by_their_tickets_and_counts_answers_after_them(touchpoint, served):
    result = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())

    sla = result["sla"]
    assert sla["breached"]["customers"] == 10 and sla["met"]["customers"] == 10
    assert sla["breached"]["nps"]["n"] == 10  # the answer before the ticket is left out
    assert sla["breached"]["nps"]["value"] == -100 and sla["met"]["nps"]["value"] == 0
    assert sla["breached"]["csat"]["value"] == 0 and sla["met"]["csat"]["value"] == 100
    assert result["scope_answers"] == {"nps": 21, "csat": 20}


def test_impact_difference_is_beyond_noise_and_points_lost_are_the_difference_times_the_share(
        touchpoint, served):
    sla = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())["sla"]

    assert sla["difference"]["nps"]["value"] == 100
    assert sla["difference"]["nps"]["beyond_noise"] is True
    # 100 points x 10 of the scope's 21 NPS answers
    assert sla["points_lost"]["nps"]["value"] == pytest.approx(100 * 10 / 21)
    assert sla["points_lost"]["nps"]["share"] == pytest.approx(10 / 21)
    # CSAT: 100% - 0% x 10 of 20 answers
    assert sla["points_lost"]["csat"]["value"] == pytest.approx(50)


def test_impact_group_intervals_are_wilson_and_trinomial(touchpoint):
    # given 10 breached customers: 2 promoters, 3 passives, 5 detractors; CSAT 3 of 10 satisfied
    scores = [10, 9, 8, 7, 7, 0, 1, 2, 3, 4]
    for i, nps in enumerate(scores):
        c = CustomerFactory()
        signal(touchpoint, c, K.SLA_BREACHED, at(20))
        signal(touchpoint, c, K.NPS_ANSWER, at(19), nps)
        signal(touchpoint, c, K.CSAT_ANSWER, at(19), 5 if i < 3 else 1)

    group = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())["sla"]["breached"]

    assert group["nps"]["value"] == pytest.approx(-30)
    assert (group["nps"]["low"], group["nps"]["high"]) == pytest.approx(analysis.nps_interval(2, 5, 10))
    assert (group["csat"]["low"], group["csat"]["high"]) == pytest.approx(analysis.wilson_interval(3, 10))


def test_a_small_difference_on_few_answers_is_not_beyond_noise(touchpoint):
    for value, kind in ((7, K.SLA_BREACHED), (8, K.SLA_BREACHED), (9, K.SLA_MET), (8, K.SLA_MET)):
        c = CustomerFactory()
        signal(touchpoint, c, kind, at(5))
        signal(touchpoint, c, K.NPS_ANSWER, at(4), value)

    diff = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())["sla"]["difference"]

    assert diff["nps"]["value"] == 50 and diff["nps"]["enough"] is False
    assert diff["nps"]["beyond_noise"] is False


def test_groups_that_answered_alike_differ_only_by_noise(touchpoint):
    # given 6 breached and 6 met customers with the same mix: 3 promoters, 1 passive, 2 detractors
    # (breached) and 2 promoters, 2 passives, 2 detractors (met): NPS +17 vs 0
    for kind, scores in ((K.SLA_BREACHED, [10, 9, 9, 8, 3, 5]), (K.SLA_MET, [10, 9, 7, 8, 2, 6])):
        for value in scores:
            c = CustomerFactory()
            signal(touchpoint, c, kind, at(5))
            signal(touchpoint, c, K.NPS_ANSWER, at(4), value)

    diff = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())["sla"]["difference"]

    assert diff["nps"]["value"] == pytest.approx(-100 / 6)
    assert diff["nps"]["enough"] is True and diff["nps"]["beyond_noise"] is False
    assert diff["nps"]["low"] < 0 < diff["nps"]["high"]


def test_answers_long_after_the_ticket_or_outside_the_window_are_not_counted(touchpoint):
    c = CustomerFactory()
    signal(touchpoint, c, K.SLA_BREACHED, at(80))
    signal(touchpoint, c, K.NPS_ANSWER, at(80 - analysis.FOLLOW_DAYS - 5), 0)  # 35 days later

    result = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window(90))

    assert result["sla"]["breached"]["customers"] == 1
    assert result["sla"]["breached"]["nps"]["n"] == 0
    assert analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window(30))["served_customers"] == 0


def test_reopened_customers_are_compared_with_the_other_served_ones(touchpoint):
    for i in range(6):
        c = CustomerFactory()
        signal(touchpoint, c, K.SLA_MET, at(10))
        if i < 2:
            signal(touchpoint, c, K.TICKET_REOPENED, at(9))
        signal(touchpoint, c, K.NPS_ANSWER, at(8), 2 if i < 2 else 9)
    bystander = CustomerFactory()
    signal(touchpoint, bystander, K.NPS_ANSWER, at(3), 10)

    result = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())

    reopen = result["reopen"]
    assert reopen["reopened"]["customers"] == 2 and reopen["not_reopened"]["customers"] == 4
    assert reopen["reopened"]["nps"]["value"] == -100 and reopen["not_reopened"]["nps"]["value"] == 100
    assert reopen["points_lost"]["nps"]["value"] == pytest.approx(200 * 2 / 7)
    assert result["no_ticket"]["customers"] == 1 and result["no_ticket"]["nps"]["value"] == 100


def test_impact_without_data_has_no_values(touchpoint):
    result = analysis.service_impact(touchpoint_ids=[touchpoint.pk], window=window())

    assert result["served_customers"] == 0
    assert result["sla"]["difference"]["nps"]["value"] is None
    assert result["sla"]["points_lost"]["nps"]["value"] is None


# --- key drivers -----------------------------------------------------------------------------------


@pytest.fixture
def journey_map():
    journey = JourneyFactory(name="Buying a car")
    stage = StageFactory(journey=journey, name="Purchase")
    return {
        "journey": journey,
        "overall": TouchpointFactory(stage=stage, name="Overall", position=0),
        "perfect": TouchpointFactory(stage=stage, name="Showroom", position=1),
        "noise": TouchpointFactory(stage=stage, name="Parking", position=2),
        "few": TouchpointFactory(stage=stage, name="Delivery", position=3),
    }


@pytest.fixture
def driven(journey_map):
    """10 customers: a journey NPS y at "Overall"; CSAT y/2 at "Showroom" (r = 1); at "Parking" the two
    customers with each y answer 1 and 5 (r = 0); only 3 of them answered at "Delivery"."""
    m = journey_map
    ys = [2, 2, 4, 4, 6, 6, 8, 8, 10, 10]
    for i, y in enumerate(ys):
        c = CustomerFactory()
        signal(m["overall"], c, K.NPS_ANSWER, at(20), 0)  # an older answer: the latest one counts
        signal(m["overall"], c, K.NPS_ANSWER, at(5), y)
        signal(m["perfect"], c, K.CSAT_ANSWER, at(6), y // 2)
        signal(m["noise"], c, K.CSAT_ANSWER, at(6), 1 if i % 2 else 5)
        if i < 3:
            signal(m["few"], c, K.CES_ANSWER, at(6), 7)
    return m


def _drivers(m):
    tps = [m["overall"], m["perfect"], m["noise"], m["few"]]
    return analysis.key_drivers(journey=m["journey"], touchpoints=tps, window=window())


def test_a_perfectly_correlated_touchpoint_ranks_first_with_r_1(driven):
    result = _drivers(driven)

    top = result["drivers"][0]
    assert top["name"] == "Showroom"
    assert top["r"] == pytest.approx(1.0) and top["n"] == 10
    assert top["significant"] is True and top["p"] < 0.001
    assert result["customers_with_nps"] == 10


def test_an_uncorrelated_touchpoint_is_not_significant(driven):
    parking = next(d for d in _drivers(driven)["drivers"] if d["name"] == "Parking")

    assert parking["r"] == pytest.approx(0.0, abs=1e-9)
    assert parking["significant"] is False and parking["p"] == pytest.approx(1.0)
    assert "No link beyond noise" in parking["reading"]


def test_below_the_minimum_customers_a_driver_says_so(driven):
    by_name = {d["name"]: d for d in _drivers(driven)["drivers"]}

    assert by_name["Delivery"]["n"] == 3 and by_name["Delivery"]["enough"] is False
    assert by_name["Delivery"]["r"] is None
    assert "Not enough customers" in by_name["Delivery"]["reading"]
    # The touchpoint where the journey NPS is asked has only that answer, left out: no pairs.
    assert by_name["Overall"]["n"] == 10 and by_name["Overall"]["r"] is None  # the older NPS 0s


def test_the_drivers_ranking_puts_significant_ones_first(driven):
    names = [d["name"] for d in _drivers(driven)["drivers"]]

    assert names[0] == "Showroom"
    assert names.index("Delivery") > names.index("Parking")


# --- refresh ---------------------------------------------------------------------------------------


def test_refresh_twice_gives_the_same_rows(driven, served):
    first = analysis.analysis_refresh(window_days=(30, 90), today=TODAY)
    rows = {(s.kind, s.scope_type, s.scope_id, s.window_days): (s.pk, s.data)
            for s in AnalysisSnapshot.objects.all()}
    second = analysis.analysis_refresh(window_days=(30, 90), today=TODAY)
    again = {(s.kind, s.scope_type, s.scope_id, s.window_days): (s.pk, s.data)
             for s in AnalysisSnapshot.objects.all()}

    assert first == second == len(rows) == len(again)
    assert rows == again
    # two programs (one per journey), two journeys (impact + drivers), five touchpoints; x 2 windows
    assert len(rows) == (2 + 2 * 2 + 5) * 2


def test_refresh_of_one_journey_stores_only_its_scopes(driven, served):
    written = analysis.analysis_refresh(window_days=(30,), journey_id=driven["journey"].pk, today=TODAY)

    assert written == 2 + 4  # its impact and drivers, and its four touchpoints' impact
    snap = AnalysisSnapshot.objects.get(kind="key_drivers", scope_id=driven["journey"].pk)
    assert snap.data["drivers"][0]["name"] == "Showroom"


def test_refresh_reports_progress(served):
    seen = []

    analysis.analysis_refresh(window_days=(30,), progress=lambda done, total: seen.append((done, total)),
                              today=TODAY)

    assert seen[-1][0] == seen[-1][1] > 0


def test_dashboard_context_reads_the_program_impact_and_top_drivers(driven, served, touchpoint):
    analysis.analysis_refresh(window_days=(30,), today=TODAY)
    program = touchpoint.stage.journey.program

    ctx = analysis.dashboard_context(program=program, window=30)

    assert ctx["impact_data"]["sla"]["points_lost"]["nps"]["value"] == pytest.approx(100 * 10 / 21)
    other = analysis.dashboard_context(program=driven["journey"].program, window=window(90))
    assert [d["name"] for d in other["journeys"][0]["drivers"]] == ["Showroom"]
