"""Writes that shape a program: programs, journeys, stages, touchpoints and personas.

Rules (docs/goals.md, "The builder"):
- Stage positions within a journey, and active touchpoint positions within a stage, stay dense
  (0..n-1). Every change of order locks the journey row first (`select_for_update`), so two managers
  reordering the same journey at once are serialised and neither sees a half-renumbered list.
- Archiving a touchpoint takes it off the map but keeps its signals and daily components, so past
  figures are never rewritten. Only what has no history (no signals) can be deleted.
- Every refusal is a `DomainError` naming the field at fault; nothing is written when one is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import ConflictError, DomainError
from cxhub.models import Team
from journeys.choices import Channel
from journeys.models import (
    ExperienceSignal,
    Journey,
    Persona,
    Program,
    ScoreComponentDaily,
    Stage,
    Touchpoint,
)
from journeys.scoring import BLEND_KEYS, validate_weights
from journeys.services import touchpoint_set_target

MAX_MIN_SAMPLE = 10_000


def _text(value: str, *, field: str, max_length: int, required: str, too_long: str) -> str:
    """The stripped text; `too_long` is a message with %(max)s for the limit."""
    value = (value or "").strip()
    if not value:
        raise DomainError(required, field=field)
    if len(value) > max_length:
        raise DomainError(too_long % {"max": max_length}, field=field)
    return value


def _save_unique(write: Any, *, field: str, message: str) -> Any:
    """Run an insert or update guarded by a unique name; a concurrent writer that took the name between
    our check and our write gets the same clear error instead of an IntegrityError."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        raise DomainError(message, field=field) from None


def _lock_journey(journey_id: int) -> Journey:
    """Lock the journey row: every reorder in the journey goes through this, one at a time."""
    return Journey.objects.select_for_update().get(pk=journey_id)


def _renumber(rows: Sequence[Any]) -> None:
    """Give rows positions 0..n-1 in the order given, writing only those that change."""
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])



