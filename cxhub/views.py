from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Managers start at the experience dashboard, agents at their queue, administrators at People."""
    user = request.user
    if not user.has_perm("journeys.view_journey") and not user.has_perm("tickets.view_ticket") and user.has_perm(
        "cxhub.manage_people"
    ):
        return redirect("people:list")
    if user.has_perm("journeys.change_touchpoint") or not user.has_perm("tickets.view_ticket"):
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


# --- Error pages: JSON in the API's error shape under /api/, finished pages everywhere else ------------

def _error(request: HttpRequest, status: int, detail: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    from django.shortcuts import render

    return render(request, template, {"detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request.", "400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Your role may not do this.", "403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Not found.", "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context processors here: the database may be what failed.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: the team has been told."}, status=500)
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
