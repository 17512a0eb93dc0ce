"""Reads on the feedback side."""

from __future__ import annotations

from django.db.models import QuerySet

from feedback.models import Response


def response_list(*, kind: str = "", touchpoint_id: int | None = None) -> QuerySet[Response]:
    """Answers, newest first, with what the list shows joined in."""
    responses = Response.objects.select_related(
        "survey", "customer", "touchpoint__stage__journey", "ticket"
    )
    if kind:
        responses = responses.filter(survey__kind=kind)
    if touchpoint_id:
        responses = responses.filter(touchpoint_id=touchpoint_id)
    return responses.order_by("-answered_at", "-id")
