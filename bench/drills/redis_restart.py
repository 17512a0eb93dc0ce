"""Drill: restart Redis under traffic; every write succeeds, and the reconcilers catch up once it is back.

    .venv/bin/python bench/drills/redis_restart.py [--seconds 30] [--down 8] [--threads 4]

Runs on servers of its own (bench/drills/_servers.py), never the shared PostgreSQL or Redis:
1. a throwaway PostgreSQL cluster and a redis-server without persistence, on free loopback ports; the
   app's migrations; a touchpoint with a CSAT survey, customers, an API client account with a token made
   by `manage.py create_api_token`, and a webhook subscription to every event at a local receiver;
2. the app under gunicorn (production settings), a Celery worker, and Celery beat running the rollup and
   the webhook sweep every 2 s; worker and beat are started again if they exit, as compose's
   `restart: unless-stopped` does (each restart is printed as a NOTE: Celery 5.7's worker exits on a
   lost broker connection while it holds unacknowledged messages, such as the rollup's countdown);
3. --threads threads post tickets, survey answers and CRM signals through the API for --seconds;
4. a quarter of the way in, redis-server is stopped (every queued message and cached key is lost) and
   started again on the same port --down seconds later;
5. after the traffic, waits for beat's rollup to reach the end of the ledger and for every webhook
   delivery to be sent.
Checks, each printed PASS or FAIL: every POST answered 2xx within REQUEST_BOUND seconds, including
those sent while Redis was down; the daily components equal a full recompute and count every signal
once; every event reached the receiver. Exits 1 when any check fails (2 when the drill could not run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills._servers import (
    App,
    Call,
    DrillError,
    PostgresServer,
    Receiver,
    RedisServer,
    Reply,
    Traffic,
    Verdicts,
    check_binaries,
    cleanup,
    drill_main,
    finish,
    http_call,
    wait_until,
)

DATABASE = "cxhub_drill"
REQUEST_BOUND = 5.0  # seconds a write may take while Redis is away: connect timeouts, no long retries
RECONCILE_SECONDS = 2  # beat's rollup and webhook sweep, instead of every 60 s and 30 s
SIGNAL_KINDS = ("sla_met", "sla_breached", "ticket_reopened", "first_contact_resolution")

Out = Callable[[str], None]


@dataclass
class DrillResult:
    verdicts: Verdicts
    calls: list[Call] = field(default_factory=list)
    down_at: float = 0.0
    up_at: float = 0.0
    catch_up_seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdicts.passed


def sender(app: App, token: str, ids: dict[str, Any], run: str) -> Callable[[int, int], tuple[str, Reply]]:
    """Each thread cycles through a ticket, a survey answer and a CRM signal, for random customers."""
    api = f"{app.base}/api/v1"

    def send(thread: int, n: int) -> tuple[str, Reply]:
        rng = random.Random(f"{run}-{thread}-{n}")
        customer = rng.choice(ids["customers"])
        what = ("ticket", "answer", "signal")[n % 3]
        if what == "ticket":
            body: dict[str, Any] = {"customer": customer, "touchpoint": ids["touchpoint"],
                                    "subject": f"Drill {thread}-{n}", "body": "Posted while Redis restarts."}
            return what, http_call("POST", f"{api}/tickets/", token=token, body=body)
        if what == "answer":
            body = {"survey": ids["survey"], "customer": customer, "score": rng.randint(1, 5)}
            return what, http_call("POST", f"{api}/responses/", token=token, body=body)
        occurred = dt.datetime.now(dt.UTC) - dt.timedelta(hours=rng.uniform(0, 72))
        body = {"touchpoint": ids["touchpoint"], "customer": customer, "kind": rng.choice(SIGNAL_KINDS),
                "occurred_at": occurred.isoformat(), "external_id": f"drill-{run}-{thread}-{n}"}
        return what, http_call("POST", f"{api}/signals/", token=token, body=body)

    return send


def progress(pg: PostgresServer) -> tuple[int, int, int]:
    """(watermark, last signal id, webhook deliveries not yet sent), read straight from the database."""
    (mark, last, open_deliveries), = pg.query(DATABASE, """
        SELECT (SELECT coalesce(max(last_signal_id), 0) FROM journeys_rollupwatermark),
               (SELECT coalesce(max(id), 0) FROM journeys_experiencesignal),
               (SELECT count(*) FROM cxhub_webhookdelivery WHERE status <> 'succeeded')""")
    return mark, last, open_deliveries


def verify() -> dict[str, Any]:
    """Inside Django, on the drill's database: the components as the workers left them against a full
    recompute, the ledger, and what became of the webhook deliveries."""
    from django.db.models import Count, Sum

    from bench.common import components_checksum
    from cxhub.models import WebhookDelivery, WebhookEvent
    from journeys.models import ExperienceSignal, ScoreComponentDaily
    from journeys.rollup import recompute_all

    rows, digest = components_checksum()
    counted = ScoreComponentDaily.objects.aggregate(n=Sum("signals"))["n"] or 0
    recompute_all()
    fresh_rows, fresh_digest = components_checksum()
    return {
        "rows": rows, "digest": digest, "fresh_rows": fresh_rows, "fresh_digest": fresh_digest,
        "counted": counted, "ledger": ExperienceSignal.objects.count(),
        "events": sorted(WebhookEvent.objects.values_list("id", flat=True)),
        "deliveries": dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id"))),
    }


def run_drill(*, seconds: float = 30.0, down: float = 8.0, threads: int = 4, catch_up_timeout: float = 120.0,
              out: Out = print) -> DrillResult:
    """The whole drill. ServerMissing when a server binary is not installed, DrillError when the drill
    could not run; the verdicts are in the result."""
    check_binaries()
    folder = Path(tempfile.mkdtemp(prefix="cxhub-redis-drill-"))
    result = DrillResult(Verdicts(out))
    pg = PostgresServer(folder)
    redis = RedisServer(folder)
    receiver = Receiver()
    with cleanup(pg, redis, receiver) as closing:
        out(f"Private PostgreSQL on port {pg.port} and redis-server on port {redis.port} in {folder}")
        pg.init()
        pg.start()
        pg.create_database(DATABASE)
        redis.start()
        app = App(folder, database_url=pg.url(DATABASE), redis_url=redis.url(), env={
            "ROLLUP_INTERVAL_SECONDS": str(RECONCILE_SECONDS),
            "WEBHOOK_SWEEP_INTERVAL_SECONDS": str(RECONCILE_SECONDS),
        })
        closing.append(app)
        out("Migrating and seeding ...")
        app.command("migrate", "--noinput")
        ids = app.call("bench.drills._servers:seed", receiver_url=receiver.url)
        token = ids["token"]
        out("Starting gunicorn, a Celery worker and Celery beat ...")
        app.start_web()
        restarts = app.supervise(app.start_worker(), app.start_beat())

        out(f"Traffic: {threads} threads posting tickets, answers and signals for {seconds:.0f} s ...")
        traffic = Traffic(sender(app, token, ids, run=folder.name), threads=threads)
        traffic.start()
        time.sleep(seconds / 4)
        result.down_at = traffic.now()
        redis.stop()
        out(f"  redis-server stopped at {result.down_at:.1f} s")
        time.sleep(down)
        redis.start()
        result.up_at = traffic.now()
        out(f"  redis-server started again at {result.up_at:.1f} s (empty: no persistence)")
        time.sleep(max(0.0, seconds - traffic.now()))
        calls = result.calls = traffic.stop()

        out("Waiting for beat's rollup and webhook sweep to catch up ...")
        started = time.monotonic()

        def caught_up() -> bool:
            mark, last, pending = progress(pg)
            return mark == last and pending == 0

        with contextlib.suppress(DrillError):  # the checks below say what is behind
            wait_until(caught_up, timeout=catch_up_timeout, what="catching up", interval=1.0)
        result.catch_up_seconds = time.monotonic() - started
        mark, last, pending = progress(pg)
        state = app.call("bench.drills.redis_restart:verify")
        result.summary.update(state)
        ready = http_call("GET", f"{app.base}/readyz", timeout=10)
        logs = "".join(process.log.read_text(errors="replace") for process in app.processes)
        # cxhub.resilience warns once per process and pause, from the broker or the cache, whichever failed first
        result.summary["outage_warnings"] = len(re.findall(r"(Could not queue|The cache at) .* unreachable", logs))
        result.summary["restarts"] = list(restarts)

    _judge(result, calls, mark=mark, last=last, pending=pending, state=state, receiver=receiver, ready=ready)
    finish(folder, passed=result.passed, out=out)
    return result


def _judge(result: DrillResult, calls: list[Call], *, mark: int, last: int, pending: int, state: dict[str, Any],
           receiver: Receiver, ready: Reply) -> None:
    check = result.verdicts.check
    during = [c for c in calls if c.started < result.up_at and c.ended > result.down_at]
    failed = [c for c in calls if c.reply.status is None or not 200 <= c.reply.status < 300]
    check("writes answered", not failed,
          f"{len(calls) - len(failed)} of {len(calls)} POSTs answered 2xx"
          + (f"; first failure: {failed[0].what} at {failed[0].started:.1f} s -> {failed[0].reply.status} "
             f"{failed[0].reply.error or failed[0].reply.data}" if failed else ""))
    check("outage under traffic", len(during) > 0 and result.summary["outage_warnings"] > 0,
          f"{len(during)} POSTs overlapped the {result.up_at - result.down_at:.1f} s outage; the web and worker "
          f"processes logged {result.summary['outage_warnings']} warnings that Redis was unreachable")
    slowest = max((c.reply.seconds for c in calls), default=0.0)
    slowest_during = max((c.reply.seconds for c in during), default=0.0)
    check("writes quick", slowest <= REQUEST_BOUND,
          f"slowest POST {slowest:.2f} s (during the outage {slowest_during:.2f} s), bound {REQUEST_BOUND:.0f} s")
    check("rollup caught up", mark == last and last > 0,
          f"watermark {mark} of {last} signals, {result.catch_up_seconds:.1f} s after the traffic")
    same = (state["rows"], state["digest"]) == (state["fresh_rows"], state["fresh_digest"])
    check("scores exact", same and state["counted"] == state["ledger"],
          f"{state['rows']} daily rows (md5 {state['digest'] or '-'}) "
          f"{'equal' if same else 'differ from'} a full recompute ({state['fresh_rows']} rows, md5 "
          f"{state['fresh_digest'] or '-'}); they count {state['counted']} signals, the ledger holds {state['ledger']}")
    seen = receiver.seen
    missing = [event for event in state["events"] if event not in seen]
    twice = sum(1 for count in seen.values() if count > 1)
    check("webhooks sent", pending == 0 and not missing and len(state["events"]) > 0,
          f"{len(state['events'])} events, {len(missing)} never received, {pending} deliveries unsent "
          f"(statuses {state['deliveries']}), {twice} received twice")
    check("ready again", ready.status == 200, f"/readyz answered {ready.status} {ready.data}")
    for line in result.summary["restarts"]:
        result.verdicts.out(f"NOTE restarted by the supervisor: {line}")


def main() -> None:
    started = time.monotonic()
    result = drill_main(title=__doc__.splitlines()[0], stopped="Redis", run_drill=run_drill)
    verdict = "PASS" if result.passed else "FAIL"
    print(f"{verdict}: Redis restart drill in {time.monotonic() - started:.0f} s")
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