def _unique_name(name: str, *, siblings: QuerySet, current: Model | None, clash_message: str,
                 max_length: int = 150) -> str:
    """A cleaned name that no other row among `siblings` has, ignoring case; `clash_message` says
    what exists already (with `%(name)s` in it)."""
    name = _text(name, field="name", max_length=max_length, required=_("The name is required."),
                 too_long=_("The name can have at most %(max)s characters."))
    clash = siblings.filter(name__iexact=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise DomainError(clash_message % {"name": name}, field="name")
    return name


# --- Programs ----------------------------------------------------------------------------------------


def _program_fields(*, name: str, purpose: str, score_weights: object, min_sample_size: int,
                    program: Program | None) -> dict[str, Any]:
    name = _unique_name(name, siblings=Program.objects.all(), current=program,
                        clash_message=_("A program called “%(name)s” exists already."))
    purpose = _text(purpose, field="purpose", max_length=5000, required=_("The purpose is required."),
                    too_long=_("The purpose can have at most %(max)s characters."))
    try:
        weights = validate_weights(score_weights)
    except ValueError as exc:
        raise DomainError(str(exc), field="score_weights") from None
    weights = {key: weights.get(key, 0.0) for key in BLEND_KEYS}
    if isinstance(min_sample_size, bool) or not isinstance(min_sample_size, int) \
            or not 1 <= min_sample_size <= MAX_MIN_SAMPLE:
        raise DomainError(_("The minimum sample must be a whole number from 1 to %(max)s.")
                          % {"max": MAX_MIN_SAMPLE}, field="min_sample_size")
    return {"name": name, "purpose": purpose, "score_weights": weights,
            "min_sample_size": min_sample_size}


@transaction.atomic
def program_create(*, name: str, purpose: str, score_weights: object, min_sample_size: int) -> Program:
    """A new program with its purpose, score weights (csat, nps, ces, sla, fcr) and minimum sample."""
    fields = _program_fields(name=name, purpose=purpose, score_weights=score_weights,
                             min_sample_size=min_sample_size, program=None)
    return _save_unique(lambda: Program.objects.create(**fields), field="name",
                        message=_("A program called “%(name)s” exists already.") % {"name": fields["name"]})


@transaction.atomic
def program_update(*, program: Program, name: str, purpose: str, score_weights: object,
                   min_sample_size: int) -> Program:
    """Change a program. New weights apply to every window, past ones included: they are how the
    components are read, not part of the components."""
    fields = _program_fields(name=name, purpose=purpose, score_weights=score_weights,
                             min_sample_size=min_sample_size, program=program)
    for key, value in fields.items():
        setattr(program, key, value)
    _save_unique(lambda: program.save(update_fields=[*fields, "updated_at"]), field="name",
                 message=_("A program called “%(name)s” exists already.") % {"name": fields["name"]})
    return program


# --- Journeys ----------------------------------------------------------------------------------------


def _journey_name(name: str, *, program: Program, journey: Journey | None) -> str:
    return _unique_name(name, siblings=Journey.objects.filter(program=program), current=journey,
                        clash_message=_("The program has a journey called “%(name)s” already."))


@transaction.atomic
def journey_create(*, program: Program, name: str, description: str = "") -> Journey:
    """A new journey, placed after the program's other journeys."""
    # Locks the program so two journeys created at once do not take the same position.
    Program.objects.select_for_update().filter(pk=program.pk).exists()
    name = _journey_name(name, program=program, journey=None)
    position = Journey.objects.filter(program=program).count()
    return Journey.objects.create(program=program, name=name, description=(description or "").strip(),
                                  position=position)


@transaction.atomic
def journey_update(*, journey: Journey, name: str, description: str = "") -> Journey:
    journey.name = _journey_name(name, program=journey.program, journey=journey)
    journey.description = (description or "").strip()
    _save_unique(lambda: journey.save(update_fields=["name", "description", "updated_at"]), field="name",
                 message=_("The program has a journey called “%(name)s” already.") % {"name": journey.name})
    return journey


# --- Stages ------------------------------------------------------------------------------------------


def _stage_name(name: str, *, journey: Journey, stage: Stage | None) -> str:
    return _unique_name(name, siblings=Stage.objects.filter(journey=journey), current=stage,
                        clash_message=_("The journey has a stage called “%(name)s” already."))


@transaction.atomic
def stage_add(*, journey: Journey, name: str, description: str = "") -> Stage:
    """A new stage at the end of the journey (under the journey lock, so positions stay dense)."""
    journey = _lock_journey(journey.pk)
    name = _stage_name(name, journey=journey, stage=None)
    position = Stage.objects.filter(journey=journey).count()
    return Stage.objects.create(journey=journey, name=name, description=(description or "").strip(),
                                position=position)


@transaction.atomic
def stage_rename(*, stage: Stage, name: str, description: str | None = None) -> Stage:
    _lock_journey(stage.journey_id)  # names are checked under the lock every stage write takes
    stage.name = _stage_name(name, journey=stage.journey, stage=stage)
    fields = ["name"]
    if description is not None:
        stage.description = description.strip()
        fields.append("description")
    stage.save(update_fields=fields)
    return stage


@transaction.atomic
def stage_reorder(*, journey: Journey, stage_ids: Sequence[int]) -> list[Stage]:
    """Put the journey's stages in the order given: a full list of its stage ids, each once.

    Locks the journey first; the list is checked against the stages as they are under the lock, so a
    list made before another manager added or deleted a stage is refused rather than half applied.
    """
    journey = _lock_journey(journey.pk)
    stages = {s.pk: s for s in Stage.objects.filter(journey=journey)}
    try:
        wanted = [int(pk) for pk in stage_ids]
    except (TypeError, ValueError):
        raise DomainError(_("The new order must list stage ids."), field="order") from None
    if len(wanted) != len(set(wanted)) or set(wanted) != set(stages):
        raise DomainError(_("The new order must list every stage of the journey exactly once; "
                            "reload the page and try again."), field="order", code="stale")
    ordered = [stages[pk] for pk in wanted]
    _renumber(ordered)
    return ordered


@transaction.atomic
def stage_move(*, stage: Stage, direction: str) -> Stage:
    """Move a stage one place up (earlier) or down (later) in its journey."""
    if direction not in ("up", "down"):
        raise DomainError(_("Move a stage up or down."), field="direction")
    journey = _lock_journey(stage.journey_id)
    stages = list(Stage.objects.filter(journey=journey).order_by("position", "id"))
    index = next((i for i, s in enumerate(stages) if s.pk == stage.pk), None)
    if index is None:
        raise DomainError(_("This stage is no longer in the journey."), field="direction")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        message = (_("“%(name)s” is the first stage already.") if direction == "up"
                   else _("“%(name)s” is the last stage already."))
        raise DomainError(message % {"name": stage.name}, field="direction")
    stages[index], stages[other] = stages[other], stages[index]
    _renumber(stages)
    return stages[other]


def _has_history(touchpoints: Any) -> bool:
    return (ExperienceSignal.objects.filter(touchpoint__in=touchpoints).exists()
            or ScoreComponentDaily.objects.filter(touchpoint__in=touchpoints).exists())


def _delete(obj: Any, message: str) -> None:
    """Delete `obj`; `message` (with %(names)s for what still refers to it) says why it cannot be."""
    try:
        obj.delete()
    except ProtectedError as exc:
        names = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
        raise DomainError(message % {"names": ", ".join(names)}, code="protected") from None


@transaction.atomic
def stage_delete(*, stage: Stage) -> None:
    """Delete a stage and its touchpoints, only when none of them has history (signals or scores)."""
    journey = _lock_journey(stage.journey_id)
    touchpoints = Touchpoint.objects.filter(stage=stage)
    if _has_history(touchpoints):
        raise DomainError(
            _("“%(name)s” has touchpoints with recorded signals, so it cannot be deleted: their "
              "history is part of past scores. Archive those touchpoints instead.") % {"name": stage.name},
            field="stage", code="has_history")
    _delete(stage, _("The stage is still referenced by %(names)s; remove those first or archive instead."))
    _renumber(list(Stage.objects.filter(journey=journey).order_by("position", "id")))


# --- Touchpoints -------------------------------------------------------------------------------------


def _active_in(stage_id: int) -> list[Touchpoint]:
    return list(Touchpoint.objects.filter(stage_id=stage_id, is_active=True).order_by("position", "id"))


def _touchpoint_name(name: str, *, stage: Stage, touchpoint: Touchpoint | None) -> str:
    return _unique_name(name, siblings=Touchpoint.objects.filter(stage=stage), current=touchpoint,
                        clash_message=_("The stage has a touchpoint called “%(name)s” already (maybe archived)."))


def _check_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise DomainError(_("Choose a channel from the list."), field="channel")
    return channel


def _place(touchpoint: Touchpoint, stage_id: int, position: int | None) -> None:
    """Insert an active touchpoint into its stage's order at `position` (the end when None)."""
    others = [tp for tp in _active_in(stage_id) if tp.pk != touchpoint.pk]
    if position is None or position > len(others):
        position = len(others)
    if position < 0:
        raise DomainError(_("The position cannot be negative."), field="position")
    others.insert(position, touchpoint)
    _renumber(others)


@transaction.atomic
def touchpoint_create(
    *, stage: Stage, name: str, description: str = "", channel: str = Channel.IN_PERSON,
    owner_team: Team | None = None, target_score: Decimal = Decimal("75"),
    weight: Decimal = Decimal("1"), position: int | None = None,
) -> Touchpoint:
    """A new touchpoint in a stage, at `position` among its active touchpoints (the end by default)."""
    _lock_journey(stage.journey_id)
    touchpoint = Touchpoint.objects.create(
        stage=stage, name=_touchpoint_name(name, stage=stage, touchpoint=None),
        description=(description or "").strip(), channel=_check_channel(channel), owner_team=owner_team,
        position=0,
    )
    # The target and weight rules live in one service; a refusal there rolls this insert back.
    touchpoint_set_target(touchpoint=touchpoint, target_score=target_score, weight=weight)
    _place(touchpoint, stage.pk, position)
    return touchpoint


@transaction.atomic
def touchpoint_update(
    *, touchpoint: Touchpoint, name: str, description: str = "", channel: str = Channel.IN_PERSON,
    owner_team: Team | None = None, target_score: Decimal, weight: Decimal,
) -> Touchpoint:
    """Change what a touchpoint is called, its channel, owner, target and weight."""
    _lock_journey(touchpoint.stage.journey_id)  # names are checked under the journey's lock
    touchpoint.name = _touchpoint_name(name, stage=touchpoint.stage, touchpoint=touchpoint)
    touchpoint.description = (description or "").strip()
    touchpoint.channel = _check_channel(channel)
    touchpoint.owner_team = owner_team
    touchpoint.save(update_fields=["name", "description", "channel", "owner_team", "updated_at"])
    touchpoint_set_target(touchpoint=touchpoint, target_score=target_score, weight=weight)
    return touchpoint


@transaction.atomic
def touchpoint_move(*, touchpoint: Touchpoint, stage: Stage, position: int | None = None) -> Touchpoint:
    """Move a touchpoint to another stage of the same journey (or to another place in its own), at
    `position` among the active ones (the end by default). History moves with it: signals belong to
    the touchpoint, not the stage."""
    if stage.journey_id != touchpoint.stage.journey_id:
        raise DomainError(_("A touchpoint can move only between stages of its own journey."), field="stage")
    _lock_journey(stage.journey_id)
    if not touchpoint.is_active:
        raise ConflictError(_("Restore the touchpoint before moving it."), field="stage")
    if stage.pk != touchpoint.stage_id:
        _touchpoint_name(touchpoint.name, stage=stage, touchpoint=touchpoint)
    source = touchpoint.stage_id
    touchpoint.stage = stage
    touchpoint.save(update_fields=["stage", "updated_at"])
    _place(touchpoint, stage.pk, position)
    if source != stage.pk:
        _renumber(_active_in(source))
    return touchpoint


@transaction.atomic
def touchpoint_move_step(*, touchpoint: Touchpoint, direction: str) -> Touchpoint:
    """Move an active touchpoint one place up or down within its stage."""
    if direction not in ("up", "down"):
        raise DomainError(_("Move a touchpoint up or down."), field="direction")
    _lock_journey(touchpoint.stage.journey_id)
    rows = _active_in(touchpoint.stage_id)
    index = next((i for i, tp in enumerate(rows) if tp.pk == touchpoint.pk), None)
    if index is None:
        raise ConflictError(_("Restore the touchpoint before moving it."), field="direction")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        message = (_("“%(name)s” is the first in its stage already.") if direction == "up"
                   else _("“%(name)s” is the last in its stage already."))
        raise DomainError(message % {"name": touchpoint.name}, field="direction")
    rows[index], rows[other] = rows[other], rows[index]
    _renumber(rows)
    return rows[other]


@transaction.atomic
def touchpoint_archive(*, touchpoint: Touchpoint, at: datetime | None = None) -> Touchpoint:
    """Take a touchpoint off the map. Its signals and daily components stay, so scores over windows
    that include its past are not rewritten; new signals can no longer be placed on it by the pages."""
    _lock_journey(touchpoint.stage.journey_id)
    touchpoint.refresh_from_db(fields=["is_active", "archived_at", "position"])
    if not touchpoint.is_active:
        raise ConflictError(_("“%(name)s” is archived already.") % {"name": touchpoint.name}, field="touchpoint")
    touchpoint.is_active = False
    touchpoint.archived_at = at or timezone.now()
    touchpoint.save(update_fields=["is_active", "archived_at", "updated_at"])
    _renumber(_active_in(touchpoint.stage_id))
    return touchpoint


@transaction.atomic
def touchpoint_restore(*, touchpoint: Touchpoint) -> Touchpoint:
    """Put an archived touchpoint back on the map, at the end of its stage."""
    _lock_journey(touchpoint.stage.journey_id)
    touchpoint.refresh_from_db(fields=["is_active", "archived_at", "position"])
    if touchpoint.is_active:
        raise ConflictError(_("“%(name)s” is not archived.") % {"name": touchpoint.name}, field="touchpoint")
    touchpoint.is_active = True
    touchpoint.archived_at = None
    touchpoint.position = len(_active_in(touchpoint.stage_id))
    touchpoint.save(update_fields=["is_active", "archived_at", "position", "updated_at"])
    return touchpoint


@transaction.atomic
def touchpoint_delete(*, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint that has no history; one with signals can only be archived."""
    _lock_journey(touchpoint.stage.journey_id)
    if _has_history([touchpoint.pk]):
        raise DomainError(_("“%(name)s” has recorded signals, so it cannot be deleted; archive it instead.")
                          % {"name": touchpoint.name}, field="touchpoint", code="has_history")
    stage_id = touchpoint.stage_id
    _delete(touchpoint,
            _("The touchpoint is still referenced by %(names)s; remove those first or archive instead."))
    _renumber(_active_in(stage_id))


# --- Personas ----------------------------------------------------------------------------------------


def _persona_fields(*, program: Program, name: str, description: str, needs: str, segment: str,
                    persona: Persona | None) -> dict[str, Any]:
    name = _unique_name(name, siblings=Persona.objects.filter(program=program), current=persona,
                        clash_message=_("The program has a persona called “%(name)s” already."),
                        max_length=120)
    segment = (segment or "").strip()
    if len(segment) > 60:
        raise DomainError(_("The segment can have at most 60 characters."), field="segment")
    return {"program": program, "name": name, "description": (description or "").strip(),
            "needs": (needs or "").strip(), "segment": segment}


@transaction.atomic
def persona_create(*, program: Program, name: str, description: str = "", needs: str = "",
                   segment: str = "") -> Persona:
    """A persona of a program, optionally standing for a customer segment."""
    fields = _persona_fields(program=program, name=name, description=description, needs=needs,
                             segment=segment, persona=None)
    return _save_unique(lambda: Persona.objects.create(**fields), field="name",
                        message=_("The program has a persona called “%(name)s” already.") % {"name": fields["name"]})


@transaction.atomic
def persona_update(*, persona: Persona, program: Program | None = None, name: str,
                   description: str = "", needs: str = "", segment: str = "") -> Persona:
    fields = _persona_fields(program=program or persona.program, name=name, description=description,
                             needs=needs, segment=segment, persona=persona)
    for key, value in fields.items():
        setattr(persona, key, value)
    _save_unique(lambda: persona.save(update_fields=[*fields, "updated_at"]), field="name",
                 message=_("The program has a persona called “%(name)s” already.") % {"name": fields["name"]})
    return persona


@transaction.atomic
def persona_delete(*, persona: Persona) -> None:
    """Personas carry no history: deleting one removes only its description."""
    persona.delete()
