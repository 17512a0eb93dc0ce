"""A real Celery worker, fed through the real Redis broker, rolls committed signals up in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import Exchange, Queue

from cxhub.celery import app
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal, ScoreComponentDaily
from journeys.services import rollups_deferred, signal_record
from journeys.tasks import rollup_scores
from tests.journeys.factories import TouchpointFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for a slow CI machine; the loops end as soon as the condition holds.
WORKER_START_TIMEOUT = 60.0
ROLLUP_TIMEOUT = 60.0
POLL_INTERVAL = 0.25


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def url_of_the_test_database() -> str:
    """The URL of the database pytest-django created, so the worker sees the test's committed rows."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(s['NAME'], safe='')}"


@pytest.fixture
def broker_url() -> Iterator[str]:
    """Send tasks from this process through the real broker rather than running them eagerly."""
    url = os.environ["REDIS_URL"]
    saved = {name: app.conf[name] for name in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield url
    finally:
        app.conf.update(saved)


@pytest.fixture
def worker(transactional_db: None, broker_url: str, tmp_path: Path) -> Iterator[Worker]:
    """A worker process that consumes only this run's own queue, so no other worker can take the task."""
    run = uuid.uuid4().hex[:12]
    queue = f"cxhub-test-{run}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cxhub.settings",
        DATABASE_URL=url_of_the_test_database(),
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cxhub",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "-n",
                f"test-{run}@%h",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Worker(queue=queue, process=process, log=log)
    try:
        wait_until_ready(running)
        yield running
    finally:
        stop(running)
        delete_queue(broker_url, queue)


def delete_queue(broker_url: str, name: str) -> None:
    """Leave no binding of the run's queue behind in Redis."""
    with app.connection_for_write(broker_url) as conn:
        queue = Queue(name, Exchange(name), routing_key=name)(conn.default_channel)
        queue.declare()  # tells this connection about the binding, which delete then removes
        queue.delete()


def wait_until_ready(worker: Worker) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log_tail()}")
        if " ready." in worker.log.read_text(errors="replace"):
            return
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"the worker was not ready within {WORKER_START_TIMEOUT:.0f} s:\n{worker.log_tail()}")


def stop(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()  # warm shutdown: finishes the task in hand
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


def wait_for_components(expected_rows: int, worker: Worker) -> None:
    deadline = time.monotonic() + ROLLUP_TIMEOUT
    while time.monotonic() < deadline:
        if ScoreComponentDaily.objects.count() >= expected_rows:
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log_tail()}")
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"no rollup within {ROLLUP_TIMEOUT:.0f} s:\n{worker.log_tail()}")


def test_it_rolls_up_committed_signals_in_a_real_worker(worker: Worker) -> None:
    # given signals committed on two touchpoints and two days, with no rollup queued on commit
    test_drive, delivery = TouchpointFactory(name="Test drive"), TouchpointFactory(name="Delivery")
    monday = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
    tuesday = monday + dt.timedelta(days=1)
    with rollups_deferred():
        for n, (kind, value) in enumerate(
            [
                (SignalKind.CSAT_ANSWER, 5),
                (SignalKind.CSAT_ANSWER, 4),
                (SignalKind.CSAT_ANSWER, 2),
                (SignalKind.NPS_ANSWER, 10),
                (SignalKind.NPS_ANSWER, 3),
            ]
        ):
            signal_record(
                touchpoint=test_drive,
                kind=kind,
                value=value,
                source="worker-test",
                source_id=f"td-{n}",
                occurred_at=monday + dt.timedelta(minutes=n),
            )
        signal_record(
            touchpoint=delivery, kind=SignalKind.SLA_MET, source="worker-test", source_id="dl-1", occurred_at=tuesday
        )
        signal_record(
            touchpoint=delivery,
            kind=SignalKind.SLA_BREACHED,
            source="worker-test",
            source_id="dl-2",
            occurred_at=tuesday,
        )
    assert ExperienceSignal.objects.count() == 7
    assert not ScoreComponentDaily.objects.exists()

    # when the rollup task travels through the broker to the worker
    with app.connection_for_write(os.environ["REDIS_URL"]) as conn:
        rollup_scores.apply_async(queue=worker.queue, connection=conn)
    wait_for_components(2, worker)

    # then the worker wrote one row per touchpoint-day, counting exactly the signals recorded
    rows = {(row.touchpoint_id, row.day): row for row in ScoreComponentDaily.objects.all()}
    assert set(rows) == {(test_drive.id, monday.date()), (delivery.id, tuesday.date())}
    drive = rows[(test_drive.id, monday.date())]
    assert (drive.signals, drive.csat_responses, drive.csat_satisfied, drive.csat_score_sum) == (5, 3, 2, 11)
    assert (drive.nps_responses, drive.nps_promoters, drive.nps_detractors) == (2, 1, 1)
    handover = rows[(delivery.id, tuesday.date())]
    assert (handover.signals, handover.sla_met, handover.sla_breached) == (2, 1, 1)
    assert "journeys.tasks.rollup_scores" in worker.log.read_text(errors="replace")


def test_a_burst_of_signals_queues_one_debounced_rollup(
    transactional_db: None, broker_url: str, settings
) -> None:
    # given the broker in use, a debounce delay, and a queue of this run's own
    import redis
    from django.core.cache import cache

    from journeys.services import ROLLUP_QUEUED_KEY

    settings.ROLLUP_DEBOUNCE_SECONDS = 30
    cache.delete(ROLLUP_QUEUED_KEY)
    queue = f"cxhub-test-{uuid.uuid4().hex[:12]}"
    saved_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    client = redis.Redis.from_url(broker_url)
    try:
        touchpoint = TouchpointFactory()
        moment = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
        # when five signals commit one after another
        for n in range(5):
            signal_record(touchpoint=touchpoint, kind=SignalKind.CSAT_ANSWER, value=4,
                          source="burst", source_id=str(n), occurred_at=moment)
        # then one rollup waits in the queue, to run after the delay
        assert client.llen(queue) == 1
        # and once the delay has passed, the next signal queues the next one
        cache.delete(ROLLUP_QUEUED_KEY)
        signal_record(touchpoint=touchpoint, kind=SignalKind.CSAT_ANSWER, value=4,
                      source="burst", source_id="after", occurred_at=moment)
        assert client.llen(queue) == 2
    finally:
        app.conf.task_default_queue = saved_queue
        client.delete(queue)
        cache.delete(ROLLUP_QUEUED_KEY)
