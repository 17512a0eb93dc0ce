"""Goals: writes with their refusals, the baseline captured at creation, progress and status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from cxhub.exceptions import DomainError
from journeys import goals
from journeys.models import Goal, ScoreMetric
from journeys.selectors import Window
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory
from tests.journeys.factories_builder import GoalFactory, day_row

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def program():
    return ProgramFactory(min_sample_size=1)


@pytest.fixture
def touchpoint(program):
    return TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program, name="Car")))


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def goal(program, *, created_days_ago: int, due_in: int, **kwargs) -> Goal:
    g = GoalFactory(program=program, due_date=TODAY + dt.timedelta(days=due_in), **kwargs)
    created = timezone.make_aware(dt.datetime.combine(days_ago(created_days_ago), dt.time(12)))
    Goal.objects.filter(pk=g.pk).update(created_at=created)
    g.refresh_from_db()
    return g


def by_id(rows):
    return {row.goal.pk: row for row in rows}


# --- Writes ------------------------------------------------------------------------------------------


def test_the_baseline_is_the_90_day_figure_when_the_goal_is_set(program, touchpoint):
    # given CSAT 1/4 80 days ago and 3/4 ten days ago (both inside 90 days), and 4/4 100 days ago (outside)
    day_row(touchpoint, days_ago(100), csat_responses=4, csat_satisfied=4)
    day_row(touchpoint, days_ago(80), csat_responses=4, csat_satisfied=1)
    day_row(touchpoint, days_ago(10), csat_responses=4, csat_satisfied=3)

    g = goals.goal_create(program=program, metric="csat", target=90, due_date=TODAY + dt.timedelta(days=60),
                          description="Happier buyers", today=TODAY)

    assert g.baseline == pytest.approx(50.0)  # 4 of 8
    assert g.target == 90.0 and g.journey is None


def test_a_goal_set_without_enough_data_has_no_baseline(program, touchpoint):
    g = goals.goal_create(program=program, metric="nps", target=30, due_date=TODAY + dt.timedelta(days=1),
                          today=TODAY)

    assert g.baseline is None


@pytest.mark.parametrize(("metric", "target", "ok"), [
    ("nps", -100, True), ("nps", 100, True), ("nps", -101, False), ("nps", 100.5, False),
    ("csat", 0, True), ("csat", -1, False), ("sla", 101, False), ("experience", 100, True),
    ("ces", "abc", False),
])
def test_targets_must_be_in_the_metrics_range(program, metric, target, ok):
    create = lambda: goals.goal_create(program=program, metric=metric, target=target,  # noqa: E731
                                       due_date=TODAY + dt.timedelta(days=30), today=TODAY)
    if ok:
        assert create().target == float(target)
    else:
        with pytest.raises(DomainError) as error:
            create()
        assert error.value.field == "target"
        assert not Goal.objects.exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"metric": "speed"}, "metric"),
    ({"due_date": TODAY}, "due_date"),
    ({"due_date": "tomorrow"}, "due_date"),
    ({"description": "x" * 301}, "description"),
])
def test_it_refuses_a_bad_goal(program, kwargs, field):
    data = {"program": program, "metric": "csat", "target": 80, "due_date": TODAY + dt.timedelta(days=9),
            "today": TODAY}

    with pytest.raises(DomainError) as error:
        goals.goal_create(**{**data, **kwargs})

    assert error.value.field == field


def test_a_goals_journey_must_be_of_its_program(program):
    with pytest.raises(DomainError) as error:
        goals.goal_create(program=program, metric="csat", target=80, journey=JourneyFactory(),
                          due_date=TODAY + dt.timedelta(days=9), today=TODAY)

    assert error.value.field == "journey"


def test_editing_the_target_keeps_the_baseline_changing_the_metric_captures_a_new_one(program, touchpoint):
    day_row(touchpoint, days_ago(5), csat_responses=4, csat_satisfied=2, sla_met=3, sla_breached=1)
    g = goals.goal_create(program=program, metric="csat", target=80, due_date=TODAY + dt.timedelta(days=9),
                          today=TODAY)
    assert g.baseline == pytest.approx(50.0)

    goals.goal_update(goal=g, metric="csat", target=85, due_date=TODAY + dt.timedelta(days=20), today=TODAY)
    g.refresh_from_db()
    assert (g.target, g.baseline) == (85.0, pytest.approx(50.0))

    goals.goal_update(goal=g, metric="sla", target=90, due_date=TODAY + dt.timedelta(days=20), today=TODAY)
    g.refresh_from_db()
    assert (g.metric, g.baseline) == ("sla", pytest.approx(75.0))

    with pytest.raises(DomainError):
        goals.goal_update(goal=g, metric="sla", target=120, due_date=g.due_date, today=TODAY)
    goals.goal_delete(goal=g)
    assert not Goal.objects.exists()


# --- Progress ----------------------------------------------------------------------------------------


def test_progress_and_status_of_each_goal_on_constructed_data(program, touchpoint):
    # given the last 30 days: CSAT 8/10 = 80%, SLA 9/10 = 90%; nothing older counts
    day_row(touchpoint, days_ago(29), csat_responses=5, csat_satisfied=4, sla_met=5)
    day_row(touchpoint, days_ago(0), csat_responses=5, csat_satisfied=4, sla_met=4, sla_breached=1)
    day_row(touchpoint, days_ago(30), csat_responses=10, csat_satisfied=0)  # 31 days ago: outside

    # goals set 30 days ago, due in 30: half the time has passed
    on_track = goal(program, created_days_ago=30, due_in=30, metric="csat", baseline=60, target=90)
    at_risk = goal(program, created_days_ago=30, due_in=30, metric="csat", baseline=75, target=100)
    met = goal(program, created_days_ago=30, due_in=30, metric="sla", baseline=70, target=90)
    overdue = goal(program, created_days_ago=60, due_in=-1, metric="csat", baseline=60, target=85)
    no_data = goal(program, created_days_ago=30, due_in=30, metric="nps", baseline=None, target=20)

    rows = by_id(goals.goal_progress(program=program, today=TODAY))

    row = rows[on_track.pk]
    assert row.current == pytest.approx(80.0)
    assert row.sample == 10
    assert row.progress == pytest.approx(20 / 30)
    assert row.expected == pytest.approx(0.5)
    assert row.days_left == 30
    assert row.status == "on_track" and row.status_label == "On track"
    assert rows[at_risk.pk].progress == pytest.approx(0.2)  # 5 of 25 points; 0.2 + 0.1 < 0.5
    assert rows[at_risk.pk].status == "at_risk"
    assert rows[met.pk].current == pytest.approx(90.0)
    assert (rows[met.pk].status, rows[met.pk].progress, rows[met.pk].percent) == ("met", 1.0, 100)
    assert (rows[overdue.pk].status, rows[overdue.pk].days_left) == ("overdue", -1)
    assert (rows[no_data.pk].status, rows[no_data.pk].current, rows[no_data.pk].progress) == (
        "no_data", None, None)


def test_progress_lagging_time_by_up_to_a_tenth_is_still_on_track(program, touchpoint):
    day_row(touchpoint, days_ago(1), csat_responses=10, csat_satisfied=7)  # 70%
    # 3/4 of the time gone (30 of 40 days), 13/20 = 0.65 of the way: within 0.10 -> on track
    g1 = goal(program, created_days_ago=30, due_in=10, metric="csat", baseline=57, target=77)
    # 12/20 = 0.6 of the way: lags by 0.15 -> at risk
    g2 = goal(program, created_days_ago=30, due_in=10, metric="csat", baseline=58, target=78)

    rows = by_id(goals.goal_progress(program=program, today=TODAY))

    assert rows[g1.pk].status == "on_track"
    assert rows[g2.pk].status == "at_risk"


def test_a_journey_goal_reads_its_journey_and_the_experience_metric_reads_the_blend(program, touchpoint):
    other = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program, name="Subscription")))
    day_row(touchpoint, days_ago(3), csat_responses=4, csat_satisfied=4)  # Car: 100
    day_row(other, days_ago(3), csat_responses=4, csat_satisfied=2)  # Subscription: 50
    car = goal(program, created_days_ago=1, due_in=9, metric="experience", baseline=None, target=90,
               journey=touchpoint.stage.journey)
    whole = goal(program, created_days_ago=1, due_in=9, metric="experience", baseline=40, target=100)

    rows = by_id(goals.goal_progress(program=program, today=TODAY))

    assert rows[car.pk].current == pytest.approx(100.0) and rows[car.pk].status == "met"
    assert rows[car.pk].scope == "Car"
    assert rows[whole.pk].current == pytest.approx(75.0)  # equal touchpoint weights: (100 + 50) / 2
    assert rows[whole.pk].progress == pytest.approx(35 / 60)


def test_a_goal_to_hold_a_level_counts_as_met_while_it_holds(program, touchpoint):
    assert goals.progress_fraction(current=80, baseline=85, target=80) == 1.0
    assert goals.progress_fraction(current=79, baseline=85, target=80) == 0.0
    assert goals.progress_fraction(current=79, baseline=None, target=80) is None


def test_goal_progress_runs_a_fixed_number_of_queries(program, touchpoint, django_assert_max_num_queries):
    for n in range(12):
        goal(program, created_days_ago=3, due_in=10 + n, metric="csat", baseline=50, target=90,
             journey=touchpoint.stage.journey if n % 2 else None)

    with django_assert_max_num_queries(6):
        rows = goals.goal_progress(program=program, today=TODAY)

    assert len(rows) == 12


def test_a_program_without_goals_has_no_rows_and_the_partial_says_so(program):
    context = goals.dashboard_context(program=program, window=Window.last(30, today=TODAY))

    assert context["goal_rows"] == []
    assert "No goals yet" in render_to_string("journeys/partials/_dashboard_goals.html", context)


def test_the_dashboard_partial_shows_bars_with_figures(program, touchpoint):
    day_row(touchpoint, days_ago(2), nps_responses=10, nps_promoters=5, nps_detractors=2)
    goal(program, created_days_ago=10, due_in=20, metric=ScoreMetric.NPS, baseline=10, target=50)

    html = render_to_string("journeys/partials/_dashboard_goals.html",
                            goals.dashboard_context(program=program, window=Window.last(7, today=TODAY)))

    assert "+30" in html and "+50" in html and "+10" in html  # current, target, baseline
    assert 'value="50"' in html  # (30 - 10) / (50 - 10): half way
    assert "20 days left" in html
