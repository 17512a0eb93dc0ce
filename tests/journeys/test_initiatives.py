"""Initiatives: writes with their rules, and the before-and-after comparison on constructed daily components."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxhub.exceptions import ConflictError, DomainError
from journeys import initiatives
from journeys.models import InitiativeStatus
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory
from tests.journeys.factories_builder import InitiativeFactory, day_row

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 1)


def d(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


@pytest.fixture
def program():
    return ProgramFactory(min_sample_size=5)


@pytest.fixture
def handover(program):
    return TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program)), name="Car handover")


@pytest.fixture
def initiative(program, handover):
    item = InitiativeFactory(program=program, start_date=START, name="Second key at handover")
    item.touchpoints.add(handover)
    return item


@pytest.fixture
def history(handover):
    """Before (days -30..-1): CSAT 8/20 = 40%, NPS 3 promoters 3 detractors of 10 = 0, SLA 2 of 3.
    After (days 0..29): CSAT 36/40 = 90%, NPS 4 and 3 of 10 = +10. Rows just outside both ends."""
    day_row(handover, d(-31), csat_responses=10, csat_satisfied=10)  # outside: 31 days before
    day_row(handover, d(-30), csat_responses=10, csat_satisfied=4, nps_responses=10, nps_promoters=3,
            nps_passives=4, nps_detractors=3)
    day_row(handover, d(-1), csat_responses=10, csat_satisfied=4, sla_met=2, sla_breached=1)
    day_row(handover, d(0), csat_responses=20, csat_satisfied=18, nps_responses=10, nps_promoters=4,
            nps_passives=3, nps_detractors=3)
    day_row(handover, d(29), csat_responses=20, csat_satisfied=18)
    day_row(handover, d(30), csat_responses=40, csat_satisfied=0)  # outside: day 31 after


def metric(row, key):
    return next(m for m in row.metrics if m.key == key)


# --- The comparison ----------------------------------------------------------------------------------


def test_before_and_after_on_constructed_components(initiative, history):
    result = initiatives.initiative_before_after(initiative, days=30, today=d(60))

    assert (result.before_start, result.before_end) == (d(-30), d(-1))
    assert (result.after_start, result.after_end, result.after_days) == (d(0), d(29), 30)
    [row] = result.rows
    csat = metric(row, "csat")
    assert (csat.before.value, csat.before.sample) == (pytest.approx(40.0), 20)
    assert (csat.after.value, csat.after.sample) == (pytest.approx(90.0), 40)
    assert csat.delta == pytest.approx(50.0) and csat.delta_text == "+50.0"
    assert csat.beyond_noise is True and csat.direction == "better"
    nps = metric(row, "nps")
    assert (nps.before.value, nps.after.value) == (pytest.approx(0.0), pytest.approx(10.0))
    assert nps.beyond_noise is False and nps.direction == "same"  # 10 answers each: well within noise
    sla = metric(row, "sla")
    assert sla.before.sample == 3 and sla.beyond_noise is None and sla.direction == "unknown"
    # experience score: mean of CSAT and (NPS + 100) / 2, the components with at least 5 answers
    assert row.before.value == pytest.approx((40 + 50) / 2)
    assert row.after.value == pytest.approx((90 + 55) / 2)
    assert row.score_delta == pytest.approx(27.5)
    score = metric(row, "experience")
    assert (score.before_text, score.after_text, score.delta_text) == ("45.0", "72.5", "+27.5")
    assert [m.key for m in row.metrics] == ["experience", "csat", "nps", "ces", "sla", "fcr"]
    assert result.total is None  # one touchpoint: no total row


def test_the_after_period_is_cut_at_the_end_date_and_at_today(initiative, history):
    initiative.end_date = d(4)
    cut_by_end = initiatives.initiative_before_after(initiative, days=30, today=d(60))
    initiative.end_date = None
    cut_by_today = initiatives.initiative_before_after(initiative, days=30, today=d(10))

    assert cut_by_end.after_end == d(4)
    assert metric(cut_by_end.rows[0], "csat").after.sample == 20  # only day 0
    assert cut_by_today.after_end == d(10) and cut_by_today.after_days == 11
    assert metric(cut_by_today.rows[0], "csat").after.sample == 20


def test_a_shorter_comparison_only_reads_its_days(initiative, history):
    result = initiatives.initiative_before_after(initiative, days=7, today=d(60))

    csat = metric(result.rows[0], "csat")
    assert (csat.before.sample, csat.after.sample) == (10, 20)  # day -1 and day 0 only
    assert csat.before.value == pytest.approx(40.0) and csat.after.value == pytest.approx(90.0)


def test_an_initiative_that_has_not_started_has_no_after_period(program, handover):
    item = InitiativeFactory(program=program, start_date=d(5))
    item.touchpoints.add(handover)
    day_row(handover, d(1), csat_responses=6, csat_satisfied=3)

    result = initiatives.initiative_before_after(item, days=30, today=d(0))

    assert result.after_end is None and result.after_days == 0
    csat = metric(result.rows[0], "csat")
    assert csat.before.sample == 6 and csat.after.sample == 0 and csat.direction == "unknown"


def test_several_touchpoints_get_a_total_row_of_summed_components(initiative, history, program):
    other = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program)), name="Key pickup")
    initiative.touchpoints.add(other)
    day_row(other, d(-2), csat_responses=10, csat_satisfied=2)
    day_row(other, d(3), csat_responses=10, csat_satisfied=6)

    result = initiatives.initiative_before_after(initiative, days=30, today=d(60))

    assert [row.name for row in result.rows] == ["Car handover", "Key pickup", "All linked touchpoints"]
    total = metric(result.total, "csat")
    assert (total.before.sample, total.after.sample) == (30, 50)
    assert total.before.value == pytest.approx(100 * 10 / 30)
    assert total.after.value == pytest.approx(100 * 42 / 50)


def test_the_comparison_reads_the_daily_components_in_one_query(initiative, history, program):
    for n in range(5):
        tp = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(program=program)))
        initiative.touchpoints.add(tp)
        day_row(tp, d(-n - 1), csat_responses=5, csat_satisfied=n)

    with CaptureQueriesContext(connection) as queries:
        result = initiatives.initiative_before_after(initiative, days=30, today=d(60))

    component_queries = [q for q in queries.captured_queries if "scorecomponentdaily" in q["sql"].lower()]
    assert len(component_queries) == 1
    assert len(queries.captured_queries) <= 4
    assert len(result.rows) == 7


def test_an_initiative_without_touchpoints_has_no_rows_and_runs_no_component_query(program):
    item = InitiativeFactory(program=program, start_date=START)

    assert initiatives.initiative_before_after(item, today=d(3)).rows == []
    with pytest.raises(DomainError):
        initiatives.initiative_before_after(item, days=0)


# --- Noise -------------------------------------------------------------------------------------------


def test_beyond_noise_needs_the_minimum_sample_on_both_sides(initiative, handover):
    # 5 answers each side (the program's minimum): 0% against 100% is beyond noise; 4 answers is too few
    day_row(handover, d(-1), csat_responses=5, csat_satisfied=0, ces_responses=4, ces_easy=0)
    day_row(handover, d(1), csat_responses=5, csat_satisfied=5, ces_responses=4, ces_easy=4)

    row = initiatives.initiative_before_after(initiative, days=7, today=d(7)).rows[0]

    assert metric(row, "csat").direction == "better"
    assert metric(row, "ces").beyond_noise is None and metric(row, "ces").direction == "unknown"


def test_a_fall_beyond_noise_reads_worse(initiative, handover):
    day_row(handover, d(-3), sla_met=45, sla_breached=5)  # 90%
    day_row(handover, d(3), sla_met=25, sla_breached=25)  # 50%

    sla = metric(initiatives.initiative_before_after(initiative, days=7, today=d(7)).rows[0], "sla")

    assert sla.delta == pytest.approx(-40.0) and sla.direction == "worse"


# --- Writes ------------------------------------------------------------------------------------------


def test_it_creates_an_initiative_at_touchpoints_of_its_program(program, handover, manager):
    item = initiatives.initiative_create(program=program, name=" Handover checklist ", start_date=START,
                                         touchpoints=[handover], owner=manager,
                                         status=InitiativeStatus.ACTIVE)

    assert item.name == "Handover checklist" and list(item.touchpoints.all()) == [handover]
    assert item.owner == manager


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"),
    ({"status": "paused"}, "status"),
    ({"end_date": START - dt.timedelta(days=1)}, "end_date"),
    ({"start_date": "soon"}, "start_date"),
    ({"touchpoints": "foreign"}, "touchpoints"),
    ({"owner": "inactive"}, "owner"),
])
def test_it_refuses_a_bad_initiative(program, handover, change, field):
    data = {"program": program, "name": "Handover checklist", "start_date": START, "touchpoints": [handover]}
    if change.get("touchpoints") == "foreign":
        change = {"touchpoints": [handover, TouchpointFactory()]}
    if change.get("owner") == "inactive":
        change = {"owner": UserFactory(is_active=False)}

    with pytest.raises(DomainError) as error:
        initiatives.initiative_create(**{**data, **change})

    assert error.value.field == field
    assert not program.initiatives.exists()


def test_status_changes_follow_the_allowed_transitions(initiative, handover):
    keep = {"name": initiative.name, "start_date": START, "touchpoints": [handover]}
    assert initiative.status == InitiativeStatus.ACTIVE

    with pytest.raises(ConflictError):
        initiatives.initiative_update(initiative=initiative, status=InitiativeStatus.PLANNED, **keep)
    done = initiatives.initiative_update(initiative=initiative, status=InitiativeStatus.DONE,
                                         end_date=d(20), **keep)
    assert (done.status, done.end_date) == ("done", d(20))
    reopened = initiatives.initiative_update(initiative=initiative, status=InitiativeStatus.ACTIVE, **keep)
    assert reopened.status == "active"
    cancelled = initiatives.initiative_update(initiative=initiative, status=InitiativeStatus.CANCELLED, **keep)
    with pytest.raises(ConflictError):
        initiatives.initiative_update(initiative=cancelled, status=InitiativeStatus.DONE, **keep)


def test_editing_replaces_the_linked_touchpoints(initiative, handover, program):
    other = TouchpointFactory(stage=handover.stage, name="Key pickup")

    initiatives.initiative_update(initiative=initiative, name="Keys", start_date=START, touchpoints=[other])

    assert list(initiative.touchpoints.all()) == [other]


def test_the_list_filters_by_status_and_program(program):
    InitiativeFactory(program=program, status="done", name="Done here")
    InitiativeFactory(program=program, status="active", name="Active here")
    InitiativeFactory(status="done", name="Done elsewhere")

    assert {i.name for i in initiatives.initiative_list(status="done")} == {"Done here", "Done elsewhere"}
    assert [i.name for i in initiatives.initiative_list(status="done", program_id=program.pk)] == ["Done here"]


# --- Demo data ---------------------------------------------------------------------------------------


def test_the_demo_has_personas_goals_and_an_initiative_with_a_visible_improvement(db):
    from io import StringIO

    from django.core.management import call_command

    from cxhub.demo.builder import DEMO_PROGRAM
    from journeys.goals import goal_progress
    from journeys.models import Initiative, Program

    call_command("seed_demo", "--customers", "120", "--days", "90", stdout=StringIO())
    program = Program.objects.get(name=DEMO_PROGRAM)

    assert program.personas.count() == 5
    rows = goal_progress(program=program)
    assert 2 <= len(rows) <= 3
    assert all(row.baseline is not None and row.current is not None for row in rows)
    assert {i.status for i in Initiative.objects.filter(program=program)} == {"active", "done", "planned"}
    workshop = Initiative.objects.get(program=program, name="New workshop hand-over")
    [row] = initiatives.initiative_before_after(workshop, days=30).rows
    score = metric(row, "experience")
    assert score.before.sample > 20 and score.after.sample > 20
    assert score.delta > 5
