"""The builder pages: programs, goals, personas, journeys with their stages and touchpoints, initiatives.

Views parse input, check the role's permission and call one service from journeys.builder, goals or
initiatives; a refusal re-renders the form with the input kept (cxhub.forms.run_service) or, for the
one-button actions, comes back as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cxhub.exceptions import DomainError
from cxhub.forms import flash_form_errors, run_service
from cxhub.languages import local_decimal
from journeys import builder, goals, initiatives
from journeys.forms_builder import (
    GoalForm,
    InitiativeFilterForm,
    InitiativeForm,
    JourneyForm,
    MoveForm,
    PersonaForm,
    ProgramForm,
    StageForm,
    StageOrderForm,
    TouchpointForm,
)
from journeys.models import (
    ExperienceSignal,
    Goal,
    Initiative,
    Journey,
    Persona,
    Program,
    Stage,
    Touchpoint,
)

PAGE_SIZE = 20
COMPARE_DAYS = (14, 30, 60, 90)
T = TypeVar("T")

GET_POST = require_http_methods(["GET", "POST"])


def _status(form: Any) -> int:
    return 400 if form.errors else 200


def _attempt(request: HttpRequest, action: Callable[[], T]) -> T | None:
    """Run a one-button action; a refusal becomes an error message (the page it returns to says why)."""
    try:
        return action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return None


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


# --- Index and programs ------------------------------------------------------------------------------


@login_required
@permission_required("journeys.view_program", raise_exception=True)
def builder_index(request: HttpRequest) -> HttpResponse:
    journeys = Journey.objects.annotate(
        stage_count=Count("stages", distinct=True),
        touchpoint_count=Count("stages__touchpoints", filter=Q(stages__touchpoints__is_active=True),
                               distinct=True),
    ).order_by("position", "id")
    programs = Program.objects.annotate(
        goal_count=Count("goals", distinct=True), persona_count=Count("personas", distinct=True),
        initiative_count=Count("initiatives", distinct=True),
    ).prefetch_related(Prefetch("journeys", queryset=journeys)).order_by("name")
    return render(request, "journeys/builder/index.html", {"page_obj": _page(request, programs)})


@login_required
@permission_required("journeys.add_program", raise_exception=True)
@GET_POST
def program_create(request: HttpRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        program = run_service(form, lambda: builder.program_create(**form.service_kwargs()))
        if program is not None:
            messages.success(request, _("Created the program “%(name)s”. Add its first journey.")
                             % {"name": program.name})
            return redirect("journeys:journey_create", pk=program.pk)
    return render(request, "journeys/builder/program_form.html", {"form": form, "program": None},
                  status=_status(form))


@login_required
@permission_required("journeys.change_program", raise_exception=True)
@GET_POST
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    form = ProgramForm(request.POST or None, initial=ProgramForm.initial_for(program))
    if request.method == "POST" and form.is_valid() and run_service(
            form, lambda: builder.program_update(program=program, **form.service_kwargs())):
        messages.success(request, _("Saved the program “%(name)s”.") % {"name": program.name})
        return redirect("journeys:builder")
    return render(request, "journeys/builder/program_form.html", {"form": form, "program": program},
                  status=_status(form))


# --- Goals -------------------------------------------------------------------------------------------


@login_required
@permission_required("journeys.view_goal", raise_exception=True)
def goal_list(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    rows = goals.goal_progress(program=program)
    return render(request, "journeys/builder/goals.html", {
        "program": program, "page_obj": _page(request, rows), "goal_days": goals.CURRENT_DAYS,
        "baseline_days": goals.BASELINE_DAYS,
    })


@login_required
@permission_required("journeys.add_goal", raise_exception=True)
@GET_POST
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    form = GoalForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        goal = run_service(form, lambda: goals.goal_create(program=program, actor=request.user,
                                                           **form.cleaned_data))
        if goal is not None:
            if goal.baseline is None:
                text = _("Set the goal: %(goal)s (no baseline yet (not enough data)).") % {"goal": goal}
            else:
                text = _("Set the goal: %(goal)s (baseline %(baseline)s).") % {
                    "goal": goal, "baseline": local_decimal(f"{goal.baseline:.1f}")}
            messages.success(request, text)
            return redirect("journeys:goals", pk=program.pk)
    return render(request, "journeys/builder/goal_form.html", {"form": form, "program": program,
                                                               "goal": None}, status=_status(form))


@login_required
@permission_required("journeys.change_goal", raise_exception=True)
@GET_POST
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("program", "journey"), pk=pk)
    form = GoalForm(request.POST or None, program=goal.program, initial={
        "metric": goal.metric, "target": goal.target, "due_date": goal.due_date, "journey": goal.journey,
        "description": goal.description})
    if request.method == "POST" and form.is_valid() and run_service(
            form, lambda: goals.goal_update(goal=goal, **form.cleaned_data)):
        messages.success(request, _("Saved the goal: %(goal)s.") % {"goal": goal})
        return redirect("journeys:goals", pk=goal.program_id)
    return render(request, "journeys/builder/goal_form.html", {"form": form, "program": goal.program,
                                                               "goal": goal}, status=_status(form))


@login_required
@permission_required("journeys.delete_goal", raise_exception=True)
@GET_POST
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.select_related("program"), pk=pk)
    if request.method == "POST":
        goals.goal_delete(goal=goal)
        messages.success(request, _("Deleted the goal: %(goal)s.") % {"goal": goal})
        return redirect("journeys:goals", pk=goal.program_id)
    return render(request, "journeys/builder/confirm_delete.html", {
        "question": _("Delete the goal “%(goal)s”?") % {"goal": goal},
        "back": ("journeys:goals", goal.program_id),
        "note": _("Its progress is computed from the scores, so nothing else is lost.")})


# --- Personas ----------------------------------------------------------------------------------------


@login_required
@permission_required("journeys.view_persona", raise_exception=True)
def persona_list(request: HttpRequest) -> HttpResponse:
    program_id = _int_param(request, "program")
    personas = Persona.objects.select_related("program").order_by("program__name", "name", "id")
    if program_id:
        personas = personas.filter(program_id=program_id)
    return render(request, "journeys/builder/personas.html", {
        "page_obj": _page(request, personas), "programs": Program.objects.order_by("name"),
        "program_id": program_id,
    })


@login_required
@permission_required("journeys.add_persona", raise_exception=True)
@GET_POST
def persona_create(request: HttpRequest) -> HttpResponse:
    form = PersonaForm(request.POST or None, initial={"program": _int_param(request, "program")})
    if request.method == "POST" and form.is_valid():
        persona = run_service(form, lambda: builder.persona_create(**form.cleaned_data))
        if persona is not None:
            messages.success(request, _("Added the persona “%(name)s”.") % {"name": persona.name})
            return redirect(f"{_url('journeys:personas')}?program={persona.program_id}")
    return render(request, "journeys/builder/persona_form.html", {"form": form, "persona": None},
                  status=_status(form))


@login_required
@permission_required("journeys.change_persona", raise_exception=True)
@GET_POST
def persona_edit(request: HttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona, pk=pk)
    form = PersonaForm(request.POST or None, initial={
        "program": persona.program_id, "name": persona.name, "description": persona.description,
        "needs": persona.needs, "segment": persona.segment})
    if request.method == "POST" and form.is_valid() and run_service(
            form, lambda: builder.persona_update(persona=persona, **form.cleaned_data)):
        messages.success(request, _("Saved the persona “%(name)s”.") % {"name": persona.name})
        return redirect(f"{_url('journeys:personas')}?program={persona.program_id}")
    return render(request, "journeys/builder/persona_form.html", {"form": form, "persona": persona},
                  status=_status(form))


@login_required
@permission_required("journeys.delete_persona", raise_exception=True)
@GET_POST
def persona_delete(request: HttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona, pk=pk)
    if request.method == "POST":
        builder.persona_delete(persona=persona)
        messages.success(request, _("Deleted the persona “%(name)s”.") % {"name": persona.name})
        return redirect("journeys:personas")
    return render(request, "journeys/builder/confirm_delete.html", {
        "question": _("Delete the persona “%(name)s”?") % {"name": persona.name},
        "back": ("journeys:personas", None),
        "note": _("Personas carry no history; only this description is removed.")})


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


# --- Journeys, stages and touchpoints ----------------------------------------------------------------


@login_required
@permission_required("journeys.add_journey", raise_exception=True)
@GET_POST
def journey_create(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    form = JourneyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        journey = run_service(form, lambda: builder.journey_create(program=program, **form.cleaned_data))
        if journey is not None:
            messages.success(request, _("Created the journey “%(name)s”. Add its stages.")
                             % {"name": journey.name})
            return redirect("journeys:journey_edit", pk=journey.pk)
    return render(request, "journeys/builder/journey_form.html", {"form": form, "program": program},
                  status=_status(form))


def _journey_page(request: HttpRequest, journey: Journey, *, form: JourneyForm | None = None,
                  stage_form: StageForm | None = None) -> HttpResponse:
    """The journey with its stages, their active touchpoints and, apart, the archived ones."""
    history = Exists(ExperienceSignal.objects.filter(touchpoint=OuterRef("pk")))
    touchpoints = Touchpoint.objects.select_related("owner_team").annotate(has_history=history) \
        .order_by("position", "id")
    stages = list(Stage.objects.filter(journey=journey).order_by("position", "id").prefetch_related(
        Prefetch("touchpoints", queryset=touchpoints, to_attr="all_touchpoints")))
    for stage in stages:
        stage.active = [tp for tp in stage.all_touchpoints if tp.is_active]
    archived = [tp for stage in stages for tp in stage.all_touchpoints if not tp.is_active]
    form = form or JourneyForm(initial={"name": journey.name, "description": journey.description})
    stage_form = stage_form or StageForm(auto_id="id_stage_%s")
    bad = bool(form.errors or stage_form.errors)
    return render(request, "journeys/builder/journey_edit.html", {
        "journey": journey, "program": journey.program, "stages": stages, "archived": archived,
        "form": form, "stage_form": stage_form,
    }, status=400 if bad else 200)


@login_required
@permission_required("journeys.change_journey", raise_exception=True)
@GET_POST
def journey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    journey = get_object_or_404(Journey.objects.select_related("program"), pk=pk)
    if request.method == "POST":
        form = JourneyForm(request.POST)
        if form.is_valid() and run_service(form, lambda: builder.journey_update(journey=journey,
                                                                                **form.cleaned_data)):
            messages.success(request, _("Saved the journey “%(name)s”.") % {"name": journey.name})
            return redirect("journeys:journey_edit", pk=journey.pk)
        journey.refresh_from_db(fields=["name", "description"])
        return _journey_page(request, journey, form=form)
    return _journey_page(request, journey)


@login_required
@permission_required("journeys.add_stage", raise_exception=True)
@require_POST
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    journey = get_object_or_404(Journey.objects.select_related("program"), pk=pk)
    form = StageForm(request.POST, auto_id="id_stage_%s")
    if form.is_valid():
        stage = run_service(form, lambda: builder.stage_add(journey=journey, **form.cleaned_data))
        if stage is not None:
            messages.success(request, _("Added the stage “%(name)s”.") % {"name": stage.name})
            return redirect(f"{_url('journeys:journey_edit', journey.pk)}#stage-{stage.pk}")
    return _journey_page(request, journey, stage_form=form)


@login_required
@permission_required("journeys.change_stage", raise_exception=True)
@GET_POST
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("journey__program"), pk=pk)
    form = StageForm(request.POST or None, initial={"name": stage.name, "description": stage.description})
    if request.method == "POST" and form.is_valid() and run_service(
            form, lambda: builder.stage_rename(stage=stage, **form.cleaned_data)):
        messages.success(request, _("Saved the stage “%(name)s”.") % {"name": stage.name})
        return redirect(f"{_url('journeys:journey_edit', stage.journey_id)}#stage-{stage.pk}")
    return render(request, "journeys/builder/stage_form.html", {"form": form, "stage": stage},
                  status=_status(form))


@login_required
@permission_required("journeys.change_stage", raise_exception=True)
@require_POST
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    elif _attempt(request, lambda: builder.stage_move(stage=stage, direction=form.cleaned_data["direction"])):
        messages.success(request, _moved(stage.name, form.cleaned_data["direction"]))
    return redirect(f"{_url('journeys:journey_edit', stage.journey_id)}#stage-{stage.pk}")


def _moved(name: str, direction: str) -> str:
    if direction == "up":
        return _("Moved “%(name)s” up.") % {"name": name}
    return _("Moved “%(name)s” down.") % {"name": name}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@permission_required("journeys.change_stage", raise_exception=True)
@require_POST
def stage_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """A full new order of the journey's stages (the drag-and-drop script posts here); answers JSON to
    the script and redirects back with a message otherwise."""
    journey = get_object_or_404(Journey, pk=pk)
    form = StageOrderForm(request.POST)
    error = None
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            ordered = builder.stage_reorder(journey=journey, stage_ids=form.cleaned_data["order"])
        except DomainError as exc:
            error = exc.message
    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse({"ok": True, "order": [s.pk for s in ordered],
                             "message": _("Saved the new order of the stages.")})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved the new order of the stages."))
    return redirect("journeys:journey_edit", pk=journey.pk)


@login_required
@permission_required("journeys.delete_stage", raise_exception=True)
@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk)
    journey_id, name = stage.journey_id, stage.name
    if _attempt(request, lambda: builder.stage_delete(stage=stage) or True):
        messages.success(request, _("Deleted the stage “%(name)s”.") % {"name": name})
    return redirect("journeys:journey_edit", pk=journey_id)


@login_required
@permission_required("journeys.add_touchpoint", raise_exception=True)
@GET_POST
def touchpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("journey__program"), pk=pk)
    form = TouchpointForm(request.POST or None, journey=stage.journey, initial={"stage": stage})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        touchpoint = run_service(form, lambda: builder.touchpoint_create(
            stage=data["stage"], position=data["position"], **form.details()))
        if touchpoint is not None:
            messages.success(request, _("Added the touchpoint “%(name)s” to %(stage)s.") % {
                "name": touchpoint.name, "stage": touchpoint.stage.name})
            return redirect(f"{_url('journeys:journey_edit', stage.journey_id)}#stage-{touchpoint.stage_id}")
    return render(request, "journeys/builder/touchpoint_form.html", {
        "form": form, "stage": stage, "journey": stage.journey, "touchpoint": None},
        status=_status(form))


def _touchpoint_edit(touchpoint: Touchpoint, data: dict[str, Any], details: dict[str, Any]) -> Touchpoint:
    """One edit of the page: the details, then a move when the stage or position changed; one
    transaction, so a refused move leaves the details unsaved too."""
    with transaction.atomic():
        builder.touchpoint_update(touchpoint=touchpoint, **details)
        if touchpoint.is_active and (data["stage"].pk != touchpoint.stage_id or data["position"] is not None):
            builder.touchpoint_move(touchpoint=touchpoint, stage=data["stage"], position=data["position"])
    return touchpoint


@login_required
@permission_required("journeys.change_touchpoint", raise_exception=True)
@GET_POST
def touchpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("stage__journey__program"), pk=pk)
    journey = touchpoint.stage.journey
    form = TouchpointForm(request.POST or None, journey=journey, initial={
        "name": touchpoint.name, "description": touchpoint.description, "channel": touchpoint.channel,
        "owner_team": touchpoint.owner_team_id, "target_score": touchpoint.target_score,
        "weight": touchpoint.weight, "stage": touchpoint.stage_id, "position": touchpoint.position})
    if request.method == "POST" and form.is_valid() and run_service(
            form, lambda: _touchpoint_edit(touchpoint, form.cleaned_data, form.details())):
        messages.success(request, _("Saved the touchpoint “%(name)s”.") % {"name": touchpoint.name})
        return redirect(f"{_url('journeys:journey_edit', journey.pk)}#stage-{touchpoint.stage_id}")
    if form.errors:
        touchpoint.refresh_from_db()  # a refused edit may have set fields on the instance
    return render(request, "journeys/builder/touchpoint_form.html", {
        "form": form, "stage": touchpoint.stage, "journey": journey, "touchpoint": touchpoint},
        status=_status(form))


@login_required
@permission_required("journeys.change_touchpoint", raise_exception=True)
@require_POST
def touchpoint_move(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("stage"), pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    elif _attempt(request, lambda: builder.touchpoint_move_step(
            touchpoint=touchpoint, direction=form.cleaned_data["direction"])):
        messages.success(request, _moved(touchpoint.name, form.cleaned_data["direction"]))
    return redirect(f"{_url('journeys:journey_edit', touchpoint.stage.journey_id)}#stage-{touchpoint.stage_id}")


@login_required
@permission_required("journeys.change_touchpoint", raise_exception=True)
@require_POST
def touchpoint_archive(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("stage"), pk=pk)
    if _attempt(request, lambda: builder.touchpoint_archive(touchpoint=touchpoint)):
        messages.success(request, _("Archived “%(name)s”. Its history stays in past scores; restore it "
                                    "from the archived list.") % {"name": touchpoint.name})
    return redirect(f"{_url('journeys:journey_edit', touchpoint.stage.journey_id)}#archived")


@login_required
@permission_required("journeys.change_touchpoint", raise_exception=True)
@require_POST
def touchpoint_restore(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("stage"), pk=pk)
    if _attempt(request, lambda: builder.touchpoint_restore(touchpoint=touchpoint)):
        messages.success(request, _("Restored “%(name)s” to the end of %(stage)s.") % {
            "name": touchpoint.name, "stage": touchpoint.stage.name})
    return redirect(f"{_url('journeys:journey_edit', touchpoint.stage.journey_id)}#stage-{touchpoint.stage_id}")


@login_required
@permission_required("journeys.delete_touchpoint", raise_exception=True)
@require_POST
def touchpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = get_object_or_404(Touchpoint.objects.select_related("stage"), pk=pk)
    journey_id, name = touchpoint.stage.journey_id, touchpoint.name
    if _attempt(request, lambda: builder.touchpoint_delete(touchpoint=touchpoint) or True):
        messages.success(request, _("Deleted the touchpoint “%(name)s”.") % {"name": name})
    return redirect("journeys:journey_edit", pk=journey_id)


# --- Initiatives -------------------------------------------------------------------------------------


@login_required
@permission_required("journeys.view_initiative", raise_exception=True)
def initiative_list(request: HttpRequest) -> HttpResponse:
    filters = InitiativeFilterForm(request.GET or None)
    status, program = None, None
    if filters.is_bound:
        filters.is_valid()  # an invalid value is dropped on its own; the other filter still applies
        data = getattr(filters, "cleaned_data", {})
        status, program = data.get("status") or None, data.get("program")
    items = initiatives.initiative_list(status=status, program_id=program.pk if program else None)
    return render(request, "journeys/builder/initiatives.html", {
        "filters": filters, "page_obj": _page(request, items), "filtered": bool(status or program),
    })


def _initiative_kwargs(form: InitiativeForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["touchpoints"] = list(data["touchpoints"])
    return data


@login_required
@permission_required("journeys.add_initiative", raise_exception=True)
@GET_POST
def initiative_create(request: HttpRequest) -> HttpResponse:
    form = InitiativeForm(request.POST or None, initial={"program": _int_param(request, "program"),
                                                         "owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        initiative = run_service(form, lambda: initiatives.initiative_create(**_initiative_kwargs(form)))
        if initiative is not None:
            messages.success(request, _("Created the initiative “%(name)s”.") % {"name": initiative.name})
            return redirect("journeys:initiative_detail", pk=initiative.pk)
    return render(request, "journeys/builder/initiative_form.html", {"form": form, "initiative": None},
                  status=_status(form))


@login_required
@permission_required("journeys.change_initiative", raise_exception=True)
@GET_POST
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(Initiative.objects.select_related("program"), pk=pk)
    linked = list(initiative.touchpoints.all())
    form = InitiativeForm(request.POST or None, initial={
        "program": initiative.program_id, "name": initiative.name, "description": initiative.description,
        "touchpoints": [tp.pk for tp in linked], "owner": initiative.owner_id, "status": initiative.status,
        "start_date": initiative.start_date, "end_date": initiative.end_date})
    form.include_touchpoints(linked)
    form.fields["program"].disabled = True  # an initiative stays in its program
    if request.method == "POST" and form.is_valid():
        kwargs = _initiative_kwargs(form)
        kwargs.pop("program")
        saved = run_service(form, lambda: initiatives.initiative_update(initiative=initiative, **kwargs))
        if saved is not None:
            messages.success(request, _("Saved the initiative “%(name)s”.") % {"name": saved.name})
            return redirect("journeys:initiative_detail", pk=initiative.pk)
    return render(request, "journeys/builder/initiative_form.html", {"form": form, "initiative": initiative},
                  status=_status(form))


@login_required
@permission_required("journeys.view_initiative", raise_exception=True)
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(Initiative.objects.select_related("program", "owner"), pk=pk)
    days = _int_param(request, "days")
    days = days if days in COMPARE_DAYS else 30
    return render(request, "journeys/builder/initiative_detail.html", {
        "initiative": initiative, "comparison": initiatives.initiative_before_after(initiative, days=days),
        "days": days, "day_choices": COMPARE_DAYS,
    })
