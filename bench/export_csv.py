"""Benchmark: CSV export of 100,000 tickets, streamed (the service-desk issue's figure).

    .venv/bin/python bench/export_csv.py [--tickets 100000] [--runs 5]

Uses its own database: a SQLite file in the temp folder, or the PostgreSQL database named by
BENCH_DATABASE_URL. Loads the tickets once (bulk inserts, with progress), then streams
/tickets/export.csv?queue=all through the full view stack several times and prints the median time,
rows per second and the peak Python memory of a run (tracemalloc), which must stay flat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(Path(tempfile.gettempdir()) / "cxhub-bench-export.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxhub.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from journeys.models import Customer  # noqa: E402
from tickets.models import Ticket  # noqa: E402

BATCH = 5000


def load(n_tickets: int) -> None:
    have = Ticket.objects.count()
    if have >= n_tickets:
        print(f"{have} tickets already loaded")
        return
    customers = list(Customer.objects.all()[:1000])
    if not customers:
        Customer.objects.bulk_create(
            Customer(name=f"Πελάτης {i} Nguyễn {i} مشتری", external_id=f"BENCH-{i}") for i in range(1000))
        customers = list(Customer.objects.all())
    now = timezone.now()
    for start in range(have, n_tickets, BATCH):
        size = min(BATCH, n_tickets - start)
        Ticket.objects.bulk_create(
            Ticket(subject=f"=Bench ticket {start + i}", customer=customers[(start + i) % len(customers)],
                   created_at=now, first_response_due_at=now, resolution_due_at=now)
            for i in range(size))
        print(f"\r  loaded {start + size}/{n_tickets} tickets", end="", flush=True)
    print()


def run_once(client: Client) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get("/tickets/export.csv", {"queue": "all"})
    rows = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    return time.perf_counter() - started, rows - 1


def peak_memory(client: Client) -> int:
    """One more run under tracemalloc (which slows Python down, so it is not timed)."""
    tracemalloc.start()
    run_once(client)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    load(args.tickets)
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user)
    times = []
    for i in range(args.runs):
        elapsed, rows = run_once(client)
        times.append(elapsed)
        print(f"  run {i + 1}: {rows} rows in {elapsed:.2f}s")
    median = statistics.median(times)
    peak = peak_memory(client)
    print(f"export {rows} rows on {connection.vendor}: median {median:.2f}s over {args.runs} runs, "
          f"{rows / median:,.0f} rows/s, peak Python memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
