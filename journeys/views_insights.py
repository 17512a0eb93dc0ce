"""Insight pages: service impact (per program, journey and touchpoint) and key drivers (per journey).

They read stored analyses (journeys.analysis); a manager may recompute one program's or one journey's
analyses for the chosen window with "Recompute now".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from cxhub.forms import flash_form_errors
from journeys import analysis
from journeys.models import AnalysisSnapshot, Journey, Program, Stage, Touchpoint
from journeys.models.analytics import AnalysisKind

VIEW_PERM = "journeys.view_analysissnapshot"
# Recomputing is work on the analyses of a whole program or journey: for those who edit them.
RECOMPUTE_PERM = "journeys.change_journey"


class RecomputeForm(forms.Form):
    window = forms.TypedChoiceField(label=gettext_lazy("Window"),
                                    choices=[(d, d) for d in analysis.ANALYSIS_WINDOWS], coerce=int)
    program = forms.ModelChoiceField(label=gettext_lazy("Program"), queryset=Program.objects.all(),
                                     required=False)
    journey = forms.ModelChoiceField(label=gettext_lazy("Journey"), queryset=Journey.objects.all(),
                                     required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and (data.get("program") is None) == (data.get("journey") is None):
            raise forms.ValidationError(_("Say which program or which journey to recompute."))
        return data


def _pick(request: HttpRequest, name: str, choices: list[Any]) -> Any:
    """The object the query string names (by id) among `choices`, else the first; a bad id says so."""
    raw = request.GET.get(name, "")
    if raw:
        match = next((c for c in choices if str(c.pk) == raw.strip()), None)
        if match is not None:
            return match
        messages.warning(request, (_("There is no such program; showing the first one instead.")
                                   if name == "program" else
                                   _("There is no such journey; showing the first one instead.")))
    return choices[0] if choices else None


def _recompute(request: HttpRequest, back: str) -> HttpResponse:
    if not request.user.has_perm(RECOMPUTE_PERM):
        raise PermissionDenied(_("Only a CX manager can recompute analyses."))
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(back)
    days, program, journey = (form.cleaned_data[k] for k in ("window", "program", "journey"))
    written = analysis.analysis_refresh(
        window_days=(days,), program_id=program.pk if program else None,
        journey_id=journey.pk if journey else None)
    scope = program or journey
    messages.success(request, ngettext(
        "Recomputed %(count)s analysis of %(name)s over the last %(days)s days.",
        "Recomputed %(count)s analyses of %(name)s over the last %(days)s days.", written)
        % {"count": written, "name": scope.name, "days": days})
    params = {"window": days, "program" if program else "journey": scope.pk}
    return redirect(f"{back}?{urlencode(params)}")


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def impact(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _recompute(request, reverse("journeys:impact"))
    days = analysis.parse_analysis_window(request.GET.get("window"))
    programs = list(Program.objects.order_by("name"))
    program = _pick(request, "program", programs)
    context: dict[str, Any] = {"programs": programs, "program": program, "window_days": days,
                               "windows": analysis.ANALYSIS_WINDOWS,
                               "can_recompute": request.user.has_perm(RECOMPUTE_PERM)}
    if program is not None:
        context.update(_impact_rows(program, days))
    return render(request, "journeys/insights/impact.html", context)


def _impact_rows(program: Program, days: int) -> dict[str, Any]:
    """The program's stored impact and a row per journey and touchpoint. Two queries."""
    touchpoints = Touchpoint.objects.filter(is_active=True).order_by("position", "id")
    journeys = list(
        program.journeys.prefetch_related(
            Prefetch("stages", queryset=Stage.objects.prefetch_related(
                Prefetch("touchpoints", queryset=touchpoints))))
    )
    journey_ids = [j.pk for j in journeys]
    tp_ids = [tp.pk for j in journeys for s in j.stages.all() for tp in s.touchpoints.all()]
    snapshots = {
        (s.scope_type, s.scope_id): s
        for s in AnalysisSnapshot.objects.filter(kind=AnalysisKind.SERVICE_IMPACT, window_days=days).filter(
            Q(scope_type="program", scope_id=program.pk) | Q(scope_type="journey", scope_id__in=journey_ids)
            | Q(scope_type="touchpoint", scope_id__in=tp_ids))
    }
    rows = []
    for journey in journeys:
        rows.append({"kind": "journey", "name": journey.name, "obj": journey,
                     "snapshot": snapshots.get(("journey", journey.pk))})
        for stage in journey.stages.all():
            for tp in stage.touchpoints.all():
                rows.append({"kind": "touchpoint", "name": tp.name, "obj": tp, "stage": stage.name,
                             "snapshot": snapshots.get(("touchpoint", tp.pk))})
    for row in rows:
        row["data"] = row["snapshot"].data if row["snapshot"] else None
    computed = [s.computed_at for s in snapshots.values()]
    return {
        "program_snapshot": snapshots.get(("program", program.pk)),
        "rows": rows,
        "chart_rows": [r for r in rows if r["data"] and r["data"]["served_customers"]],
        "computed_at": min(computed) if computed else None,
    }


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def drivers(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _recompute(request, reverse("journeys:drivers"))
    days = analysis.parse_analysis_window(request.GET.get("window"))
    journeys = list(Journey.objects.select_related("program").order_by("program__name", "position", "id"))
    journey = _pick(request, "journey", journeys)
    snapshot = None
    if journey is not None:
        snapshot = AnalysisSnapshot.objects.filter(
            kind=AnalysisKind.KEY_DRIVERS, scope_type="journey", scope_id=journey.pk, window_days=days
        ).first()
    data = snapshot.data if snapshot else None
    ranked = data["drivers"] if data else []
    return render(request, "journeys/insights/drivers.html", {
        "journeys": journeys, "journey": journey, "snapshot": snapshot, "data": data,
        "drivers": ranked,
        "charted": [d for d in ranked if d["r"] is not None],
        "any_enough": any(d["enough"] for d in ranked),
        "window_days": days, "windows": analysis.ANALYSIS_WINDOWS,
        "min_customers": analysis.MIN_DRIVER_CUSTOMERS,
        "can_recompute": request.user.has_perm(RECOMPUTE_PERM),
    })
