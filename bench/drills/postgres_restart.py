"""Drill: restart PostgreSQL under traffic; the API answers 503 quickly meanwhile and recovers by itself.

    .venv/bin/python bench/drills/postgres_restart.py [--seconds 30] [--down 8] [--threads 4]

Runs on servers of its own (bench/drills/_servers.py), never the shared PostgreSQL or Redis:
1. a throwaway PostgreSQL cluster and a redis-server on free loopback ports; the app's migrations; a
   touchpoint, customers and an API client account with a token made by `manage.py create_api_token`;
2. the app under gunicorn (production settings, persistent database connections);
3. --threads threads list and create tickets through the API for --seconds, and one more polls /readyz;
4. a quarter of the way in, PostgreSQL is stopped (fast shutdown: every open connection is cut) and
   started again on the same port --down seconds later; gunicorn is left alone.
Checks, each printed PASS or FAIL: no answer was a 500 and every request got an answer; while the
database was down every API answer was a JSON 503 with Retry-After within REQUEST_BOUND seconds, and
/readyz said so; after the restart the API answered 2xx again within RECOVERY_BOUND seconds and to the
end; every ticket answered 201 is in the database. Exits 1 when any check fails (2 when the drill could
not run).
"""

from __future__ import annotations

import random
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
    PostgresServer,
    RedisServer,
    Reply,
    Traffic,
    Verdicts,
    check_binaries,
    cleanup,
    drill_main,
    finish,
    http_call,
)

DATABASE = "cxhub_drill"
REQUEST_BOUND = 5.0  # seconds an answer may take while the database is down: a 503, never a hang
RECOVERY_BOUND = 15.0  # seconds after the server is back by which the API must answer 2xx again
CLIENT_TIMEOUT = 30.0  # the drill's own patience: a request still unanswered then is a hang

Out = Callable[[str], None]


@dataclass
class DrillResult:
    verdicts: Verdicts
    calls: list[Call] = field(default_factory=list)
    stopping_at: float = 0.0  # the stop was asked for
    down_at: float = 0.0  # the server was down
    restart_at: float = 0.0  # the start was asked for
    up_at: float = 0.0  # the server answered again
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.verdicts.passed


def sender(app: App, token: str, ids: dict[str, Any], run: str) -> Callable[[int, int], tuple[str, Reply]]:
    """Thread 0 polls /readyz; the others alternate between listing tickets and creating one."""
    api = f"{app.base}/api/v1"

    def send(thread: int, n: int) -> tuple[str, Reply]:
        if thread == 0:
            time.sleep(0.2)
            return "readyz", http_call("GET", f"{app.base}/readyz", timeout=CLIENT_TIMEOUT)
        if n % 2:
            return "list", http_call("GET", f"{api}/tickets/", token=token, timeout=CLIENT_TIMEOUT)
        customer = random.Random(f"{run}-{thread}-{n}").choice(ids["customers"])
        body = {"customer": customer, "touchpoint": ids["touchpoint"], "subject": f"Drill {run} {thread}-{n}",
                "body": "Posted while PostgreSQL restarts."}
        return "create", http_call("POST", f"{api}/tickets/", token=token, body=body, timeout=CLIENT_TIMEOUT)

    return send


def run_drill(*, seconds: float = 30.0, down: float = 8.0, threads: int = 4, out: Out = print) -> DrillResult:
    """The whole drill. ServerMissing when a server binary is not installed, DrillError when the drill
    could not run; the verdicts are in the result."""
    check_binaries()
    folder = Path(tempfile.mkdtemp(prefix="cxhub-pg-drill-"))
    result = DrillResult(Verdicts(out))
    pg = PostgresServer(folder)
    redis = RedisServer(folder)
    with cleanup(pg, redis) as closing:
        out(f"Private PostgreSQL on port {pg.port} and redis-server on port {redis.port} in {folder}")
        pg.init()
        pg.start()
        pg.create_database(DATABASE)
        redis.start()
        app = App(folder, database_url=pg.url(DATABASE), redis_url=redis.url())
        closing.append(app)
        out("Migrating and seeding ...")
        app.command("migrate", "--noinput")
        ids = app.call("bench.drills._servers:seed")
        out("Starting gunicorn ...")
        web = app.start_web()

        out(f"Traffic: {threads} threads listing and creating tickets, one polling /readyz, for {seconds:.0f} s ...")
        traffic = Traffic(sender(app, ids["token"], ids, run=folder.name), threads=threads + 1)
        traffic.start()
        time.sleep(seconds / 4)
        result.stopping_at = traffic.now()
        pg.stop("fast")
        result.down_at = traffic.now()
        out(f"  PostgreSQL stopped at {result.down_at:.1f} s")
        time.sleep(down)
        result.restart_at = traffic.now()
        pg.start()
        result.up_at = traffic.now()
        out(f"  PostgreSQL started again at {result.up_at:.1f} s")
        time.sleep(max(0.0, seconds - traffic.now()))
        calls = result.calls = traffic.stop()
        web_survived = web.popen.poll() is None
        created = [c.reply.data["id"] for c in calls
                   if c.what == "create" and c.reply.status == 201 and isinstance(c.reply.data, dict)]
        stored = {row[0] for row in pg.query(DATABASE, "SELECT id FROM tickets_ticket")}

    _judge(result, calls, web_survived=web_survived, created=created, stored=stored)
    finish(folder, passed=result.passed, out=out)
    return result


