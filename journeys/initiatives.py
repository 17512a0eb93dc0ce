"""Improvement initiatives: writes, and the before-and-after comparison of their touchpoints.

The comparison reads only the daily components, in one query. Whether a change is beyond noise is
decided by the shared test in journeys.scoring (docs/goals.md, "Initiatives").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, CharField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cxhub.exceptions import ConflictError, DomainError
from cxhub.languages import local_decimal
from journeys import scoring
from journeys.models import Initiative, InitiativeStatus, Program, ScoreComponentDaily, Touchpoint
from journeys.scoring import Components, Metric, Score, touchpoint_score, validate_weights

COMPARED = ("csat", "nps", "ces", "sla", "fcr")  # the metrics the table compares, after the score
MAX_DAYS = 365

# Which status may follow which. Recording an initiative after the fact may start in any status.
TRANSITIONS: dict[str, set[str]] = {
    InitiativeStatus.PLANNED: {InitiativeStatus.ACTIVE, InitiativeStatus.CANCELLED},
    InitiativeStatus.ACTIVE: {InitiativeStatus.DONE, InitiativeStatus.CANCELLED},
    InitiativeStatus.DONE: {InitiativeStatus.ACTIVE},
    InitiativeStatus.CANCELLED: {InitiativeStatus.PLANNED},
}


# --- Writes ------------------------------------------------------------------------------------------


def _fields(*, program: Program, name: str, description: str, touchpoints: Iterable[Touchpoint],
            owner: Any, status: str, start_date: Any, end_date: Any) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("The name is required."), field="name")
    if len(name) > 150:
        raise DomainError(_("The name can have at most %(max)s characters.") % {"max": 150}, field="name")
    if status not in InitiativeStatus.values:
        raise DomainError(_("Choose a status from the list."), field="status")
    if not isinstance(start_date, dt.date):
        raise DomainError(_("The start date must be a date."), field="start_date")
    if end_date is not None and not isinstance(end_date, dt.date):
        raise DomainError(_("The end date must be a date."), field="end_date")
    if end_date is not None and end_date < start_date:
        raise DomainError(_("The end date cannot be before the start date."), field="end_date")
    if owner is not None:
        user_model = get_user_model()
        if not user_model.objects.filter(pk=owner.pk, is_active=True).exists():
            raise DomainError(_("The owner must be an active user."), field="owner")
    touchpoints = list(touchpoints)
    ids = [tp.pk for tp in touchpoints]
    in_program = set(Touchpoint.objects.filter(pk__in=ids, stage__journey__program=program)
                     .values_list("pk", flat=True))
    foreign = [tp.name for tp in touchpoints if tp.pk not in in_program]
    if foreign:
        raise DomainError(_("Touchpoints must belong to the program “%(program)s”: %(names)s do not.")
                          % {"program": program.name, "names": ", ".join(foreign)}, field="touchpoints")
    return {"name": name, "description": (description or "").strip(), "owner": owner,
            "status": status, "start_date": start_date, "end_date": end_date,
            "touchpoints": touchpoints}


@transaction.atomic
def initiative_create(*, program: Program, name: str, start_date: dt.date, description: str = "",
                      touchpoints: Iterable[Touchpoint] = (), owner: Any = None,
                      status: str = InitiativeStatus.PLANNED, end_date: dt.date | None = None) -> Initiative:
    """An improvement initiative at touchpoints of one program, owned by an active user."""
    fields = _fields(program=program, name=name, description=description, touchpoints=touchpoints,
                     owner=owner, status=status, start_date=start_date, end_date=end_date)
    touchpoints = fields.pop("touchpoints")
    initiative = Initiative.objects.create(program=program, **fields)
    initiative.touchpoints.set(touchpoints)
    return initiative


@transaction.atomic
def initiative_update(*, initiative: Initiative, name: str, start_date: dt.date, description: str = "",
                      touchpoints: Iterable[Touchpoint] = (), owner: Any = None,
                      status: str | None = None, end_date: dt.date | None = None) -> Initiative:
    """Change an initiative; a status change must follow TRANSITIONS (e.g. done → active, not
    cancelled → done)."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    status = status or initiative.status
    if status != initiative.status and status not in TRANSITIONS.get(initiative.status, set()):
        raise ConflictError(
            _("An initiative that is %(status)s cannot become %(new_status)s.") % {
                "status": InitiativeStatus(initiative.status).label.lower(),
                "new_status": (InitiativeStatus(status).label.lower() if status in InitiativeStatus.values
                               else status)},
            field="status")
    fields = _fields(program=initiative.program, name=name, description=description,
                     touchpoints=touchpoints, owner=owner, status=status, start_date=start_date,
                     end_date=end_date)
    touchpoints = fields.pop("touchpoints")
    for key, value in fields.items():
        setattr(initiative, key, value)
    initiative.save(update_fields=[*fields, "updated_at"])
    initiative.touchpoints.set(touchpoints)
    return initiative


def initiative_list(*, status: str | None = None, program_id: int | None = None) -> QuerySet[Initiative]:
    qs = Initiative.objects.select_related("program", "owner").prefetch_related("touchpoints")
    if status:
        qs = qs.filter(status=status)
    if program_id:
        qs = qs.filter(program_id=program_id)
    return qs.order_by("-start_date", "-id")


# --- Noise -------------------------------------------------------------------------------------------


def beyond_noise(before: Metric, after: Metric) -> bool | None:
    """Whether the figure moved by more than chance explains (journeys.scoring.differs_beyond_noise:
    pooled z-tests at 5%, two-sided); None when either side has fewer answers than the program's
    minimum sample, too few to judge."""
    if not (before.enough and after.enough):
        return None
    return scoring.differs_beyond_noise(after, before)


