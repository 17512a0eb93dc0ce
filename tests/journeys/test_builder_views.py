"""The builder pages: who may see and change what, form errors, messages, the no-JS reorder, query guards."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from journeys.models import Goal, Initiative, Journey, Persona, Program, Stage, Touchpoint
from journeys.services import signal_record
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory
from tests.journeys.factories_builder import GoalFactory, InitiativeFactory, PersonaFactory, day_row

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def stage_names(journey) -> list[str]:
    return list(Stage.objects.filter(journey=journey).order_by("position").values_list("name", flat=True))


@pytest.fixture
def journey():
    journey = JourneyFactory(name="Buying a car", program__name="Customers for life")
    for position, name in enumerate(("Discovery", "Purchase", "Delivery")):
        StageFactory(journey=journey, name=name, position=position)
    return journey


def stage(journey, name) -> Stage:
    return Stage.objects.get(journey=journey, name=name)


PROGRAM_POST = {"name": "Loyalty", "purpose": "Customers for life.", "min_sample_size": "5",
                "weight_csat": "2", "weight_nps": "1", "weight_ces": "1", "weight_sla": "0.5", "weight_fcr": "0"}


# --- Access ------------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_login_page(client, journey):
    for url in (reverse("journeys:builder"), reverse("journeys:journey_edit", args=[journey.pk]),
                reverse("journeys:initiatives"), reverse("journeys:personas")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_agents_see_the_read_pages(agent_client, journey):
    program = journey.program
    initiative = InitiativeFactory(program=program)
    PersonaFactory(program=program, name="Commuter")
    GoalFactory(program=program)

    for url in (reverse("journeys:builder"), reverse("journeys:goals", args=[program.pk]),
                reverse("journeys:personas"), reverse("journeys:initiatives"),
                reverse("journeys:initiative_detail", args=[initiative.pk])):
        assert agent_client.get(url).status_code == 200, url
    html = agent_client.get(reverse("journeys:builder")).content.decode()
    assert "Buying a car" in html and "New program" not in html and "Edit program" not in html


def test_agents_get_403_on_every_write(agent_client, journey):
    program = journey.program
    first = stage(journey, "Discovery")
    touchpoint = TouchpointFactory(stage=first)
    goal, persona = GoalFactory(program=program), PersonaFactory(program=program)
    initiative = InitiativeFactory(program=program)
    gets = [
        reverse("journeys:program_create"), reverse("journeys:program_edit", args=[program.pk]),
        reverse("journeys:goal_create", args=[program.pk]), reverse("journeys:goal_edit", args=[goal.pk]),
        reverse("journeys:goal_delete", args=[goal.pk]), reverse("journeys:persona_create"),
        reverse("journeys:persona_edit", args=[persona.pk]), reverse("journeys:persona_delete", args=[persona.pk]),
        reverse("journeys:journey_create", args=[program.pk]), reverse("journeys:journey_edit", args=[journey.pk]),
        reverse("journeys:stage_edit", args=[first.pk]), reverse("journeys:touchpoint_create", args=[first.pk]),
        reverse("journeys:touchpoint_edit", args=[touchpoint.pk]), reverse("journeys:initiative_create"),
        reverse("journeys:initiative_edit", args=[initiative.pk]),
    ]
    posts = [
        *gets,
        reverse("journeys:stage_add", args=[journey.pk]), reverse("journeys:stage_reorder", args=[journey.pk]),
        reverse("journeys:stage_move", args=[first.pk]), reverse("journeys:stage_delete", args=[first.pk]),
        reverse("journeys:touchpoint_move", args=[touchpoint.pk]),
        reverse("journeys:touchpoint_archive", args=[touchpoint.pk]),
        reverse("journeys:touchpoint_restore", args=[touchpoint.pk]),
        reverse("journeys:touchpoint_delete", args=[touchpoint.pk]),
    ]
    for url in gets:
        assert agent_client.get(url).status_code == 403, url
    for url in posts:
        assert agent_client.post(url, {"name": "X", "direction": "up", "order": "1"}).status_code == 403, url
    assert stage_names(journey) == ["Discovery", "Purchase", "Delivery"]
    assert Touchpoint.objects.get(pk=touchpoint.pk).is_active
    assert Goal.objects.count() == 1 and Persona.objects.count() == 1


# --- Programs ----------------------------------------------------------------------------------------


def test_a_manager_creates_a_program_and_goes_on_to_its_first_journey(manager_client):
    response = manager_client.post(reverse("journeys:program_create"), PROGRAM_POST)

    program = Program.objects.get(name="Loyalty")
    assert response.status_code == 302
    assert response.url == reverse("journeys:journey_create", args=[program.pk])
    assert program.score_weights == {"csat": 2.0, "nps": 1.0, "ces": 1.0, "sla": 0.5, "fcr": 0.0}
    assert "Created the program “Loyalty”. Add its first journey." in texts(response)


def test_bad_weights_re_render_the_form_with_the_input_kept(manager_client):
    data = {**PROGRAM_POST, **{f"weight_{k}": "0" for k in ("csat", "nps", "ces", "sla", "fcr")}}

    response = manager_client.post(reverse("journeys:program_create"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "At least one weight must be above 0." in html
    assert 'value="Loyalty"' in html
    assert not Program.objects.exists()


def test_a_duplicate_program_name_and_bad_numbers_are_form_errors_not_500s(manager_client):
    ProgramFactory(name="Loyalty")

    duplicate = manager_client.post(reverse("journeys:program_create"), PROGRAM_POST)
    junk = manager_client.post(reverse("journeys:program_create"),
                               {**PROGRAM_POST, "name": "Other", "weight_nps": "lots", "min_sample_size": "-3"})

    assert duplicate.status_code == 400 and "exists already" in duplicate.content.decode()
    assert junk.status_code == 400
    assert set(junk.context["form"].errors) == {"weight_nps", "min_sample_size"}


def test_a_manager_edits_a_program(manager_client):
    program = ProgramFactory(name="Loyalty")
    page = manager_client.get(reverse("journeys:program_edit", args=[program.pk]))
    assert page.status_code == 200 and page.context["form"].initial["weight_csat"] == 1.0

    response = manager_client.post(reverse("journeys:program_edit", args=[program.pk]),
                                   {**PROGRAM_POST, "purpose": "A sharper purpose", "min_sample_size": "9"})

    program.refresh_from_db()
    assert response.status_code == 302 and (program.purpose, program.min_sample_size) == ("A sharper purpose", 9)
    assert "Saved the program “Loyalty”." in texts(response)
    assert manager_client.get(reverse("journeys:program_edit", args=[999999])).status_code == 404


def test_the_index_has_an_empty_state_and_lists_programs_with_journeys(manager_client, journey):
    TouchpointFactory(stage=stage(journey, "Purchase"))
    response = manager_client.get(reverse("journeys:builder"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Customers for life" in html and "Buying a car" in html
    card = response.context["page_obj"][0].journeys.all()[0]
    assert (card.stage_count, card.touchpoint_count) == (3, 1)

    Program.objects.all().delete()
    assert "No programs yet" in manager_client.get(reverse("journeys:builder")).content.decode()


def test_the_index_query_count_does_not_grow_with_programs(manager_client, django_assert_max_num_queries):
    for n in range(8):
        journey = JourneyFactory(program=ProgramFactory(name=f"P{n}"))
        TouchpointFactory(stage=StageFactory(journey=journey))
        GoalFactory(program=journey.program)

    with django_assert_max_num_queries(10):
        response = manager_client.get(reverse("journeys:builder"))
    assert response.status_code == 200


# --- Journeys, stages, touchpoints -------------------------------------------------------------------


def test_a_manager_creates_a_journey_and_lands_on_its_builder_page(manager_client):
    program = ProgramFactory()

    response = manager_client.post(reverse("journeys:journey_create", args=[program.pk]),
                                   {"name": "Servicing", "description": "Workshop visits"})
    again = manager_client.post(reverse("journeys:journey_create", args=[program.pk]), {"name": "servicing"})

    journey = Journey.objects.get(name="Servicing")
    assert response.url == reverse("journeys:journey_edit", args=[journey.pk])
    assert again.status_code == 400 and "already" in again.content.decode()


def test_the_journey_page_lists_stages_and_touchpoints_with_archived_ones_apart(manager_client, journey):
    TouchpointFactory(stage=stage(journey, "Discovery"), name="Website")
    TouchpointFactory(stage=stage(journey, "Delivery"), name="Old hotline", is_active=False,
                      archived_at=timezone.now())

    response = manager_client.get(reverse("journeys:journey_edit", args=[journey.pk]))

    assert response.status_code == 200
    assert [s.name for s in response.context["stages"]] == ["Discovery", "Purchase", "Delivery"]
    assert [tp.name for tp in response.context["stages"][0].active] == ["Website"]
    assert [tp.name for tp in response.context["archived"]] == ["Old hotline"]
    html = response.content.decode()
    assert "Restore" in html and "js/builder.js" in html
    assert "<script>" not in html and "onclick" not in html


def test_the_journey_page_query_count_does_not_grow_with_touchpoints(
        manager_client, journey, django_assert_max_num_queries):
    for i in range(12):
        tp = TouchpointFactory(stage=StageFactory(journey=journey), name=f"Extra {i}")
        if i % 3 == 0:
            tp.is_active = False
            tp.save()

    with django_assert_max_num_queries(12):
        response = manager_client.get(reverse("journeys:journey_edit", args=[journey.pk]))
    assert response.status_code == 200


def test_a_manager_renames_the_journey_and_errors_keep_the_input(manager_client, journey):
    JourneyFactory(program=journey.program, name="Servicing")
    url = reverse("journeys:journey_edit", args=[journey.pk])

    bad = manager_client.post(url, {"name": "Servicing", "description": "typed text"})
    good = manager_client.post(url, {"name": "Car purchase", "description": ""})

    assert bad.status_code == 400 and "typed text" in bad.content.decode()
    assert good.status_code == 302 and Journey.objects.get(pk=journey.pk).name == "Car purchase"


def test_adding_a_stage_appends_it_and_a_bad_name_re_renders_the_page(manager_client, journey):
    url = reverse("journeys:stage_add", args=[journey.pk])

    response = manager_client.post(url, {"name": "Service visits"})
    duplicate = manager_client.post(url, {"name": "discovery", "description": "kept"})

    assert response.status_code == 302
    assert stage_names(journey) == ["Discovery", "Purchase", "Delivery", "Service visits"]
    assert "Added the stage “Service visits”." in texts(response)
    assert duplicate.status_code == 400
    assert "already" in duplicate.content.decode() and "kept" in duplicate.content.decode()


def test_up_and_down_buttons_reorder_stages_without_javascript(manager_client, journey):
    move = lambda name, direction: manager_client.post(  # noqa: E731
        reverse("journeys:stage_move", args=[stage(journey, name).pk]), {"direction": direction})

    response = move("Delivery", "up")
    assert response.status_code == 302
    assert stage_names(journey) == ["Discovery", "Delivery", "Purchase"]
    assert "Moved “Delivery” up." in texts(response)

    refused = move("Discovery", "up")
    assert "“Discovery” is the first stage already." in texts(refused)
    junk = move("Discovery", "sideways")
    assert junk.status_code == 302 and texts(junk)
    assert stage_names(journey) == ["Discovery", "Delivery", "Purchase"]


def test_the_full_order_is_saved_from_a_form_post_or_as_json(manager_client, journey):
    url = reverse("journeys:stage_reorder", args=[journey.pk])
    d, p, v = (stage(journey, n).pk for n in ("Discovery", "Purchase", "Delivery"))

    plain = manager_client.post(url, {"order": f"{v},{d},{p}"})
    assert plain.status_code == 302 and "Saved the new order of the stages." in texts(plain)
    assert stage_names(journey) == ["Delivery", "Discovery", "Purchase"]

    scripted = manager_client.post(url, {"order": f"{d},{p},{v}"}, HTTP_ACCEPT="application/json")
    assert scripted.status_code == 200 and json.loads(scripted.content)["order"] == [d, p, v]
    assert stage_names(journey) == ["Discovery", "Purchase", "Delivery"]

    stale = manager_client.post(url, {"order": f"{d},{p}"}, HTTP_ACCEPT="application/json")
    junk = manager_client.post(url, {"order": "a,b"}, HTTP_ACCEPT="application/json")
    assert stale.status_code == 400 and "exactly once" in json.loads(stale.content)["error"]
    assert junk.status_code == 400
    assert stage_names(journey) == ["Discovery", "Purchase", "Delivery"]


def test_a_stage_is_renamed_on_its_own_page(manager_client, journey):
    url = reverse("journeys:stage_edit", args=[stage(journey, "Purchase").pk])

    assert manager_client.get(url).status_code == 200
    bad = manager_client.post(url, {"name": ""})
    good = manager_client.post(url, {"name": "Buying", "description": "Offer and contract"})

    assert bad.status_code == 400
    assert good.status_code == 302 and stage_names(journey) == ["Discovery", "Buying", "Delivery"]


def test_deleting_a_stage_with_history_is_refused_with_a_message(manager_client, journey):
    used = TouchpointFactory(stage=stage(journey, "Delivery"))
    signal_record(touchpoint=used, kind="csat_answer", value=2, source="test", source_id=1,
                  occurred_at=timezone.now())

    refused = manager_client.post(reverse("journeys:stage_delete", args=[stage(journey, "Delivery").pk]))
    deleted = manager_client.post(reverse("journeys:stage_delete", args=[stage(journey, "Discovery").pk]))

    assert any("cannot be deleted" in t for t in texts(refused))
    assert "Deleted the stage “Discovery”." in texts(deleted)
    assert stage_names(journey) == ["Purchase", "Delivery"]


def test_a_manager_adds_a_touchpoint_with_errors_re_rendered(manager_client, journey, team):
    first = stage(journey, "Discovery")
    url = reverse("journeys:touchpoint_create", args=[first.pk])
    data = {"name": "Website", "channel": "web", "owner_team": team.pk, "target_score": "80", "weight": "2",
            "stage": first.pk, "position": ""}

    page = manager_client.get(url)
    bad = manager_client.post(url, {**data, "target_score": "120"})
    good = manager_client.post(url, data)

    assert page.status_code == 200
    assert bad.status_code == 400 and 'value="Website"' in bad.content.decode()
    assert good.status_code == 302
    touchpoint = Touchpoint.objects.get(name="Website")
    assert (touchpoint.stage, touchpoint.owner_team, touchpoint.target_score) == (first, team, Decimal("80"))
    assert "Added the touchpoint “Website” to Discovery." in texts(good)


def test_editing_a_touchpoint_can_move_it_to_another_stage(manager_client, journey):
    touchpoint = TouchpointFactory(stage=stage(journey, "Discovery"), name="Phone")
    url = reverse("journeys:touchpoint_edit", args=[touchpoint.pk])
    data = {"name": "Phone line", "channel": "phone", "owner_team": "", "target_score": "70", "weight": "1",
            "stage": stage(journey, "Delivery").pk, "position": ""}

    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, data)
    foreign = manager_client.post(url, {**data, "stage": StageFactory().pk})

    touchpoint.refresh_from_db()
    assert response.status_code == 302
    assert (touchpoint.name, touchpoint.stage.name, touchpoint.channel) == ("Phone line", "Delivery", "phone")
    assert foreign.status_code == 400  # not a stage of this journey: not in the choices


def test_touchpoints_move_archive_restore_and_delete_from_buttons(manager_client, journey):
    first = stage(journey, "Discovery")
    a, b = TouchpointFactory(stage=first, name="A", position=0), TouchpointFactory(stage=first, name="B", position=1)

    moved = manager_client.post(reverse("journeys:touchpoint_move", args=[b.pk]), {"direction": "up"})
    assert "Moved “B” up." in texts(moved)
    assert list(Touchpoint.objects.filter(stage=first).order_by("position").values_list("name", flat=True)) == [
        "B", "A"]

    archived = manager_client.post(reverse("journeys:touchpoint_archive", args=[a.pk]))
    assert archived.url.endswith("#archived") and texts(archived)[-1].startswith("Archived “A”.")
    twice = manager_client.post(reverse("journeys:touchpoint_archive", args=[a.pk]))
    assert "“A” is archived already." in texts(twice)
    restored = manager_client.post(reverse("journeys:touchpoint_restore", args=[a.pk]))
    assert "Restored “A” to the end of Discovery." in texts(restored)

    signal_record(touchpoint=a, kind="nps_answer", value=10, source="test", source_id=1,
                  occurred_at=timezone.now())
    refused = manager_client.post(reverse("journeys:touchpoint_delete", args=[a.pk]))
    deleted = manager_client.post(reverse("journeys:touchpoint_delete", args=[b.pk]))
    assert any("archive it instead" in t for t in texts(refused))
    assert "Deleted the touchpoint “B”." in texts(deleted)
    assert list(Touchpoint.objects.values_list("name", flat=True)) == ["A"]


def test_get_is_not_allowed_on_button_actions(manager_client, journey):
    url = reverse("journeys:stage_move", args=[stage(journey, "Discovery").pk])

    assert manager_client.get(url).status_code == 405


# --- Goals and personas ------------------------------------------------------------------------------


def test_a_manager_sets_edits_and_deletes_a_goal(manager_client, journey):
    program = journey.program
    touchpoint = TouchpointFactory(stage=stage(journey, "Discovery"))
    day_row(touchpoint, timezone.localdate() - dt.timedelta(days=3), csat_responses=4, csat_satisfied=3)
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()

    created = manager_client.post(reverse("journeys:goal_create", args=[program.pk]),
                                  {"metric": "csat", "target": "90", "due_date": due, "journey": journey.pk})
    goal = Goal.objects.get()
    assert created.status_code == 302 and goal.baseline == pytest.approx(75.0)
    assert any("baseline 75.0" in t for t in texts(created))

    listing = manager_client.get(reverse("journeys:goals", args=[program.pk]))
    assert listing.status_code == 200 and "Buying a car" in listing.content.decode()
    assert listing.context["page_obj"][0].current == pytest.approx(75.0)

    bad = manager_client.post(reverse("journeys:goal_edit", args=[goal.pk]),
                              {"metric": "nps", "target": "150", "due_date": due})
    assert bad.status_code == 400 and "from -100 to 100" in bad.content.decode()
    edited = manager_client.post(reverse("journeys:goal_edit", args=[goal.pk]),
                                 {"metric": "csat", "target": "95", "due_date": due, "journey": journey.pk})
    assert edited.status_code == 302 and Goal.objects.get().target == 95.0

    confirm = manager_client.get(reverse("journeys:goal_delete", args=[goal.pk]))
    assert confirm.status_code == 200
    deleted = manager_client.post(reverse("journeys:goal_delete", args=[goal.pk]))
    assert deleted.status_code == 302 and not Goal.objects.exists()
    assert any(t.startswith("Deleted the goal") for t in texts(deleted))


def test_a_goal_for_a_journey_of_another_program_is_refused(manager_client, journey):
    other = JourneyFactory()
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()

    response = manager_client.post(reverse("journeys:goal_create", args=[journey.program.pk]),
                                   {"metric": "csat", "target": "90", "due_date": due, "journey": other.pk})

    assert response.status_code == 400 and not Goal.objects.exists()


def test_the_goals_page_has_an_empty_state(agent_client):
    program = ProgramFactory()

    html = agent_client.get(reverse("journeys:goals", args=[program.pk])).content.decode()

    assert "No goals yet" in html and "Set the first goal" not in html


def test_a_manager_adds_edits_and_deletes_personas(manager_client):
    program = ProgramFactory()
    data = {"program": program.pk, "name": "Fleet manager", "needs": "Uptime", "segment": "fleet"}

    created = manager_client.post(reverse("journeys:persona_create"), data)
    duplicate = manager_client.post(reverse("journeys:persona_create"), data)
    persona = Persona.objects.get()
    edited = manager_client.post(reverse("journeys:persona_edit", args=[persona.pk]),
                                 {**data, "name": "Fleet buyer"})
    listed = manager_client.get(reverse("journeys:personas"), {"program": program.pk})
    deleted = manager_client.post(reverse("journeys:persona_delete", args=[persona.pk]))

    assert created.status_code == 302 and "Added the persona “Fleet manager”." in texts(created)
    assert duplicate.status_code == 400 and "already" in duplicate.content.decode()
    assert edited.status_code == 302 and "Fleet buyer" in listed.content.decode()
    assert deleted.status_code == 302 and not Persona.objects.exists()
    assert "No personas" in manager_client.get(reverse("journeys:personas")).content.decode()


def test_the_personas_list_paginates_and_ignores_a_junk_filter(manager_client, django_assert_max_num_queries):
    program = ProgramFactory()
    for n in range(25):
        PersonaFactory(program=program, name=f"Persona {n:02d}")

    with django_assert_max_num_queries(8):
        first = manager_client.get(reverse("journeys:personas"))
    junk = manager_client.get(reverse("journeys:personas"), {"program": "x' OR 1=1"})

    assert len(first.context["page_obj"]) == 20 and first.context["page_obj"].has_next()
    assert junk.status_code == 200


# --- Initiatives -------------------------------------------------------------------------------------


def test_a_manager_creates_and_edits_an_initiative(manager_client, manager, journey):
    touchpoint = TouchpointFactory(stage=stage(journey, "Delivery"), name="Car handover")
    foreign = TouchpointFactory(name="Elsewhere")
    data = {"program": journey.program.pk, "name": "Second key at handover", "touchpoints": [touchpoint.pk],
            "owner": manager.pk, "status": "active", "start_date": "2026-01-10", "end_date": ""}

    bad_dates = manager_client.post(reverse("journeys:initiative_create"), {**data, "end_date": "2026-01-01"})
    bad_tp = manager_client.post(reverse("journeys:initiative_create"), {**data, "touchpoints": [foreign.pk]})
    created = manager_client.post(reverse("journeys:initiative_create"), data)

    assert bad_dates.status_code == 400 and "before the start date" in bad_dates.content.decode()
    assert bad_tp.status_code == 400 and "must belong to the program" in bad_tp.content.decode()
    initiative = Initiative.objects.get()
    assert created.url == reverse("journeys:initiative_detail", args=[initiative.pk])
    assert list(initiative.touchpoints.all()) == [touchpoint]

    refused = manager_client.post(reverse("journeys:initiative_edit", args=[initiative.pk]),
                                  {**data, "status": "planned"})
    assert refused.status_code == 400 and "cannot become planned" in refused.content.decode()
    done = manager_client.post(reverse("journeys:initiative_edit", args=[initiative.pk]),
                               {**data, "status": "done", "end_date": "2026-02-10", "program": ""})
    initiative.refresh_from_db()
    assert done.status_code == 302 and (initiative.status, initiative.end_date) == ("done", dt.date(2026, 2, 10))
    assert initiative.program == journey.program


def test_the_initiative_page_shows_the_before_and_after_table(manager_client, journey):
    touchpoint = TouchpointFactory(stage=stage(journey, "Delivery"), name="Car handover")
    start = timezone.localdate() - dt.timedelta(days=10)
    initiative = InitiativeFactory(program=journey.program, start_date=start, name="Handover checklist")
    initiative.touchpoints.add(touchpoint)
    day_row(touchpoint, start - dt.timedelta(days=5), csat_responses=50, csat_satisfied=20)
    day_row(touchpoint, start + dt.timedelta(days=2), csat_responses=50, csat_satisfied=45)

    response = manager_client.get(reverse("journeys:initiative_detail", args=[initiative.pk]), {"days": "14"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "40.0%" in html and "90.0%" in html and "+50.0" in html and "yes, better" in html
    assert response.context["days"] == 14
    assert manager_client.get(reverse("journeys:initiative_detail", args=[initiative.pk]),
                              {"days": "abc"}).context["days"] == 30


def test_the_initiative_list_filters_paginates_and_has_an_empty_state(
        agent_client, django_assert_max_num_queries):
    program, other = ProgramFactory(name="A"), ProgramFactory(name="B")
    for n in range(22):
        item = InitiativeFactory(program=program, status="active" if n % 2 else "done")
        item.touchpoints.add(TouchpointFactory(stage__journey__program=program))
    InitiativeFactory(program=other, status="planned", name="Other program's")

    with django_assert_max_num_queries(10):
        everything = agent_client.get(reverse("journeys:initiatives"))
    done = agent_client.get(reverse("journeys:initiatives"), {"status": "done", "program": program.pk})
    junk = agent_client.get(reverse("journeys:initiatives"), {"status": "nonsense", "program": other.pk})
    empty = agent_client.get(reverse("journeys:initiatives"), {"status": "cancelled"})

    assert everything.context["page_obj"].paginator.count == 23
    assert len(everything.context["page_obj"]) == 20
    assert done.context["page_obj"].paginator.count == 11
    assert [i.name for i in junk.context["page_obj"]] == ["Other program's"]
    assert "No initiatives match these filters" in empty.content.decode()


def test_every_form_page_opens_for_a_manager(manager_client, journey):
    program = journey.program
    first = stage(journey, "Discovery")
    touchpoint = TouchpointFactory(stage=first, is_active=False, archived_at=timezone.now())
    goal, persona = GoalFactory(program=program), PersonaFactory(program=program)
    initiative = InitiativeFactory(program=program)
    initiative.touchpoints.add(touchpoint)  # archived, still linked: stays selectable on its edit form

    for url in (reverse("journeys:program_create"), reverse("journeys:program_edit", args=[program.pk]),
                reverse("journeys:goal_create", args=[program.pk]), reverse("journeys:goal_edit", args=[goal.pk]),
                reverse("journeys:goal_delete", args=[goal.pk]), reverse("journeys:persona_create"),
                reverse("journeys:persona_edit", args=[persona.pk]),
                reverse("journeys:persona_delete", args=[persona.pk]),
                reverse("journeys:journey_create", args=[program.pk]),
                reverse("journeys:stage_edit", args=[first.pk]),
                reverse("journeys:touchpoint_create", args=[first.pk]),
                reverse("journeys:touchpoint_edit", args=[touchpoint.pk]),
                reverse("journeys:initiative_create"), reverse("journeys:initiative_edit", args=[initiative.pk])):
        response = manager_client.get(url)
        assert response.status_code == 200, url
    edit = manager_client.get(reverse("journeys:initiative_edit", args=[initiative.pk]))
    assert touchpoint in edit.context["form"].fields["touchpoints"].queryset
    assert manager_client.get(reverse("journeys:goal_edit", args=[999999])).status_code == 404
