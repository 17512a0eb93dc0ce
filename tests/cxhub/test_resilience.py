"""Outages of the services around the app: Redis (broker and cache) and PostgreSQL.

The outside world fails for real where it can: the broker and the cache point at a loopback port nobody
listens on. A database outage is raised at the database boundary (Django's execute wrapper) with the
error the driver gives when the server is gone; bench/drills/postgres_restart.py stops a real server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from bench.common import COMPONENT_COLUMNS
from cxhub.celery import app
from cxhub.models import WebhookDelivery, WebhookEvent
from cxhub.resilience import TolerantRedisCache, outages, webhooks_catch_up
from cxhub.roles import API_CLIENT_WRITE
from cxhub.webhooks.choices import DeliveryStatus
from journeys.models import ExperienceSignal, ScoreComponentDaily
from journeys.rollup import recompute_all, rollup_new_signals
from tests.cxhub.factories import UserFactory
from tests.feedback.factories import make_survey
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
RESPONSES = "/api/v1/responses/"
SIGNALS = "/api/v1/signals/"


def closed_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused, as to a Redis that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_remembered_outage():
    outages.clear()
    yield
    outages.clear()


def forget_broker_connections() -> None:
    """Celery keeps the connection pool it made for the app's broker URL (another test may have used the
    real broker); forget it, as a forked process does, so the next call connects to the URL set now."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down() -> Iterator[str]:
    """Tasks go to a broker that refuses connections instead of running in-process."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    saved = {name: app.conf[name] for name in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    forget_broker_connections()
    try:
        yield url
    finally:
        app.conf.update(saved)
        forget_broker_connections()


@contextlib.contextmanager
def database_down(*, from_statement: str = "") -> Iterator[None]:
    """Queries fail as they do when the PostgreSQL server has gone away: every one, or every one from the
    first that starts with `from_statement` (the server dies in the middle of a request)."""
    gone = not from_statement

    def refuse(execute, sql, params, many, context):
        nonlocal gone
        gone = gone or sql.startswith(from_statement)
        if gone:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def components() -> list[tuple]:
    return list(ScoreComponentDaily.objects.order_by("touchpoint_id", "day", "segment")
                .values_list(*COMPONENT_COLUMNS))


# --- Redis away: writes still succeed, the reconcilers catch up ----------------------------------------


def test_writes_succeed_while_the_broker_is_down_and_the_reconcilers_catch_up_after(
        api_client_for, agent, customer, touchpoint, subscription, receiver, settings,
        django_capture_on_commit_callbacks, caplog):
    # given a touchpoint with a survey, a webhook subscription, and a broker that refuses connections
    settings.ROLLUP_DEBOUNCE_SECONDS = 0  # each signal queues its rollup at once: every queuing is tried
    survey = make_survey(touchpoint=touchpoint)
    crm = UserFactory(username="crm-sync")
    crm.groups.add(Group.objects.get(name=API_CLIENT_WRITE))
    agent_api, crm_api = api_client_for(agent), api_client_for(crm)
    caplog.set_level(logging.WARNING, logger="cxhub.resilience")

    # when a ticket, an answer and a CRM signal are posted
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):  # each call commits, then queues
            ticket = agent_api.post(TICKETS, {"customer": customer.pk, "subject": "Brakes squeal",
                                              "body": "Since Monday.", "touchpoint": touchpoint.pk}, format="json")
        outages.clear()  # forget the failure, so the rollup's queuing below is tried too
        with django_capture_on_commit_callbacks(execute=True):
            answer = agent_api.post(RESPONSES, {"survey": survey.pk, "customer": customer.pk, "score": 2},
                                    format="json")
        with django_capture_on_commit_callbacks(execute=True):
            signal = crm_api.post(SIGNALS, {
                "touchpoint": touchpoint.pk, "customer": customer.pk, "kind": "sla_breached",
                "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(), "external_id": "DLV-1-late",
            }, format="json")

    # then every write was answered and stored, though nothing could be queued
    assert (ticket.status_code, answer.status_code, signal.status_code) == (201, 201, 201), (
        ticket.json(), answer.json(), signal.json())
    assert Ticket.objects.filter(subject="Brakes squeal").exists()
    assert ExperienceSignal.objects.count() == 2
    assert not ScoreComponentDaily.objects.exists()  # no rollup ran
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Could not queue cxhub.tasks.deliver_webhook" in m for m in warnings), warnings
    assert any("Could not queue journeys.tasks.rollup_scores" in m for m in warnings), warnings

    # when the broker is back and the reconcilers run (beat's rollup and webhook sweep)
    with django_capture_on_commit_callbacks(execute=True):
        rolled = rollup_new_signals()
        swept = webhooks_catch_up(now=timezone.now(), limit=100)

    # then the scores count each signal once, as a full recompute does
    assert rolled.signals == 2
    caught_up = components()
    assert sum(row[COMPONENT_COLUMNS.index("signals")] for row in caught_up) == 2
    recompute_all()
    assert components() == caught_up
    # and every event went out once
    events = set(WebhookEvent.objects.values_list("id", flat=True))
    assert {"ticket.created", "response.created"} <= set(WebhookEvent.objects.values_list("type", flat=True))
    assert swept["queued"] == len(events)
    assert sorted(r.json["id"] for r in receiver.requests) == sorted(events)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_an_agent_logs_a_ticket_on_the_page_while_the_broker_is_down(
        agent_client, customer, touchpoint, subscription, django_capture_on_commit_callbacks):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(reverse("tickets:create"), {
            "customer": customer.pk, "touchpoint": touchpoint.pk, "channel": "phone", "priority": "normal",
            "subject": "Ο συναγερμός χτυπάει", "body": "Κάθε βράδυ.",
        })

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("tickets:detail", args=[ticket.pk])
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # for the sweep


def test_the_sweep_stops_queuing_at_the_first_broker_failure_and_leaves_the_rest_due(
        customer, subscription, django_capture_on_commit_callbacks, caplog):
    from cxhub.webhooks import events
    from cxhub.webhooks.services import event_emit

    with django_capture_on_commit_callbacks(execute=False):  # emitted, never queued
        for n in range(3):
            event_emit(events.TICKET_CREATED, {"id": n})

    with broker_down():
        swept = webhooks_catch_up(now=timezone.now(), limit=100)

    assert swept["queued"] == 0
    assert len([r for r in caplog.records if "Could not queue" in r.getMessage()]) == 1
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3


def test_the_cache_acts_as_an_empty_one_while_redis_is_unreachable(caplog):
    cache = TolerantRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}})

    assert cache.add("k", 1) is False
    assert cache.get("k", "missing") == "missing"
    cache.set("k", 2)
    assert cache.get_many(["k"]) == {} and not cache.has_key("k")
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.delete("k") is False
    # told once, then the server is left alone for the pause
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


def test_the_api_throttle_lets_calls_through_while_the_cache_is_unreachable(api_client_for, agent, settings):
    settings.CACHES = {"default": {"BACKEND": "cxhub.resilience.TolerantRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "100/min", "anon": "10/min"}}

    response = api_client_for(agent).get(TICKETS)

    assert response.status_code == 200


# --- PostgreSQL away: 503 with Retry-After, and back by itself ----------------------------------------


def test_the_api_answers_503_json_with_retry_after_while_the_database_is_down(api_client_for, agent):
    api = api_client_for(agent)

    with database_down():
        response = api.get(TICKETS)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] and response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0
    # and the next call, the database back, is answered as usual
    assert api.get(TICKETS).status_code == 200


def test_a_write_cut_off_by_the_database_going_away_answers_503_and_leaves_no_half_record(
        transactional_db, api_client_for, agent, customer):
    # (transactional: the service's transaction is the outermost one, rolled back as in production)
    api = api_client_for(agent)

    # the server goes away after the ticket's row is written, before its first message is
    with database_down(from_statement='INSERT INTO "tickets_ticketmessage"'):
        response = api.post(TICKETS, {"customer": customer.pk, "subject": "Noise", "body": "A rattle."},
                            format="json")

    assert response.status_code == 503 and response.json()["code"] == "service_unavailable"
    assert not Ticket.objects.exists()


def test_a_page_answers_a_finished_503_page_while_the_database_is_down(agent_client):
    # the session is read in a middleware, before any view: the site's error handler answers
    agent_client.raise_request_exception = False

    with database_down():
        response = agent_client.get(reverse("tickets:list"))

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "briefly unavailable" in page and 'href="/"' in page and "<main" in page
    assert agent_client.get(reverse("tickets:list")).status_code == 200


def test_readyz_answers_200_when_the_database_and_redis_answer(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = "memory://"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_answers_503_naming_what_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    with database_down():
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("unavailable")
    assert body["checks"]["broker"].startswith("unavailable")
    assert int(response["Retry-After"]) > 0


@pytest.mark.postgres
def test_postgresql_connections_give_up_within_seconds_and_are_checked_before_reuse():
    options = connection.settings_dict["OPTIONS"]

    assert 0 < options["connect_timeout"] <= 5
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