# --- Before and after --------------------------------------------------------------------------------


@dataclass
class MetricChange:
    key: str
    label: str
    unit: str
    before: Metric
    after: Metric
    beyond_noise: bool | None

    @property
    def delta(self) -> float | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value

    @property
    def delta_text(self) -> str:
        """The change in points, signed ("+12.5"); NPS in whole points."""
        if self.delta is None:
            return "—"
        return f"{self.delta:+.0f}" if self.key == "nps" else local_decimal(f"{self.delta:+.1f}")

    @property
    def before_text(self) -> str:
        return self._text(self.before)

    @property
    def after_text(self) -> str:
        return self._text(self.after)

    def _text(self, m: Metric) -> str:
        if m.value is None:
            return "—"
        if self.key == "nps":
            return f"{m.value:+.0f}"
        return local_decimal(f"{m.value:.1f}{self.unit}")

    @property
    def direction(self) -> str:
        """better / worse / same (within noise) / unknown (too few answers)."""
        if self.beyond_noise is None or self.delta is None:
            return "unknown"
        if not self.beyond_noise:
            return "same"
        return "better" if self.delta > 0 else "worse"


@dataclass
class TouchpointChange:
    touchpoint: Touchpoint | None  # None for the row of all linked touchpoints together
    before: Score
    after: Score
    metrics: list[MetricChange] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.touchpoint.name if self.touchpoint else _("All linked touchpoints")

    @property
    def score_delta(self) -> float | None:
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value

    @property
    def score_delta_text(self) -> str:
        return "—" if self.score_delta is None else local_decimal(f"{self.score_delta:+.1f}")


@dataclass
class BeforeAfter:
    initiative: Initiative
    days: int
    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date | None  # None when the initiative has not started yet
    rows: list[TouchpointChange]

    @property
    def after_days(self) -> int:
        return 0 if self.after_end is None else (self.after_end - self.after_start).days + 1

    @property
    def total(self) -> TouchpointChange | None:
        return self.rows[-1] if len(self.rows) > 1 else None


def _change(touchpoint: Touchpoint | None, before: Components, after: Components,
            weights: dict[str, float], min_sample: int) -> TouchpointChange:
    s_before = touchpoint_score(before, weights=weights, min_sample=min_sample)
    s_after = touchpoint_score(after, weights=weights, min_sample=min_sample)
    e_before = scoring.experience_metric(s_before, weights)
    e_after = scoring.experience_metric(s_after, weights)
    metrics = [MetricChange("experience", e_before.label, "", e_before, e_after,
                            beyond_noise(e_before, e_after))]
    metrics += [
        MetricChange(key, s_before.metrics[key].label, s_before.metrics[key].unit, s_before.metrics[key],
                     s_after.metrics[key], beyond_noise(s_before.metrics[key], s_after.metrics[key]))
        for key in COMPARED
    ]
    return TouchpointChange(touchpoint, s_before, s_after, metrics)


def initiative_before_after(initiative: Initiative, *, days: int = 30,
                            today: dt.date | None = None) -> BeforeAfter:
    """Each linked touchpoint's figures in the `days` days before the start date against the `days`
    days from the start date on (cut at the end date and at today), with samples and whether each
    change is beyond noise. One query over the daily components for all touchpoints and both periods.

    The experience score of each period is the blend of that period's components; a row for all the
    linked touchpoints together sums their components (when more than one is linked).
    """
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_("Compare from 1 to %(max)s days.") % {"max": MAX_DAYS}, field="days")
    today = today or timezone.localdate()
    start = initiative.start_date
    before_start, before_end = start - dt.timedelta(days=days), start - dt.timedelta(days=1)
    after_end: dt.date | None = min(start + dt.timedelta(days=days - 1), today)
    if initiative.end_date is not None:
        after_end = min(after_end, initiative.end_date)
    if after_end < start:
        after_end = None
    touchpoints = sorted(initiative.touchpoints.select_related("stage__journey"),
                         key=lambda tp: (tp.stage.journey.position, tp.stage.journey_id,
                                         tp.stage.position, tp.position, tp.pk))
    program = initiative.program
    weights = validate_weights(program.score_weights)
    n = program.min_sample_size

    parts: dict[tuple[int, str], Components] = {}
    if touchpoints:
        periods = [When(day__lte=before_end, then=Value("before"))]
        condition = Q(day__gte=before_start, day__lte=before_end)
        if after_end is not None:
            periods.append(When(day__gte=start, then=Value("after")))
            condition |= Q(day__gte=start, day__lte=after_end)
        rows = (
            ScoreComponentDaily.objects.filter(condition, touchpoint__in=[tp.pk for tp in touchpoints])
            .annotate(period=Case(*periods, output_field=CharField()))
            .values("touchpoint_id", "period")
            .annotate(**{name: Sum(name) for name in Components.names()})
            .order_by()
        )
        parts = {(row["touchpoint_id"], row["period"]): Components.from_mapping(row) for row in rows}

    changes = [
        _change(tp, parts.get((tp.pk, "before"), Components()), parts.get((tp.pk, "after"), Components()),
                weights, n)
        for tp in touchpoints
    ]
    if len(changes) > 1:
        changes.append(_change(
            None,
            Components.total(parts.get((tp.pk, "before"), Components()) for tp in touchpoints),
            Components.total(parts.get((tp.pk, "after"), Components()) for tp in touchpoints),
            weights, n,
        ))
    return BeforeAfter(initiative, days, before_start, before_end, start, after_end, changes)
