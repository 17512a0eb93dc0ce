"""The builder's services: programs, journeys, stages, touchpoints and personas, and their refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cxhub.exceptions import ConflictError, DomainError
from journeys import builder
from journeys.models import ExperienceSignal, Journey, Persona, Program, ScoreComponentDaily, Stage, Touchpoint
from journeys.selectors import Window, journey_scorecard
from journeys.services import signal_record
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory
from tests.journeys.factories_builder import PersonaFactory, day_row

pytestmark = pytest.mark.django_db

WEIGHTS = {"csat": 2, "nps": 1, "ces": 1, "sla": 0.5, "fcr": 0}


def stage_names(journey: Journey) -> list[str]:
    return list(Stage.objects.filter(journey=journey).order_by("position").values_list("name", flat=True))


def positions(journey: Journey) -> list[int]:
    return list(Stage.objects.filter(journey=journey).order_by("position").values_list("position", flat=True))


def active_names(stage: Stage) -> list[str]:
    return list(Touchpoint.objects.filter(stage=stage, is_active=True).order_by("position")
                .values_list("name", flat=True))


# --- Programs ----------------------------------------------------------------------------------------


def test_it_creates_a_program_with_weights_for_every_component_and_a_minimum_sample():
    program = builder.program_create(name="  Loyalty  ", purpose="Customers for life.",
                                     score_weights={"csat": 2, "nps": 1}, min_sample_size=10)

    program.refresh_from_db()
    assert program.name == "Loyalty"
    assert program.score_weights == {"csat": 2.0, "nps": 1.0, "ces": 0.0, "sla": 0.0, "fcr": 0.0}
    assert program.min_sample_size == 10


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": " "}, "name"),
    ({"purpose": ""}, "purpose"),
    ({"score_weights": {"csat": -1}}, "score_weights"),
    ({"score_weights": {"csat": 0, "nps": 0}}, "score_weights"),
    ({"score_weights": {"speed": 1}}, "score_weights"),
    ({"min_sample_size": 0}, "min_sample_size"),
    ({"min_sample_size": 10_001}, "min_sample_size"),
])
def test_it_refuses_a_program_with_bad_input_and_names_the_field(kwargs, field):
    data = {"name": "Loyalty", "purpose": "Why we do it.", "score_weights": WEIGHTS, "min_sample_size": 5}

    with pytest.raises(DomainError) as error:
        builder.program_create(**{**data, **kwargs})

    assert error.value.field == field
    assert not Program.objects.exists()


def test_program_names_are_unique_whatever_the_case():
    ProgramFactory(name="Loyalty")

    with pytest.raises(DomainError) as error:
        builder.program_create(name="LOYALTY", purpose="x", score_weights=WEIGHTS, min_sample_size=5)

    assert error.value.field == "name"


def test_it_edits_a_program_and_keeps_its_own_name_free():
    program = ProgramFactory(name="Loyalty")

    builder.program_update(program=program, name="Loyalty", purpose="New purpose", score_weights=WEIGHTS,
                           min_sample_size=3)

    program.refresh_from_db()
    assert program.purpose == "New purpose"
    assert program.score_weights["sla"] == 0.5
    assert program.min_sample_size == 3


# --- Journeys and stages -----------------------------------------------------------------------------


def test_journeys_are_placed_after_the_others_and_names_are_unique_per_program():
    program = ProgramFactory()
    first = builder.journey_create(program=program, name="Buying a car")
    second = builder.journey_create(program=program, name="Servicing", description=" Workshop ")

    assert (first.position, second.position) == (0, 1)
    assert second.description == "Workshop"
    with pytest.raises(DomainError) as error:
        builder.journey_create(program=program, name="buying a car")
    assert error.value.field == "name"
    builder.journey_create(program=ProgramFactory(), name="Buying a car")  # another program: fine

    builder.journey_update(journey=second, name="Service visits", description="")
    assert Journey.objects.get(pk=second.pk).name == "Service visits"


def test_stages_are_added_at_the_end_with_dense_positions():
    journey = JourneyFactory()

    for name in ("Discovery", "Purchase", "Delivery"):
        builder.stage_add(journey=journey, name=name)

    assert stage_names(journey) == ["Discovery", "Purchase", "Delivery"]
    assert positions(journey) == [0, 1, 2]


def test_it_refuses_a_duplicate_or_empty_stage_name():
    journey = JourneyFactory()
    stage = builder.stage_add(journey=journey, name="Discovery")
    other = builder.stage_add(journey=journey, name="Purchase")

    for bad in ("discovery", "  "):
        with pytest.raises(DomainError) as error:
            builder.stage_add(journey=journey, name=bad)
        assert error.value.field == "name"
    with pytest.raises(DomainError):
        builder.stage_rename(stage=other, name="Discovery")

    builder.stage_rename(stage=stage, name="Finding us", description="Ads and reviews")
    stage.refresh_from_db()
    assert (stage.name, stage.description) == ("Finding us", "Ads and reviews")


def test_it_moves_a_stage_up_and_down_and_refuses_past_the_ends():
    journey = JourneyFactory()
    a, b, c = (builder.stage_add(journey=journey, name=n) for n in "ABC")

    builder.stage_move(stage=c, direction="up")
    assert stage_names(journey) == ["A", "C", "B"]
    builder.stage_move(stage=a, direction="down")
    assert stage_names(journey) == ["C", "A", "B"]
    assert positions(journey) == [0, 1, 2]

    with pytest.raises(DomainError, match="first stage already"):
        builder.stage_move(stage=c, direction="up")
    with pytest.raises(DomainError, match="last stage already"):
        builder.stage_move(stage=b, direction="down")
    with pytest.raises(DomainError) as error:
        builder.stage_move(stage=b, direction="sideways")
    assert error.value.field == "direction"
    assert stage_names(journey) == ["C", "A", "B"]


def test_it_reorders_stages_by_a_full_new_order():
    journey = JourneyFactory()
    a, b, c = (builder.stage_add(journey=journey, name=n) for n in "ABC")

    builder.stage_reorder(journey=journey, stage_ids=[c.pk, a.pk, b.pk])

    assert stage_names(journey) == ["C", "A", "B"]
    assert positions(journey) == [0, 1, 2]


@pytest.mark.parametrize("order", ["missing", "duplicate", "foreign", "junk"])
def test_it_refuses_an_order_that_is_not_every_stage_once(order):
    journey = JourneyFactory()
    a, b, c = (builder.stage_add(journey=journey, name=n) for n in "ABC")
    foreign = StageFactory()
    ids = {"missing": [c.pk, a.pk], "duplicate": [c.pk, a.pk, a.pk],
           "foreign": [c.pk, a.pk, foreign.pk], "junk": [c.pk, "x", b.pk]}[order]

    with pytest.raises(DomainError) as error:
        builder.stage_reorder(journey=journey, stage_ids=ids)

    assert error.value.field == "order"
    assert stage_names(journey) == ["A", "B", "C"]


def test_positions_are_made_dense_again_by_any_reorder():
    # given positions with gaps, as older data may have
    journey = JourneyFactory()
    a = StageFactory(journey=journey, name="A", position=3)
    b = StageFactory(journey=journey, name="B", position=9)

    builder.stage_move(stage=b, direction="up")

    assert stage_names(journey) == ["B", "A"]
    assert positions(journey) == [0, 1]
    assert a.pk != b.pk


def test_a_stage_without_history_is_deleted_with_its_touchpoints_and_the_rest_close_up():
    journey = JourneyFactory()
    _, b, _ = (builder.stage_add(journey=journey, name=n) for n in "ABC")
    TouchpointFactory(stage=b)

    builder.stage_delete(stage=b)

    assert stage_names(journey) == ["A", "C"]
    assert positions(journey) == [0, 1]
    assert not Touchpoint.objects.filter(stage_id=b.pk).exists()


def test_a_stage_whose_touchpoints_have_signals_cannot_be_deleted_even_when_they_are_archived():
    journey = JourneyFactory()
    stage = builder.stage_add(journey=journey, name="Delivery")
    touchpoint = TouchpointFactory(stage=stage)
    signal_record(touchpoint=touchpoint, kind="csat_answer", value=4, source="test", source_id=1,
                  occurred_at=timezone.now())
    builder.touchpoint_archive(touchpoint=touchpoint)

    with pytest.raises(DomainError, match="cannot be deleted") as error:
        builder.stage_delete(stage=stage)

    assert error.value.field == "stage"
    assert Stage.objects.filter(pk=stage.pk).exists()
    assert ExperienceSignal.objects.filter(touchpoint=touchpoint).count() == 1


# --- Touchpoints -------------------------------------------------------------------------------------


def test_it_creates_touchpoints_at_the_end_or_at_a_position(team):
    stage = StageFactory()
    builder.touchpoint_create(stage=stage, name="Website", channel="web", owner_team=team,
                              target_score=Decimal("80"), weight=Decimal("2"))
    builder.touchpoint_create(stage=stage, name="Showroom")
    builder.touchpoint_create(stage=stage, name="Phone", channel="phone", position=1)

    assert active_names(stage) == ["Website", "Phone", "Showroom"]
    website = Touchpoint.objects.get(name="Website")
    assert (website.channel, website.owner_team, website.target_score, website.weight) == (
        "web", team, Decimal("80"), Decimal("2"))
    assert sorted(Touchpoint.objects.filter(stage=stage).values_list("position", flat=True)) == [0, 1, 2]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": ""}, "name"),
    ({"name": "Website"}, "name"),
    ({"channel": "pigeon"}, "channel"),
    ({"target_score": Decimal("101")}, "target_score"),
    ({"target_score": Decimal("-1")}, "target_score"),
    ({"weight": Decimal("0")}, "weight"),
    ({"position": -1}, "position"),
])
def test_it_refuses_a_bad_touchpoint_and_writes_nothing(kwargs, field):
    stage = StageFactory()
    builder.touchpoint_create(stage=stage, name="Website")

    with pytest.raises(DomainError) as error:
        builder.touchpoint_create(**{"stage": stage, "name": "Phone", **kwargs})

    assert error.value.field == field
    assert Touchpoint.objects.filter(stage=stage).count() == 1


def test_it_edits_a_touchpoint_with_the_target_rules_of_the_touchpoint_page(team):
    touchpoint = TouchpointFactory(name="Website")

    builder.touchpoint_update(touchpoint=touchpoint, name="Web shop", description="Orders online",
                              channel="web", owner_team=team, target_score=Decimal("90"),
                              weight=Decimal("1.5"))
    touchpoint.refresh_from_db()
    assert (touchpoint.name, touchpoint.channel, touchpoint.owner_team, touchpoint.target_score) == (
        "Web shop", "web", team, Decimal("90"))

    with pytest.raises(DomainError) as error:
        builder.touchpoint_update(touchpoint=touchpoint, name="Web shop", target_score=Decimal("90"),
                                  weight=Decimal("-2"))
    assert error.value.field == "weight"
    touchpoint.refresh_from_db()
    assert touchpoint.weight == Decimal("1.5")
    assert touchpoint.channel == "web"  # the whole edit was rolled back, not only the weight


def test_it_moves_a_touchpoint_between_stages_of_the_same_journey_and_keeps_both_dense():
    journey = JourneyFactory()
    first, second = StageFactory(journey=journey), StageFactory(journey=journey)
    a = builder.touchpoint_create(stage=first, name="A")
    b = builder.touchpoint_create(stage=first, name="B")
    builder.touchpoint_create(stage=first, name="C")
    builder.touchpoint_create(stage=second, name="X")

    builder.touchpoint_move(touchpoint=b, stage=second, position=0)

    assert active_names(first) == ["A", "C"]
    assert active_names(second) == ["B", "X"]
    assert list(Touchpoint.objects.filter(stage=first).order_by("position")
                .values_list("position", flat=True)) == [0, 1]

    builder.touchpoint_move_step(touchpoint=a, direction="down")
    assert active_names(first) == ["C", "A"]
    with pytest.raises(DomainError):
        builder.touchpoint_move_step(touchpoint=a, direction="down")


def test_a_touchpoint_cannot_move_to_another_journey_or_onto_a_name_taken_there():
    journey = JourneyFactory()
    first, second = StageFactory(journey=journey), StageFactory(journey=journey)
    touchpoint = builder.touchpoint_create(stage=first, name="Phone")
    builder.touchpoint_create(stage=second, name="Phone")

    with pytest.raises(DomainError) as error:
        builder.touchpoint_move(touchpoint=touchpoint, stage=StageFactory())
    assert error.value.field == "stage"
    with pytest.raises(DomainError) as error:
        builder.touchpoint_move(touchpoint=touchpoint, stage=second)
    assert error.value.field == "name"
    touchpoint.refresh_from_db()
    assert touchpoint.stage == first


def test_archiving_takes_a_touchpoint_off_the_map_and_restore_puts_it_back_at_the_end():
    stage = StageFactory()
    a = builder.touchpoint_create(stage=stage, name="A")
    builder.touchpoint_create(stage=stage, name="B")
    now = timezone.now()

    builder.touchpoint_archive(touchpoint=a, at=now)

    a.refresh_from_db()
    assert (a.is_active, a.archived_at) == (False, now)
    assert active_names(stage) == ["B"]
    with pytest.raises(ConflictError):
        builder.touchpoint_archive(touchpoint=a)
    with pytest.raises(ConflictError):
        builder.touchpoint_move(touchpoint=a, stage=stage)

    builder.touchpoint_restore(touchpoint=a)

    a.refresh_from_db()
    assert (a.is_active, a.archived_at) == (True, None)
    assert active_names(stage) == ["B", "A"]
    with pytest.raises(ConflictError):
        builder.touchpoint_restore(touchpoint=a)


def test_archiving_keeps_signals_components_and_the_touchpoints_own_past_figures(touchpoint):
    old = timezone.localdate() - dt.timedelta(days=40)
    day_row(touchpoint, old, csat_responses=4, csat_satisfied=3)
    signal_record(touchpoint=touchpoint, kind="csat_answer", value=5, source="test", source_id=1,
                  occurred_at=timezone.now() - dt.timedelta(days=40))

    builder.touchpoint_archive(touchpoint=touchpoint)

    assert ExperienceSignal.objects.filter(touchpoint=touchpoint).count() == 1
    assert ScoreComponentDaily.objects.filter(touchpoint=touchpoint, day=old).get().csat_satisfied == 3


def test_archiving_keeps_a_past_journey_score_identical():
    # given a journey of two touchpoints scored 40 days ago: A has CSAT 3/4 = 75, B 1/4 = 25;
    # equal weights give the journey 50
    journey = JourneyFactory(program__min_sample_size=1)
    stage = StageFactory(journey=journey)
    a, b = TouchpointFactory(stage=stage, name="A"), TouchpointFactory(stage=stage, name="B")
    old_day = timezone.localdate() - dt.timedelta(days=40)
    day_row(a, old_day, csat_responses=4, csat_satisfied=3)
    day_row(b, old_day, csat_responses=4, csat_satisfied=1)
    window = Window(7, old_day - dt.timedelta(days=3), old_day + dt.timedelta(days=3))
    before = journey_scorecard(journey_id=journey.pk, window=window).score.value
    assert before == pytest.approx(50.0)

    # when B is archived today
    builder.touchpoint_archive(touchpoint=b)

    # then the score of that old window is what it was
    after = journey_scorecard(journey_id=journey.pk, window=window).score.value
    assert after == pytest.approx(before)


def test_a_touchpoint_without_history_is_deleted_one_with_signals_only_archived():
    stage = StageFactory()
    fresh = builder.touchpoint_create(stage=stage, name="Fresh")
    used = builder.touchpoint_create(stage=stage, name="Used")
    kept = builder.touchpoint_create(stage=stage, name="Kept")
    signal_record(touchpoint=used, kind="nps_answer", value=9, source="test", source_id=1,
                  occurred_at=timezone.now())

    builder.touchpoint_delete(touchpoint=fresh)
    with pytest.raises(DomainError, match="archive it instead") as error:
        builder.touchpoint_delete(touchpoint=used)

    assert error.value.field == "touchpoint"
    assert active_names(stage) == ["Used", "Kept"]
    assert Touchpoint.objects.get(pk=kept.pk).position == 1


def test_a_touchpoint_with_only_daily_components_also_counts_as_history(touchpoint):
    day_row(touchpoint, timezone.localdate(), csat_responses=1, csat_satisfied=1)

    with pytest.raises(DomainError):
        builder.touchpoint_delete(touchpoint=touchpoint)


# --- Personas ----------------------------------------------------------------------------------------


def test_personas_are_created_edited_and_deleted_with_unique_names_per_program():
    program = ProgramFactory()
    persona = builder.persona_create(program=program, name="Fleet manager", needs="Uptime",
                                     segment="fleet")
    with pytest.raises(DomainError) as error:
        builder.persona_create(program=program, name="FLEET MANAGER")
    assert error.value.field == "name"
    with pytest.raises(DomainError) as error:
        builder.persona_create(program=program, name="Long", segment="x" * 61)
    assert error.value.field == "segment"

    builder.persona_update(persona=persona, name="Fleet buyer", description="Buys 20 cars a year",
                           needs="Fast service", segment="fleet")
    persona.refresh_from_db()
    assert (persona.name, persona.needs) == ("Fleet buyer", "Fast service")

    builder.persona_delete(persona=persona)
    assert not Persona.objects.exists()


def test_a_persona_name_may_repeat_in_another_program():
    PersonaFactory(name="Commuter")

    persona = builder.persona_create(program=ProgramFactory(), name="Commuter")

    assert persona.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reorders_of_the_same_journey_at_once_are_applied_one_after_the_other():
    import threading

    from django.db import connection, transaction

    journey = JourneyFactory()
    a, _, c = (builder.stage_add(journey=journey, name=n) for n in "ABC")
    moved_first = threading.Event()
    may_commit = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                builder.stage_move(stage=c, direction="up")  # A C B, not committed yet
                moved_first.set()
                may_commit.wait(10)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            builder.stage_move(stage=a, direction="down")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # given a first move that holds the journey's lock
    one = threading.Thread(target=first)
    one.start()
    assert moved_first.wait(10)
    # when a second move of the same journey starts before the first commits
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # give it the time to reach the lock; a stale read would happen here without it
    may_commit.set()
    one.join(10)
    two.join(10)

    # then the second move saw the first one's order: A down from A C B gives C A B, positions dense
    assert errors == []
    assert stage_names(journey) == ["C", "A", "B"]
    assert positions(journey) == [0, 1, 2]


def test_a_name_taken_between_the_check_and_the_write_is_the_same_clear_error(monkeypatch):
    # given a clash the check does not see (another writer committing in between)
    program = ProgramFactory(name="Loyalty")
    monkeypatch.setattr(builder, "_program_fields", lambda **kw: {
        "name": "Loyalty", "purpose": "x", "score_weights": WEIGHTS, "min_sample_size": 5})

    with pytest.raises(DomainError) as error:
        builder.program_create(name="Loyalty", purpose="x", score_weights=WEIGHTS, min_sample_size=5)

    assert error.value.field == "name"
    assert Program.objects.get().pk == program.pk