def _judge(result: DrillResult, calls: list[Call], *, web_survived: bool, created: list[int],
           stored: set[int]) -> None:
    check = result.verdicts.check
    api = [c for c in calls if c.what != "readyz"]
    unanswered = [c for c in calls if c.reply.status is None]
    errors = [c for c in calls if c.reply.status is not None and c.reply.status >= 500 and c.reply.status != 503]
    check("no 500s, no hangs", not unanswered and not errors,
          f"{len(calls)} requests: {len(errors)} answered 5xx other than 503, {len(unanswered)} unanswered"
          + (f" (first: {(unanswered or errors)[0].reply.error or (unanswered or errors)[0].reply.data})"
             if unanswered or errors else ""))

    # Sent once the server was down, answered before it was asked to start again.
    outage = [c for c in api if result.down_at <= c.started and c.ended <= result.restart_at]
    unavailable = [c for c in outage if c.reply.status == 503]
    shaped = [c for c in unavailable if isinstance(c.reply.data, dict) and c.reply.data.get("detail")
              and int(c.reply.headers.get("Retry-After", "0") or 0) > 0]
    other = [c for c in outage if c.reply.status not in (503, None) and not 200 <= c.reply.status < 300]
    check("503 during the outage", len(unavailable) > 0 and len(shaped) == len(unavailable) and not other,
          f"{len(outage)} API calls while down: {len(unavailable)} answered 503 ({len(shaped)} JSON with detail "
          f"and Retry-After), {len(other)} something else")
    slowest = max((c.reply.seconds for c in outage), default=0.0)
    check("503 quickly", bool(outage) and slowest <= REQUEST_BOUND,
          f"slowest answer while down {slowest:.2f} s, bound {REQUEST_BOUND:.0f} s")
    ready_down = [c for c in calls if c.what == "readyz" and result.down_at <= c.started
                  and c.ended <= result.restart_at]
    check("readyz says so", bool(ready_down) and all(c.reply.status == 503 for c in ready_down),
          f"/readyz while down: {sorted({c.reply.status for c in ready_down})}")

    # (While stopping and starting any answer but a 500 goes: the server may be still up, or starting.)
    after = [c for c in api if c.started >= result.up_at]
    first_ok = next((c for c in after if c.reply.status is not None and 200 <= c.reply.status < 300), None)
    recovered_in = first_ok.ended - result.up_at if first_ok else float("inf")
    settled = [c for c in after if first_ok and c.started >= first_ok.ended]
    bad_after = [c for c in settled if c.reply.status is None or not 200 <= c.reply.status < 300]
    check("recovers by itself", first_ok is not None and recovered_in <= RECOVERY_BOUND and not bad_after
          and web_survived,
          f"first 2xx {recovered_in:.2f} s after the restart, then {len(settled) - len(bad_after)} of "
          f"{len(settled)} calls 2xx; the same gunicorn throughout: {'yes' if web_survived else 'no'}"
          + (f"; first other: {bad_after[0].what} at {bad_after[0].started:.1f} s -> {bad_after[0].reply.status} "
             f"{bad_after[0].reply.error or bad_after[0].reply.data}" if bad_after else ""))
    lost = [pk for pk in created if pk not in stored]
    check("created tickets kept", bool(created) and not lost,
          f"{len(created)} tickets answered 201, {len(lost)} of them missing from the database")
    result.summary = {"calls": len(calls), "outage_calls": len(outage), "slowest_down": slowest,
                      "recovered_in": recovered_in}


def main() -> None:
    started = time.monotonic()
    result = drill_main(title=__doc__.splitlines()[0], stopped="PostgreSQL", run_drill=run_drill)
    print(f"{'PASS' if result.passed else 'FAIL'}: PostgreSQL restart drill in {time.monotonic() - started:.0f} s")
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
