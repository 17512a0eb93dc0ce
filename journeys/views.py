"""The CX manager's pages: the program dashboard and the journey map."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from journeys import selectors
from journeys.models import Journey


def _window(request: HttpRequest) -> selectors.Window:
    return selectors.Window.last(selectors.parse_window(request.GET.get("window")))


@login_required
@permission_required("journeys.view_journey", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    window = _window(request)
    return render(request, "journeys/dashboard.html", {
        "programs": selectors.program_scorecards(window=window),
        "window": window,
        "windows": selectors.WINDOWS,
    })


@login_required
@permission_required("journeys.view_journey", raise_exception=True)
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    window = _window(request)
    try:
        card = selectors.journey_scorecard(journey_id=pk, window=window)
    except Journey.DoesNotExist:
        raise Http404("No such journey.") from None
    return render(request, "journeys/journey_detail.html", {
        "card": card, "window": window, "windows": selectors.WINDOWS,
    })
