"""A touchpoint's page: its figures, what is behind them, and (for a manager) its target and weight."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cxhub.forms import run_service
from journeys import drilldown, panels, selectors, services
from journeys.forms import TouchpointTargetForm
from journeys.models import Touchpoint
from journeys.views import _window


@login_required
@permission_required("journeys.view_touchpoint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def touchpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        touchpoint = selectors.touchpoint_get(touchpoint_id=pk)
    except Touchpoint.DoesNotExist:
        raise Http404("No such touchpoint.") from None
    can_edit = request.user.has_perm("journeys.change_touchpoint")
    form = TouchpointTargetForm(initial={"target_score": touchpoint.target_score,
                                         "weight": touchpoint.weight})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only a CX manager can change targets and weights."))
        form = TouchpointTargetForm(request.POST)
        if form.is_valid() and run_service(form, lambda: services.touchpoint_set_target(
                touchpoint=touchpoint, **form.cleaned_data)):
            messages.success(request, _("Saved the target and weight of %(name)s.")
                             % {"name": touchpoint.name})
            return redirect("journeys:touchpoint", pk=touchpoint.pk)
    window = _window(request)
    card = selectors.TouchpointCard(
        touchpoint, selectors.touchpoint_scorecard(touchpoint=touchpoint, window=window))
    return render(request, "journeys/touchpoint_detail.html", {
        "touchpoint": touchpoint, "program": touchpoint.stage.journey.program,
        "card": card,
        "series": drilldown.touchpoint_series(touchpoint=touchpoint, window=window),
        "figures": drilldown.touchpoint_figures(touchpoint=touchpoint, window=window,
                                                components=card.score.components),
        "initiatives": drilldown.touchpoint_initiatives(touchpoint=touchpoint),
        "impact": drilldown.touchpoint_impact(touchpoint=touchpoint, window=window),
        "panels": panels.panels_render(
            panels=panels.touchpoint_panels(touchpoint=touchpoint, window=window, user=request.user),
            request=request, window=window, touchpoint=touchpoint),
        "form": form, "can_edit": can_edit, "window": window, "windows": selectors.WINDOWS,
    }, status=400 if form.errors else 200)
