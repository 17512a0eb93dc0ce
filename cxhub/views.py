from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Managers start at the experience dashboard, agents at their queue."""
    if request.user.has_perm("journeys.change_touchpoint") or not request.user.has_perm(
        "tickets.view_ticket"
    ):
        return redirect("journeys:dashboard")
    return redirect("tickets:list")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and container healthchecks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not healthy", never a 500 page
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok"})
