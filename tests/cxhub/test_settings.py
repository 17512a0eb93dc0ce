"""Settings read from the environment: each case runs manage.py in a fresh process with a controlled env."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# Everything the settings read that would change these outcomes; each test sets what it needs.
CONTROLLED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_HOST",
    "SQLITE_PATH",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "TRUST_X_FORWARDED_PROTO",
    "CSRF_TRUSTED_ORIGINS",
)
PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "database": settings.DATABASES["default"]["NAME"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
}))
"""


def manage(*args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in CONTROLLED}
    env["DJANGO_SETTINGS_MODULE"] = "cxhub.settings"
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_seen_with(**env_vars: str) -> dict[str, Any]:
    result = manage("shell", "-c", PRINT_SETTINGS, **env_vars)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def strong_secret_key() -> str:
    return secrets.token_urlsafe(64)  # 86 characters, well past check --deploy's minimum


def test_it_passes_the_deploy_check_in_production_mode_without_a_single_warning() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=strong_secret_key(),
        ALLOWED_HOSTS="cx.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_it_refuses_production_mode_without_a_secret_key() -> None:
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="cx.example.com")

    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "ImproperlyConfigured" in error and "SECRET_KEY" in error, result.stderr
    assert "ALLOWED_HOSTS" not in error


def test_it_refuses_production_mode_without_allowed_hosts() -> None:
    result = manage("check", DEBUG="0", SECRET_KEY=strong_secret_key())

    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "ImproperlyConfigured" in error and "ALLOWED_HOSTS" in error, result.stderr
    assert "SECRET_KEY" not in error


def test_it_names_both_missing_variables_at_once() -> None:
    result = manage("check", DEBUG="0")

    error = last_line(result.stderr)
    assert result.returncode != 0
    assert "SECRET_KEY" in error and "ALLOWED_HOSTS" in error, result.stderr


def test_it_runs_embedded_with_nothing_set() -> None:
    seen = settings_seen_with()

    assert seen["debug"] is True
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["eager"] is True
    assert seen["broker"] == "memory://"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["email"] == "django.core.mail.backends.console.EmailBackend"


def test_it_switches_to_postgresql_and_redis_from_their_urls() -> None:
    seen = settings_seen_with(DATABASE_URL="postgres://u:p@db:5432/x", REDIS_URL="redis://r:6379/1")

    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["database"] == "x"
    assert seen["cache"] == "cxhub.resilience.TolerantRedisCache"  # Django's Redis cache, going on without Redis
    assert seen["broker"] == "redis://r:6379/1"
    assert seen["eager"] is False  # a worker runs the tasks now


def test_it_fails_loudly_on_a_boolean_it_cannot_read() -> None:
    result = manage("check", DEBUG="maybe")

    assert result.returncode != 0
    error = last_line(result.stderr)
    assert "ImproperlyConfigured" in error and "DEBUG" in error and "'maybe'" in error, result.stderr
