"""Benchmark: the full score recompute against a hand-written SQL baseline, over the same ledger.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxhub_scale_full .venv/bin/python bench/rollup_full.py \\
        [--runs 5] [--explain]

Ours is journeys.rollup.recompute_all: in one transaction it deletes every daily component, lets
PostgreSQL aggregate the whole ledger by (touchpoint, day, segment) through the ORM, and writes the rows
back from Python in batches (bulk_create), then moves the watermark. The baseline is the least the
database can do for the same result: one DELETE and one `INSERT INTO journeys_scorecomponentdaily ...
SELECT ... GROUP BY touchpoint_id, day, segment`, in one transaction. The two are run alternately,
each --runs times; after every run the component table's checksum (md5 over every row in key order)
must be the same, or the benchmark fails. Prints each median and ours / baseline (target: at most 2x).
The database is left as recompute_all leaves it (it runs last).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import bootstrap

    bootstrap()

from django.db import connection, transaction
from django.utils import timezone

from bench.common import components_checksum, median, timed
from journeys.models import ExperienceSignal
from journeys.rollup import _aggregate, recompute_all

TARGET_RATIO = 2.0

BASELINE_INSERT = """
INSERT INTO journeys_scorecomponentdaily (
    touchpoint_id, day, segment, signals, nps_responses, nps_promoters, nps_passives, nps_detractors,
    csat_responses, csat_satisfied, csat_score_sum, ces_responses, ces_easy, ces_score_sum, tickets_resolved,
    resolution_seconds_sum, first_responses, first_response_seconds_sum, queue_waits, queue_wait_seconds_sum,
    sla_met, sla_breached, fcr, reopens)
"""
BASELINE_SELECT = """
SELECT touchpoint_id, (occurred_at AT TIME ZONE %(tz)s)::date, segment,
       count(*),
       count(*) FILTER (WHERE kind = 'nps_answer'),
       count(*) FILTER (WHERE kind = 'nps_answer' AND value >= 9),
       count(*) FILTER (WHERE kind = 'nps_answer' AND value >= 7 AND value < 9),
       count(*) FILTER (WHERE kind = 'nps_answer' AND value < 7),
       count(*) FILTER (WHERE kind = 'csat_answer'),
       count(*) FILTER (WHERE kind = 'csat_answer' AND value >= 4),
       round(coalesce(sum(value) FILTER (WHERE kind = 'csat_answer'), 0)),
       count(*) FILTER (WHERE kind = 'ces_answer'),
       count(*) FILTER (WHERE kind = 'ces_answer' AND value >= 5),
       round(coalesce(sum(value) FILTER (WHERE kind = 'ces_answer'), 0)),
       count(*) FILTER (WHERE kind = 'ticket_resolved'),
       round(coalesce(sum(value) FILTER (WHERE kind = 'ticket_resolved'), 0)),
       count(*) FILTER (WHERE kind = 'first_response'),
       round(coalesce(sum(value) FILTER (WHERE kind = 'first_response'), 0)),
       count(*) FILTER (WHERE kind = 'queue_wait'),
       round(coalesce(sum(value) FILTER (WHERE kind = 'queue_wait'), 0)),
       count(*) FILTER (WHERE kind = 'sla_met'),
       count(*) FILTER (WHERE kind = 'sla_breached'),
       count(*) FILTER (WHERE kind = 'first_contact_resolution') - count(*) FILTER (WHERE kind = 'fcr_revoked'),
       count(*) FILTER (WHERE kind = 'ticket_reopened')
FROM journeys_experiencesignal
GROUP BY 1, 2, 3
"""
BASELINE_SQL = BASELINE_INSERT + BASELINE_SELECT


def baseline() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM journeys_scorecomponentdaily")
        cursor.execute(BASELINE_SQL, {"tz": timezone.get_default_timezone_name()})


def ours() -> None:
    recompute_all()


def explain() -> None:
    """EXPLAIN ANALYZE of the aggregate query recompute_all sends, and of the baseline's SELECT."""
    sql, params = _aggregate(ExperienceSignal.objects.all()).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for title, query, args in (
            ("recompute_all's aggregate (the ORM's query)", sql, params),
            ("the baseline's SELECT", BASELINE_SELECT, {"tz": timezone.get_default_timezone_name()}),
        ):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, args)
            print(f"\nEXPLAIN ANALYZE, {title}:")
            for (line,) in cursor.fetchall():
                print(f"  {line}")
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="Also print EXPLAIN ANALYZE of both queries.")
    args = parser.parse_args()
    signals = ExperienceSignal.objects.count()
    print(f"Full recompute over {signals:,} signals in {connection.settings_dict['NAME']}, "
          f"{args.runs} runs each, alternating")
    times: dict[str, list[float]] = {"baseline": [], "ours": []}
    checksums = set()
    for run in range(1, args.runs + 1):
        for name, fn in (("baseline", baseline), ("ours", ours)):
            elapsed = timed(fn)
            rows, digest = components_checksum()
            checksums.add((rows, digest))
            times[name].append(elapsed)
            print(f"  run {run} {name:8}: {elapsed:7.2f} s, {rows:,} rows, md5 {digest}")
    if len(checksums) != 1:
        sys.exit(f"FAIL: the baseline and recompute_all wrote different components: {sorted(checksums)}")
    base, mine = median(times["baseline"]), median(times["ours"])
    ratio = mine / base
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"median: baseline {base:.2f} s, recompute_all {mine:.2f} s, ratio {ratio:.2f}x "
          f"({verdict} the {TARGET_RATIO:g}x target); same {checksums.pop()[0]:,} rows in both")
    if args.explain:
        explain()


if __name__ == "__main__":
    main()
