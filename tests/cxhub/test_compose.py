"""docker-compose.yml parses with the docker-compose of Debian 12 and describes the service-mode stack."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.compose

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = (*APP_SERVICES, "postgres", "redis")
# Variables the file reads; the tests control them so a developer's shell cannot change the outcome.
COMPOSE_VARIABLES = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "TRUST_X_FORWARDED_PROTO",
    "WEB_PORT",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
)


def compose_config(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in COMPOSE_VARIABLES}
    env.update(variables)
    # An empty env file, so a developer's .env in the repository cannot supply SECRET_KEY.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return subprocess.run(
        ["docker-compose", "--env-file", str(env_file), "-f", "docker-compose.yml", "config"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    result = compose_config(tmp_path, SECRET_KEY="compose-test-" + "k" * 50)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def volume_sources(service: dict[str, Any]) -> list[str]:
    """Named-volume sources of a service, from either the short ("name:/path:rw") or the long form."""
    sources = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            sources.append(volume.split(":", 1)[0])
        elif volume.get("type", "volume") == "volume":
            sources.append(volume["source"])
    return sources


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def test_it_describes_the_five_services(config: dict[str, Any]) -> None:
    assert set(ALL_SERVICES) <= set(config["services"])


def test_it_gives_every_service_a_healthcheck(config: dict[str, Any]) -> None:
    for name in ALL_SERVICES:
        healthcheck = config["services"][name].get("healthcheck")
        assert healthcheck and healthcheck.get("test") and not healthcheck.get("disable"), name


def test_it_checks_web_health_on_the_healthz_endpoint(config: dict[str, Any]) -> None:
    test = config["services"]["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(test)


def test_it_keeps_postgres_and_redis_data_on_named_volumes(config: dict[str, Any]) -> None:
    named = set(config.get("volumes") or {})
    for name in ("postgres", "redis"):
        sources = volume_sources(config["services"][name])
        assert sources and set(sources) <= named, (name, sources, named)


def test_it_keeps_the_beat_schedule_on_a_named_volume(config: dict[str, Any]) -> None:
    beat = config["services"]["beat"]
    sources = volume_sources(beat)
    assert sources and set(sources) <= set(config.get("volumes") or {})
    assert "--schedule=/var/lib/cxhub/beat/" in command_text(beat)


def test_it_migrates_before_gunicorn_starts_serving(config: dict[str, Any]) -> None:
    command = command_text(config["services"]["web"])

    assert "manage.py migrate --noinput" in command
    assert "gunicorn cxhub.wsgi:application" in command
    assert "0.0.0.0:8000" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "&&" in command  # gunicorn does not start when the migration fails


def test_it_runs_the_celery_worker_and_beat(config: dict[str, Any]) -> None:
    assert "celery -A cxhub worker" in command_text(config["services"]["worker"])
    assert "celery -A cxhub beat" in command_text(config["services"]["beat"])


def test_it_starts_the_app_only_once_postgres_and_redis_are_healthy(config: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        depends_on = config["services"][name].get("depends_on")
        assert isinstance(depends_on, dict), (name, depends_on)  # the list form cannot wait for health
        for dependency in ("postgres", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)


def test_it_runs_the_app_in_production_mode_against_the_compose_services(config: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        env = config["services"][name]["environment"]
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"] == "postgres://cxhub:cxhub@postgres:5432/cxhub"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"] == "compose-test-" + "k" * 50
        assert env["ALLOWED_HOSTS"] == "localhost,127.0.0.1"


def test_it_serves_plain_http_on_localhost_unless_told_otherwise(config: dict[str, Any]) -> None:
    env = config["services"]["web"]["environment"]
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert env[name] == "0", name


def test_it_turns_on_the_https_protections_when_asked(tmp_path: Path) -> None:
    result = compose_config(
        tmp_path,
        SECRET_KEY="compose-test-" + "k" * 50,
        SECURE_SSL_REDIRECT="1",
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="1",
        ALLOWED_HOSTS="cx.example.com",
    )

    assert result.returncode == 0, result.stderr
    env = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    assert (env["SECURE_SSL_REDIRECT"], env["SESSION_COOKIE_SECURE"], env["CSRF_COOKIE_SECURE"]) == ("1", "1", "1")
    assert env["ALLOWED_HOSTS"] == "cx.example.com"


def test_it_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = compose_config(tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # it says how to make one


def test_it_keeps_attachments_on_a_volume_shared_by_web_and_worker(config: dict[str, Any]) -> None:
    for name in ("web", "worker"):
        service = config["services"][name]
        assert service["environment"]["MEDIA_ROOT"] == "/var/lib/cxhub/media"
        assert any(str(v).startswith("media:") or (isinstance(v, dict) and v.get("source") == "media")
                   for v in service["volumes"]), name
    assert "media" in config["volumes"]
