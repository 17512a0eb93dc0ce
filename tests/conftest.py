"""Shared fixtures: the cast of personas, and the rule for tests that need real services.

A test marked `postgres`, `redis` or `compose` skips with the reason when the service is missing on a
developer's machine, and fails when it is missing in CI (CI=true), where it must be there.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _postgres_problem() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: DATABASE_URL is not a postgres:// URL"
    return None


def _redis_problem() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"needs Redis: {url} does not answer ({exc})"
    return None


def _compose_problem() -> str | None:
    if shutil.which("docker-compose") is None:
        return "needs the docker-compose parser (Debian package docker-compose)"
    return None


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def _browser_problem() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs Playwright (pip install -r requirements.txt)"
    if chromium_path() is None:
        return "needs a Chromium browser (Debian package chromium, or CHROMIUM_PATH)"
    return None


_SERVICES = {"postgres": _postgres_problem, "redis": _redis_problem, "compose": _compose_problem,
             "browser": _browser_problem}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, problem_of in _SERVICES.items():
        if item.get_closest_marker(marker) is None:
            continue
        problem = problem_of()
        if problem is None:
            continue
        if _in_ci():
            pytest.fail(f"CI must provide this service: {problem}", pytrace=False)
        pytest.skip(problem)


@pytest.fixture(autouse=True, scope="session")
def _celery_tasks_run_in_process():
    """Tasks queued by the code under test run in-process even when REDIS_URL is set (settings then
    turn eager mode off); tests/journeys/test_worker.py opts out to go through the real broker."""
    from cxhub.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The cast ----------------------------------------------------------------------------------------
# Alice is a CX manager; Bob is a support agent on the service desk; Charlie is an agent of another team;
# Lena leads the service desk; Ada is an administrator.


@pytest.fixture
def team(db):
    from tests.cxhub.factories import TeamFactory

    return TeamFactory(name="Service desk")


@pytest.fixture
def other_team(db):
    from tests.cxhub.factories import TeamFactory

    return TeamFactory(name="Billing")


@pytest.fixture
def manager(db):
    from tests.cxhub.factories import manager_user

    return manager_user(username="alice", first_name="Alice")


@pytest.fixture
def agent(db, team):
    from tests.cxhub.factories import agent_user

    return agent_user(username="bob", first_name="Bob", teams=[team])


@pytest.fixture
def other_agent(db, other_team):
    from tests.cxhub.factories import agent_user

    return agent_user(username="charlie", first_name="Charlie", teams=[other_team])


@pytest.fixture
def team_lead(db, team):
    """Lena leads the service desk: an agent who also assigns and reassigns the team's tickets."""
    from cxhub.roles import TEAM_LEAD
    from tests.cxhub.factories import UserFactory

    return UserFactory(username="lena", first_name="Lena", role=TEAM_LEAD, teams=[team])


@pytest.fixture
def administrator(db):
    """Ada manages people, their roles and teams; she has no role on the business data."""
    from cxhub.roles import ADMINISTRATOR
    from tests.cxhub.factories import UserFactory

    return UserFactory(username="ada", first_name="Ada", role=ADMINISTRATOR)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def api_client_for(db):
    """An API client authenticated with a token of the given user: `api_client_for(agent)`."""
    from rest_framework.test import APIClient

    from cxhub.tokens import api_token_create

    def make(user):
        from django.utils import timezone

        from cxhub.models import ApiToken

        api = APIClient()
        token, key = api_token_create(user=user, name="Tests")
        # A token in steady use: its last use is recorded at most every few minutes, so the write
        # of a first use does not count in the query guards of the calls under test.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    return make


@pytest.fixture
def touchpoint(db, team):
    from tests.journeys.factories import TouchpointFactory

    return TouchpointFactory(name="Test drive", owner_team=team)


@pytest.fixture
def customer(db):
    from tests.journeys.factories import CustomerFactory

    return CustomerFactory(name="Νίκος Παπαδόπουλος", external_id="CRM-GR-1")
