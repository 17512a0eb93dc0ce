"""Throttling: a caller over its rate gets 429 with Retry-After and the JSON error, in any cache."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import caches
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from cxhub.api import parse_rate

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cxhub.test_api_throttling")]

CUSTOMERS = "/api/v1/customers/"


class OpenView(APIView):
    """Stands for the few endpoints open without a token."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("open/", OpenView.as_view()),
    path("", include("cxhub.urls")),
]


@pytest.fixture
def rates(settings):
    """Tiny rates for the test; counts from earlier tests are forgotten."""

    def set_rates(user: str | None = "3/min", anon: str | None = "2/min") -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"user": user, "anon": anon}}
        cache = caches["default"]
        if "LocMem" in type(cache).__name__:
            cache.clear()  # never flush a Redis database: the broker may share it

    return set_rates


def assert_throttled(response) -> None:
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    body = response.json()
    assert body["detail"] and body["code"] == "throttled"


def test_a_token_over_its_rate_gets_429_with_retry_after(api_client_for, agent, rates):
    rates(user="3/min")
    api = api_client_for(agent)

    answers = [api.get(CUSTOMERS).status_code for _ in range(3)]
    over = api.get(CUSTOMERS)

    assert answers == [200, 200, 200]
    assert_throttled(over)


def test_each_caller_has_its_own_budget(api_client_for, agent, manager, rates):
    rates(user="2/min")
    bob = api_client_for(agent)
    for _ in range(2):
        bob.get(CUSTOMERS)

    assert bob.get(CUSTOMERS).status_code == 429
    assert api_client_for(manager).get(CUSTOMERS).status_code == 200


def test_anonymous_callers_are_counted_by_address(rates):
    rates(anon="2/min")
    # addresses of this run only: a shared Redis cache keeps other runs' counts for the minute
    here, there = (f"2001:db8::{uuid.uuid4().hex[:4]}:{n}" for n in (1, 2))
    client = APIClient(REMOTE_ADDR=here)

    answers = [client.get("/open/").status_code for _ in range(2)]
    over = client.get("/open/")
    elsewhere = client.get("/open/", REMOTE_ADDR=there)

    assert answers == [200, 200]
    assert_throttled(over)
    assert elsewhere.status_code == 200


def test_no_rate_means_no_limit(api_client_for, agent, rates):
    rates(user=None)
    api = api_client_for(agent)

    assert all(api.get(CUSTOMERS).status_code == 200 for _ in range(5))


def test_the_default_rates_are_generous_enough_for_a_crm_sync(settings):
    from cxhub import settings as project_settings

    rates = project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    if os.environ.get("API_THROTTLE_USER") is None:
        assert parse_rate(rates["user"]) == (1200, 60)
    if os.environ.get("API_THROTTLE_ANON") is None:
        assert parse_rate(rates["anon"]) == (60, 60)


@pytest.mark.parametrize("rate", ["fast", "10/fortnight", "/min", "ten/min"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_a_malformed_rate_in_the_environment_stops_the_app_from_starting(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from cxhub.settings import envrate

    monkeypatch.setenv("API_THROTTLE_USER", "lots")
    with pytest.raises(ImproperlyConfigured):
        envrate("API_THROTTLE_USER", "1200/min")
    monkeypatch.setenv("API_THROTTLE_USER", "off")
    assert envrate("API_THROTTLE_USER", "1200/min") is None


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["cxhub.resilience.TolerantRedisCache",  # ours: one round trip a count
                                     "django.core.cache.backends.redis.RedisCache"])
def test_the_counts_live_in_redis_when_it_is_the_cache(api_client_for, agent, rates, settings, backend):
    prefix = f"cxhub-test-{uuid.uuid4().hex}"  # fresh counts
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": prefix}}
    rates(user="2/min")
    api = api_client_for(agent)

    answers = [api.get(CUSTOMERS).status_code for _ in range(2)]
    over = api.get(CUSTOMERS)

    assert answers == [200, 200]
    assert_throttled(over)
    # One counter, which Redis forgets once its minute (and a second) is over.
    redis = caches["default"]._cache.get_client()
    (counter,) = redis.keys(f"{prefix}:*")
    assert int(redis.get(counter)) == 3 and 0 < redis.ttl(counter) <= 61
