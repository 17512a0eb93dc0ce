"""The CX manager's pages: the program dashboard and the journey map."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from journeys import selectors, trends
from journeys.choices import Channel
from journeys.models import Journey, Program


def window_from_request(request: HttpRequest) -> selectors.Window:
    """The window the query string asks for (`window`, or `start` and `end`); a bad one falls back
    to the default and the page says so."""
    window, errors = trends.window_from_params(request.GET)
    if errors:
        messages.warning(request, " ".join([
            *errors.messages,
            _("Showing the last %(days)s days instead.") % {"days": trends.DEFAULT_WINDOW}]))
    return window


# The touchpoint page reads its window the same way.
_window = window_from_request


def score_query(request: HttpRequest, *, compare: bool = True) -> tuple[selectors.ScoreQuery,
                                                                        dict[str, Any]]:
    """The window, segment and channel filters and granularity of a score page, with the context
    its filter bar needs. Unknown values fall back and the page says so; none is a 400 or a 500."""
    window = window_from_request(request)
    segments = trends.segment_choices()
    score_filter, problems = trends.filter_from_params(request.GET, segments=segments)
    granularity, unknown = trends.parse_granularity(request.GET.get("granularity"), window)
    if unknown:
        problems.append(_("Unknown granularity: showing the series by %(granularity)s.")
                        % {"granularity": trends.GRANULARITY_LABELS[granularity]})
    for problem in problems:
        messages.warning(request, problem)
    query = selectors.ScoreQuery(window, score_filter, granularity, compare)
    keep = [*window.params, *score_filter.params]
    if request.GET.get("granularity") and not unknown:
        keep.append(("granularity", granularity))
    return query, {
        "query": query,
        "window": window,
        "previous_window": query.previous,
        "windows": selectors.WINDOWS,
        "custom_windows": True,
        "buckets": query.buckets,
        "granularity": granularity,
        "granularity_label": trends.GRANULARITY_LABELS[granularity],
        "granularities": trends.GRANULARITIES,
        "segments": [(s or trends.NO_SEGMENT, s or _("No segment")) for s in segments],
        "channels": Channel.choices,
        "score_filter": score_filter,
        "selected_segment": (None if score_filter.segment is None
                             else score_filter.segment or trends.NO_SEGMENT),
        # Links to other score pages keep the window and the filters.
        "keep_query": urlencode(keep),
    }


@login_required
@permission_required("journeys.view_journey", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    query, context = score_query(request)
    programs = selectors.program_scorecards(query=query, breakdowns=True)
    for card in programs:
        card.more = _dashboard_sections(card.program, query.window)
    context["programs"] = programs
    return render(request, "journeys/dashboard.html", context)


def _dashboard_sections(program: Program, window: selectors.Window) -> dict[str, object]:
    """Alerts, customers at risk, goals and service impact of one program: a few queries each,
    whatever the size of the program."""
    from journeys import alerts, analysis, goals, health

    sections: dict[str, object] = {}
    sections.update(alerts.dashboard_context(program=program, window=window))
    sections.update(health.dashboard_context(program=program, window=window))
    sections.update(goals.dashboard_context(program=program, window=window))
    sections["insights"] = analysis.dashboard_context(program=program, window=window)
    return sections


@login_required
@permission_required("journeys.view_journey", raise_exception=True)
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    query, context = score_query(request)
    try:
        card = selectors.journey_scorecard(journey_id=pk, query=query)
    except Journey.DoesNotExist:
        raise Http404("No such journey.") from None
    context["card"] = card
    return render(request, "journeys/journey_detail.html", context)
