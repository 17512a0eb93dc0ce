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


_SERVICES = {"postgres": _postgres_problem, "redis": _redis_problem, "compose": _compose_problem}


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
