"""Readiness, and the answer while the database is away: 503 with Retry-After, never a 500 or a hang.

PostgreSQL being down (restarting, failing over, unreachable) shows up as OperationalError or
InterfaceError from the first query of a request, within DB_CONNECT_TIMEOUT_SECONDS. A view's is
answered by DatabaseOutageMiddleware, one raised in another middleware (a session or an Idempotency-Key
looked up before the view) by `server_error`, the site's handler500. The app recovers by itself: the
connection health check drops the dead connection and the next request opens a new one.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext

from cxhub import views

logger = logging.getLogger(__name__)

DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5  # a restart usually takes a few seconds; clients should not hammer meanwhile


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error shape under /api/, a finished page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": "The service is briefly unavailable: the database cannot be reached. Retry later.",
             "code": "service_unavailable"},
            status=503,
        )
    else:
        try:
            # No request context: its processors would query the database that just failed.
            page = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        except Exception:  # an error page must not fail itself
            logger.exception("The 503 page could not be rendered")
            page = gettext("CX Hub is briefly unavailable. Please try again in a minute.")
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Answers a view's database outage with `database_unavailable` instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN_ERRORS):
            return None
        logger.warning("Database unavailable, %s %s answered 503: %s", request.method, request.path,
                       exception, exc_info=exception)
        return database_unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage raised outside a view is a 503 too; anything else the 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN_ERRORS):
        return database_unavailable(request)
    return views.server_error(request)


# --- Readiness ---------------------------------------------------------------------------------------


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"unavailable ({type(exc).__name__})"
    return "ok"


def _redis_state(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT_SECONDS,
                                  socket_timeout=settings.REDIS_SOCKET_TIMEOUT_SECONDS)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"unavailable ({type(exc).__name__})"
    finally:
        client.close()
    return "ok"


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer: 200 when the database and Redis (broker and cache, if configured)
    answer, else 503 naming what does not. Liveness, with the database only, is /healthz."""
    checks = {"database": _database_state()}
    cache = settings.CACHES["default"]
    if "redis" in cache["BACKEND"].lower():
        checks["cache"] = _redis_state(cache["LOCATION"])
    broker = str(settings.CELERY_BROKER_URL)
    if broker.startswith(("redis://", "rediss://")):
        checks["broker"] = _redis_state(broker)
    ready = all(state == "ok" for state in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks},
                            status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
