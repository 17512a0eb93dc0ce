"""The restart drills (bench/drills/redis_restart.py, postgres_restart.py), short: each starts a PostgreSQL
cluster and a redis-server of its own, the app under gunicorn, and restarts one of them under traffic.

They never touch the servers of DATABASE_URL and REDIS_URL; they are marked `postgres` (and the Redis one
`redis`) to run once in CI, in its pass with the services, where the server binaries are installed.
"""

from __future__ import annotations

import os

import pytest

from bench.drills import postgres_restart, redis_restart
from bench.drills._servers import ServerMissing, check_binaries


def quiet(line: str) -> None:
    pass


@pytest.fixture(autouse=True)
def _server_binaries():
    try:
        check_binaries()
    except ServerMissing as exc:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must provide the server binaries: {exc}", pytrace=False)
        pytest.skip(str(exc))


@pytest.mark.postgres
@pytest.mark.redis
def test_writes_go_on_through_a_redis_restart_and_the_reconcilers_catch_up():
    # when Redis is stopped for 3 s of 12 s of posting tickets, answers and signals, then started empty
    result = redis_restart.run_drill(seconds=12, down=3, threads=3, catch_up_timeout=60, out=quiet)

    # then every check held: every write answered 2xx and quickly, scores exact, every event sent
    assert result.passed, result.verdicts.failures()
    assert [name for name, _, _ in result.verdicts.results] == [
        "writes answered", "outage under traffic", "writes quick", "rollup caught up", "scores exact",
        "webhooks sent", "ready again"]
    assert result.summary["ledger"] > 0 and result.summary["outage_warnings"] > 0


@pytest.mark.postgres
def test_the_api_answers_503_through_a_postgresql_restart_and_recovers_by_itself():
    # when PostgreSQL is stopped for 3 s of 12 s of listing and creating tickets, then started again
    result = postgres_restart.run_drill(seconds=12, down=3, threads=3, out=quiet)

    # then every check held: 503s quickly while down, no 500 or hang, 2xx again without a new gunicorn
    assert result.passed, result.verdicts.failures()
    assert result.summary["outage_calls"] > 0
