"""Drill: kill -9 a Celery worker in the middle of a rollup; no signal may be lost or counted twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_tenth REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/drills/kill_worker.py [--signals 50000] [--batch-size 500]

1. records --signals new signals in the ledger (spread over the last 30 days and every touchpoint), with
   no rollup queued, so the rollup has --signals / --batch-size batches to do;
2. starts a real worker (`celery -A cxhub worker`, pool solo) on a queue of its own, with
   ROLLUP_BATCH_SIZE=--batch-size, and sends journeys.tasks.rollup_scores through the Redis broker;
3. as soon as the watermark is a third of the way (batches committed behind it, more ahead), sends the
   worker SIGKILL, most likely in the middle of a batch's transaction;
4. starts a second worker and sends the rollup again, and waits until the watermark is at the end;
5. compares the daily components the workers left with a fresh in-process
   journeys.rollup.recompute_all (md5 over every row) and checks that they add up to the ledger.
Exits 0 and prints PASS when they are equal, else prints FAIL with what differs and exits 1.

The database needs at least one touchpoint (bench/generate.py builds the structure). The drill's own
signals stay in the ledger (source "drill"); the components end as recompute_all writes them. The task
message the killed worker held stays unacknowledged in Redis; the drill deletes it with its queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.common import bootstrap

    bootstrap()

from django.db import connection, transaction
from django.utils import timezone
from kombu import Exchange, Queue

from bench.common import components_checksum, database_url, log_tail
from cxhub.celery import app
from journeys.choices import SignalKind
from journeys.models import ExperienceSignal, RollupWatermark, ScoreComponentDaily, Touchpoint
from journeys.rollup import WATERMARK, recompute_all
from journeys.services import ledger_fence_shared, ledger_high_water
from journeys.tasks import rollup_scores

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "drill"
WORKER_START_TIMEOUT = 90.0
POLL_INTERVAL = 0.01  # the watermark is read this often, to catch the rollup between its first and last batch
KINDS = (
    (SignalKind.NPS_ANSWER, (0, 10)), (SignalKind.CSAT_ANSWER, (1, 5)), (SignalKind.CES_ANSWER, (1, 7)),
    (SignalKind.TICKET_RESOLVED, (60, 400_000)), (SignalKind.FIRST_RESPONSE, (10, 90_000)),
    (SignalKind.QUEUE_WAIT, (0, 20_000)), (SignalKind.SLA_MET, None), (SignalKind.SLA_BREACHED, None),
    (SignalKind.FIRST_CONTACT_RESOLUTION, None), (SignalKind.TICKET_REOPENED, None),
)
SEGMENTS = ("", "retail", "fleet", "premium", "online", "business")

Out = Callable[[str], None]


class DrillFailed(Exception):
    pass


@dataclass
class DrillResult:
    signals: int
    batches: int
    watermark_at_kill: int
    high_water: int
    rows_after_kill: int
    rows: int
    checksum: str


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log, lines)


def record_signals(n: int, rng: random.Random) -> None:
    """n signals over the last 30 days on every active touchpoint, committed, with no rollup queued."""
    touchpoints = list(Touchpoint.objects.filter(is_active=True).values_list("id", flat=True))
    if not touchpoints:
        raise DrillFailed("No touchpoint: build the structure first (bench/generate.py).")
    now = timezone.now()
    tag = uuid.uuid4().hex[:10]
    rows = []
    for i in range(n):
        kind, bounds = rng.choice(KINDS)
        rows.append(ExperienceSignal(
            touchpoint_id=rng.choice(touchpoints), kind=kind, segment=rng.choice(SEGMENTS),
            value=rng.randint(*bounds) if bounds else None, source=SOURCE, source_id=f"{tag}-{i}",
            occurred_at=now - dt.timedelta(seconds=rng.uniform(0, 30 * 86400)),
        ))
    for start in range(0, n, 5000):
        with transaction.atomic():
            ledger_fence_shared()  # as signal_record does: the rollup's high-water mark waits for us
            ExperienceSignal.objects.bulk_create(rows[start:start + 5000])


def start_worker(*, broker_url: str, batch_size: int, queue: str, name: str, folder: Path) -> Worker:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cxhub.settings", DATABASE_URL=database_url(),
               REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url, CELERY_TASK_ALWAYS_EAGER="0",
               ROLLUP_BATCH_SIZE=str(batch_size))
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cxhub", "worker", "--pool=solo", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-Q", queue, "-n", f"{name}-{queue}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    worker = Worker(queue, process, log)
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DrillFailed(f"worker {name} exited with {process.returncode}:\n{worker.tail()}")
        if " ready." in log.read_text(errors="replace"):
            return worker
        time.sleep(0.2)
    stop(worker)
    raise DrillFailed(f"worker {name} was not ready within {WORKER_START_TIMEOUT:.0f} s:\n{worker.tail()}")


def stop(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


def send_rollup(broker_url: str, queue: str) -> None:
    with app.connection_for_write(broker_url) as conn:
        rollup_scores.apply_async(queue=queue, connection=conn)


def watermark() -> int:
    return RollupWatermark.objects.filter(name=WATERMARK).values_list("last_signal_id", flat=True).first() or 0


def forget_queue(broker_url: str, queue: str) -> None:
    """Delete the drill's queue and the message the killed worker left unacknowledged, nothing else."""
    import redis

    with app.connection_for_write(broker_url) as conn:
        bound = Queue(queue, Exchange(queue), routing_key=queue)(conn.default_channel)
        bound.declare()
        bound.delete()
    client = redis.Redis.from_url(broker_url)
    for tag, raw in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def run_drill(*, broker_url: str, signals: int, batch_size: int, seed: int = 1, timeout: float = 600.0,
              out: Out = print) -> DrillResult:
    """The whole drill; raises DrillFailed with the reason when it does not hold."""
    saved = {name: app.conf[name] for name in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    queue = f"cxhub-drill-{uuid.uuid4().hex[:12]}"
    folder = Path(tempfile.mkdtemp(prefix="cxhub-drill-"))
    workers: list[Worker] = []
    try:
        out(f"Recording {signals:,} signals (rollup deferred) ...")
        record_signals(signals, random.Random(seed))
        start = watermark()
        high = ledger_high_water()
        batches = -(-ExperienceSignal.objects.filter(id__gt=start, id__lte=high).count() // batch_size)
        out(f"  the rollup has {batches} batches of {batch_size} to do (watermark {start} -> {high})")

        out("Starting worker 1 and sending the rollup through the broker ...")
        workers.append(start_worker(broker_url=broker_url, batch_size=batch_size, queue=queue, name="first",
                                    folder=folder))
        send_rollup(broker_url, queue)
        deadline = time.monotonic() + timeout
        kill_at = start + (high - start) // 3  # a third of the way: batches behind it and ahead of it
        while True:
            mark = watermark()
            if mark >= kill_at and mark > start:
                break
            if time.monotonic() > deadline or workers[0].process.poll() is not None:
                raise DrillFailed(f"the rollup did not get a third of the way:\n{workers[0].tail()}")
            time.sleep(POLL_INTERVAL)
        if mark >= high:
            raise DrillFailed(f"the rollup finished before the kill ({batches} batches): record more signals "
                              "or use smaller batches")
        os.kill(workers[0].process.pid, signal.SIGKILL)
        workers[0].process.wait(timeout=30)
        time.sleep(0.5)  # the killed worker's database session ends and its open batch rolls back
        at_kill = watermark()
        rows_after_kill = ScoreComponentDaily.objects.count()
        out(f"  killed worker 1 (exit {workers[0].process.returncode}) with the watermark at {at_kill} of "
            f"{high}: {(at_kill - start) * 100 // max(high - start, 1)}% rolled up, {rows_after_kill:,} rows")

        out("Starting worker 2 and sending the rollup again ...")
        workers.append(start_worker(broker_url=broker_url, batch_size=batch_size, queue=queue, name="second",
                                    folder=folder))
        send_rollup(broker_url, queue)
        while watermark() < high:
            if time.monotonic() > deadline or workers[1].process.poll() is not None:
                raise DrillFailed(f"the second rollup did not reach {high} (at {watermark()}):\n"
                                  f"{workers[1].tail()}")
            time.sleep(0.1)
        stop(workers[1])
        rows, digest = components_checksum()

        out("Recomputing every component in-process to compare ...")
        recompute_all()
        fresh_rows, fresh_digest = components_checksum()
        if (rows, digest) != (fresh_rows, fresh_digest):
            raise DrillFailed(f"the workers left {rows:,} rows (md5 {digest}), a full recompute gives "
                              f"{fresh_rows:,} rows (md5 {fresh_digest}): signals were lost or counted twice")
        counted = sum(ScoreComponentDaily.objects.values_list("signals", flat=True))
        ledger = ExperienceSignal.objects.count()
        if counted != ledger:
            raise DrillFailed(f"the components count {counted:,} signals, the ledger holds {ledger:,}")
        return DrillResult(signals, batches, at_kill, high, rows_after_kill, rows, digest)
    finally:
        for worker in workers:
            stop(worker)
        forget_queue(broker_url, queue)
        app.conf.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    broker_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    print(f"Kill-the-worker drill on {connection.settings_dict['NAME']} with {broker_url}")
    started = time.monotonic()
    try:
        result = run_drill(broker_url=broker_url, signals=args.signals, batch_size=args.batch_size,
                           seed=args.seed)
    except DrillFailed as exc:
        print(f"FAIL: {exc}")
        sys.exit(1)
    print(f"PASS in {time.monotonic() - started:.0f} s: killed at watermark {result.watermark_at_kill} of "
          f"{result.high_water}; after the second worker the {result.rows:,} daily rows equal a fresh full "
          f"recompute (md5 {result.checksum}) and count every signal of the ledger once")


if __name__ == "__main__":
    main()
