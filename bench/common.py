"""What the scale benchmarks share: starting Django on PostgreSQL, progress lines, timing, checksums."""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bootstrap() -> None:
    """Configure Django for a script run from the command line; refuse anything but PostgreSQL."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The scale benchmarks need PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME "
            f"(got {url or 'nothing'!r}). They load millions of rows with server-side SQL."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxhub.settings")
    # Benchmarks record signals themselves and time the rollup directly: no task may run behind them.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    # They measure the work, not the rate limit, which one token at their pace soon reaches.
    os.environ.setdefault("API_THROTTLE_USER", "1000000/min")
    import django

    django.setup()


class Progress:
    """One line per update: done of total, rows per second since the step began, and an ETA."""

    def __init__(self, title: str, total: int, *, out: Callable[[str], None] | None = None) -> None:
        self.title = title
        self.total = total
        self.out = out or functools.partial(print, flush=True)  # lines reach a log file as they happen
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        total = self.total if total is None else total
        now = time.monotonic()
        if done < total and now - self.last < 1.0:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0.0
        self.out(f"  {self.title}: {done:,}/{total:,} ({rate:,.0f} rows/s, "
                 f"{elapsed:.0f} s elapsed, ETA {eta:.0f} s)")

    def finish(self, done: int, extra: str = "") -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.out(f"  {self.title}: {done:,} rows in {elapsed:.1f} s ({done / elapsed:,.0f} rows/s){extra}")
        return elapsed


def database_url() -> str:
    """The DATABASE_URL of the connection Django uses, for processes a benchmark or drill starts."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{s['HOST'] or 'localhost'}{port}/{quote(s['NAME'], safe='')}"


def log_tail(log: Path, lines: int) -> str:
    """The last lines of a started process's log, to show when it failed."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


# Every stored column of a daily component except its id, in a fixed order, for checksums.
COMPONENT_COLUMNS = (
    "touchpoint_id", "day", "segment", "signals", "nps_responses", "nps_promoters", "nps_passives",
    "nps_detractors", "csat_responses", "csat_satisfied", "csat_score_sum", "ces_responses", "ces_easy",
    "ces_score_sum", "tickets_resolved", "resolution_seconds_sum", "first_responses",
    "first_response_seconds_sum", "queue_waits", "queue_wait_seconds_sum", "sla_met", "sla_breached", "fcr",
    "reopens",
)


def components_checksum() -> tuple[int, str]:
    """(rows, md5 of every row in key order): equal checksums mean equal component tables."""
    from django.db import connection

    columns = ", ".join(COMPONENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(row({columns})::text, '|' "
            "ORDER BY touchpoint_id, day, segment)), '') FROM journeys_scorecomponentdaily"
        )
        rows, digest = cursor.fetchone()
    return rows, digest
