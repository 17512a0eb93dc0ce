"""CSV export of a filtered answer list, streamed so a large file costs flat memory.

The filters are the list's: the same query string through the same ResponseFilterSet, so the export holds
exactly the answers the list shows, on every page. Filtered to one survey, the answers to its other
questions (of every version) become columns of their own, named by question key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cxhub.csv_export import csv_stream
from feedback.filters import band_of
from feedback.models import Response, Survey, SurveyVersion

CHUNK_SIZE = 2000  # rows fetched per round trip; the iterator holds one chunk at a time

COLUMNS = (
    "id", "answered_at", "survey", "kind", "survey_version", "score", "scale_min", "scale_max", "band",
    "customer", "customer_external_id", "touchpoint", "journey", "ticket", "language", "sentiment",
    "themes", "comment", "follow_up_ticket", "loop_closed_at", "formula_version",
)


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def question_keys(survey: Survey) -> list[str]:
    """The keys of a survey's non-primary questions over all its versions, newest version's order first."""
    keys: list[str] = []
    versions = SurveyVersion.objects.filter(survey=survey).order_by("-number").values_list("definition", flat=True)
    for definition in versions:
        for question in definition.get("questions", []):
            if not question.get("primary") and question["key"] not in keys:
                keys.append(question["key"])
    return keys


def _answer(value: Any) -> object:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def response_row(r: Response) -> list[object]:
    band = band_of(r.survey.kind, r.score)
    return [
        r.pk, _when(r.answered_at), r.survey.name, r.survey.kind, r.survey_version, r.score, r.scale_min,
        r.scale_max, band, r.customer.name, r.customer.external_id, r.touchpoint.name,
        r.touchpoint.stage.journey.name, r.ticket_id or "", r.language, r.sentiment,
        "; ".join(t.name for t in r.themes.all()), r.comment, r.follow_up_ticket_id or "",
        _when(r.loop_closed_at), r.formula_version,
    ]


def csv_rows(responses: QuerySet[Response], *, survey: Survey | None = None) -> Iterator[str]:
    """The export as CSV text in pieces; filtered to one survey, its other questions become columns."""
    keys = question_keys(survey) if survey is not None else []
    rows = (
        [*response_row(r), *(_answer((r.answers or {}).get(key)) for key in keys)]
        for r in responses.prefetch_related("themes").iterator(chunk_size=CHUNK_SIZE)
    )
    return csv_stream([*COLUMNS, *(f"answer:{key}" for key in keys)], rows)
