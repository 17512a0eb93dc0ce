"""Benchmark: ticket creation through the API under gunicorn on loopback, driven by wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/ticket_create_load.py [--runs 5] [--seconds 10] [--workers 3] [--no-worker]

The app runs as in production (DEBUG=0) under gunicorn on a free loopback port, with Celery tasks sent to
the Redis broker of REDIS_URL and, unless --no-worker, one real Celery worker consuming them (the
debounced score rollups and webhook deliveries that ticket creation queues), all on this machine. wrk
(Debian's package `wrk`) posts tickets with a read-write API token, each with its own subject, body and
customer; bench/wrk/create_ticket.lua builds the requests and prints the latency percentiles.

Two measurements, each --runs times (the figure is the median of the runs):
- throughput: as many requests as 16 connections can make in --seconds; target at least 200 requests/s;
- latency at 150 requests/s: 16 connections pacing themselves to 150 requests/s together (each pauses
  after an answer; the pause is calibrated first so that pause plus latency gives 150/s in all);
  target p95 at most 50 ms. The rate achieved is printed beside it.
Any answer but 201 fails the benchmark. The tickets created stay (source "bench-load" in their subject).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bench.common import ROOT, median
from cxhub import roles
from cxhub.tokens import api_token_create
from journeys.models import Customer, Touchpoint

TARGET_RATE = 200.0
TARGET_P95_MS = 50.0
PACED_RATE = 150
CONNECTIONS = 16
LUA = ROOT / "bench" / "wrk" / "create_ticket.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token() -> str:
    user, _ = get_user_model().objects.get_or_create(username="bench-crm")
    user.groups.add(Group.objects.get(name=roles.API_CLIENT_WRITE))
    return api_token_create(user=user, name="bench ticket load")[1]


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DEBUG": "0", "SECRET_KEY": "bench-" + os.urandom(16).hex(), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0", "API_THROTTLE_USER": "1000000/min",
    })
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def start(port: int, workers: int, celery_worker: bool) -> list[subprocess.Popen]:
    env = server_env(port)
    venv = Path(sys.executable).parent
    processes = [subprocess.Popen(
        [str(venv / "gunicorn"), "cxhub.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning"], cwd=ROOT, env=env)]
    if celery_worker:
        processes.append(subprocess.Popen(
            [str(venv / "celery"), "-A", "cxhub", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            cwd=ROOT, env=env))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return processes
        except OSError:
            time.sleep(0.3)
    stop(processes)
    sys.exit("gunicorn did not answer /healthz within 30 s")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(port: int, key: str, seconds: int, *, delay_ms: float = 0.0) -> dict[str, float]:
    customers = list(Customer.objects.order_by("?").values_list("id", flat=True)[:2000])
    touchpoints = list(Touchpoint.objects.filter(archived_at__isnull=True).values_list("id", flat=True))
    env = dict(os.environ, CXHUB_TOKEN=key, CXHUB_CUSTOMERS=",".join(map(str, customers)),
               CXHUB_TOUCHPOINTS=",".join(map(str, touchpoints)),
               CXHUB_DELAY_MS=f"{delay_ms:.1f}")
    run = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(LUA),
         f"http://127.0.0.1:{port}/api/v1/tickets/"],
        env=env, capture_output=True, text=True, check=False,
    )
    if run.returncode:
        sys.exit(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    out = run.stdout
    line = next((row for row in out.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{out}")
    return json.loads(line.removeprefix("RESULT "))


def pacing(port: int, key: str) -> float:
    """The pause (ms) each connection takes after an answer so that together they ask PACED_RATE/s.

    wrk waits the pause after each answer, so a connection's cycle is the pause plus the latency: start
    from the pause alone, measure the rate it gives, take the latency it implies off, twice. A server
    that cannot keep up gets no pause at all (and the latency shows it)."""
    delay = CONNECTIONS * 1000 / PACED_RATE
    for _ in range(2):
        achieved = wrk(port, key, 3, delay_ms=delay)["rate"]
        latency = CONNECTIONS * 1000 / achieved - delay
        delay = max(0.0, CONNECTIONS * 1000 / PACED_RATE - latency)
    return delay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3).")
    parser.add_argument("--no-worker", action="store_true", help="Do not start a Celery worker.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the app sends its tasks to that Redis broker, as in production.")
    key = token()
    port = free_port()
    processes = start(port, args.workers, not args.no_worker)
    print(f"Ticket creation under gunicorn ({args.workers} workers"
          f"{', one Celery worker' if not args.no_worker else ''}) on 127.0.0.1:{port}, wrk with "
          f"{CONNECTIONS} connections, {args.runs} runs of {args.seconds} s each", flush=True)
    try:
        wrk(port, key, 3)  # warm every gunicorn worker
        delay = pacing(port, key)
        print(f"  pacing: each connection pauses {delay:.1f} ms after an answer", flush=True)
        full, paced = [], []
        for run in range(1, args.runs + 1):
            full.append(wrk(port, key, args.seconds))
            paced.append(wrk(port, key, args.seconds, delay_ms=delay))
            print(f"  run {run}: unpaced {full[-1]['rate']:6.0f} req/s (p95 {full[-1]['p95']:5.1f} ms); "
                  f"paced {paced[-1]['rate']:5.0f} req/s, p95 {paced[-1]['p95']:5.1f} ms, "
                  f"p99 {paced[-1]['p99']:5.1f} ms", flush=True)
            failures = sum(r["errors"] + r["socket_errors"] for r in (full[-1], paced[-1]))
            if failures:
                sys.exit(f"FAIL: {failures} answers were not 201")
    finally:
        stop(processes)
    rate = median([r["rate"] for r in full])
    p95 = median([r["p95"] for r in paced])
    achieved = median([r["rate"] for r in paced])
    ok = rate >= TARGET_RATE and p95 <= TARGET_P95_MS
    print(f"median: {rate:,.0f} tickets/s unpaced ({'PASS' if rate >= TARGET_RATE else 'BELOW'} the "
          f"{TARGET_RATE:g}/s target); at {achieved:,.0f} req/s p95 {p95:.1f} ms "
          f"({'PASS' if p95 <= TARGET_P95_MS else 'ABOVE'} the {TARGET_P95_MS:g} ms target)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
