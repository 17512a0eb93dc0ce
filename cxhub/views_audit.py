"""The audit log of configuration changes: who changed a target, a weight, a role, a routing rule ..."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PAGE_SIZE = 50


def _int(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return None


@login_required
@permission_required("auditlog.view_logentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest first, filtered by what changed, who changed it and when; an unreadable filter is
    ignored and said so."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    ignored = []
    params = request.GET
    if params.get("model"):
        if (model := _int(params["model"])) is not None:
            entries = entries.filter(content_type_id=model)
        else:
            ignored.append("model")
    if params.get("actor"):
        if (actor := _int(params["actor"])) is not None:
            entries = entries.filter(actor_id=actor)
        else:
            ignored.append("actor")
    for name, lookup in (("since", "timestamp__date__gte"), ("until", "timestamp__date__lte")):
        if params.get(name):
            if (day := _date(params[name])) is not None:
                entries = entries.filter(**{lookup: day})
            else:
                ignored.append(name)
    if params.get("q"):
        entries = entries.filter(object_repr__icontains=params["q"][:100])
    page = Paginator(entries, PAGE_SIZE).get_page(params.get("page"))
    tracked = LogEntry.objects.values_list("content_type_id", flat=True).distinct().order_by()
    return render(request, "cxhub/audit_log.html", {
        "page_obj": page,
        "models": ContentType.objects.filter(pk__in=tracked).order_by("app_label", "model"),
        "actors": get_user_model().objects.filter(
            pk__in=LogEntry.objects.values("actor_id").distinct().order_by()
        ).order_by("username"),
        "ignored": ignored,
    })
