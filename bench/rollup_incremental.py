"""Benchmark: the incremental rollup of 1,000 new signals on top of the whole history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full .venv/bin/python bench/rollup_incremental.py \\
        [--runs 5] [--signals 1000] [--compare-url postgres://postgres@127.0.0.1:5432/cxhub_scale_tenth]

Each run records --signals new signals through journeys.services.signal_record (rollups deferred, so
nothing else rolls them up), then times journeys.rollup.rollup_new_signals alone. The new signals copy
the touchpoint, customer, kind and value of signals drawn from the ledger's last three days (so the mix
of kinds, touchpoints and segments is the ledger's own) and happen within the last 48 hours, the way
late answers and resolutions of yesterday's tickets arrive: they touch today's, yesterday's and the
day before's touchpoint-days, whose components are rebuilt from all of their signals, history included.

Nothing is undone between runs: each run's signals stay in the ledger (source "bench") and in the
components, so the history grows by --signals per run (1,000 on millions: negligible), and every run
rolls up exactly its own new signals from a watermark at the ledger's end.

With --compare-url the same benchmark runs on that database too (e.g. a tenth of the history) and the
ratio of the medians is printed (target: at most 1.5x). Target for the median: at most 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.db import connection
from django.utils import timezone

from bench.common import median
from journeys.models import Customer, ExperienceSignal, Touchpoint
from journeys.rollup import rollup_new_signals
from journeys.services import rollups_deferred, signal_record

TARGET_MS = 200.0
TARGET_RATIO = 1.5
SOURCE = "bench"


def record_new_signals(n: int, rng: random.Random) -> None:
    """n signals like the ledger's recent ones, happening within the last 48 hours."""
    last = ExperienceSignal.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    if last is None:
        sys.exit("The ledger is empty: generate data first (bench/generate.py).")
    recent = list(
        ExperienceSignal.objects.filter(occurred_at__gte=last - dt.timedelta(days=3))
        .exclude(source=SOURCE).values_list("touchpoint_id", "customer_id", "kind", "value")[:20000]
    )
    templates = rng.sample(recent, n) if len(recent) >= n else [rng.choice(recent) for _ in range(n)]
    touchpoints = Touchpoint.objects.in_bulk({t[0] for t in templates})
    customers = Customer.objects.in_bulk({t[1] for t in templates if t[1] is not None})
    now = timezone.now()
    tag = f"{int(time.time() * 1000)}-{rng.randrange(10**6)}"
    with rollups_deferred():
        for i, (touchpoint_id, customer_id, kind, value) in enumerate(templates):
            signal_record(
                touchpoint=touchpoints[touchpoint_id], customer=customers.get(customer_id), kind=kind,
                value=value, source=SOURCE, source_id=f"{tag}-{i}",
                occurred_at=now - dt.timedelta(seconds=rng.uniform(0, 48 * 3600)),
            )


def measure(runs: int, n: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    caught_up = rollup_new_signals()  # start from a watermark at the ledger's end
    if caught_up.signals:
        print(f"  (caught up {caught_up.signals:,} signals the watermark had not reached)")
    times, days = [], []
    for run in range(1, runs + 1):
        record_new_signals(n, rng)
        started = time.perf_counter()
        result = rollup_new_signals()
        elapsed = time.perf_counter() - started
        if result.signals != n:
            sys.exit(f"FAIL: the rollup took {result.signals} signals, not the {n} just recorded.")
        times.append(elapsed)
        days.append(result.touchpoint_days)
        print(f"  run {run}: {n:,} signals, {result.touchpoint_days} touchpoint-days in {elapsed * 1000:.0f} ms")
    return {"db": connection.settings_dict["NAME"], "ledger": ExperienceSignal.objects.count(),
            "median_ms": median(times) * 1000, "runs_ms": [t * 1000 for t in times],
            "touchpoint_days": median(days)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--signals", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare-url", help="Run the same benchmark on this database and print the ratio.")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(f"Incremental rollup of {args.signals:,} new signals in {connection.settings_dict['NAME']} "
          f"({ExperienceSignal.objects.count():,} signals in the ledger), {args.runs} runs")
    mine = measure(args.runs, args.signals, args.seed)
    if args.json:
        print("RESULT " + json.dumps(mine))
        return
    verdict = "within" if mine["median_ms"] <= TARGET_MS else "ABOVE"
    print(f"median {mine['median_ms']:.0f} ms over {mine['ledger']:,} signals "
          f"({verdict} the {TARGET_MS:.0f} ms target)")
    if args.compare_url:
        env = dict(os.environ, DATABASE_URL=args.compare_url)
        command = [sys.executable, __file__, "--runs", str(args.runs), "--signals", str(args.signals),
                   "--seed", str(args.seed), "--json"]
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
        print("\n".join(line for line in output.splitlines() if not line.startswith("RESULT ")))
        other = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
        ratio = mine["median_ms"] / other["median_ms"]
        verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
        print(f"median {other['median_ms']:.0f} ms over {other['ledger']:,} signals in {other['db']}; "
              f"ratio {ratio:.2f}x ({verdict} the {TARGET_RATIO:g}x target)")


if __name__ == "__main__":
    main()
