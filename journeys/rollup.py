"""Rolling the signal ledger into daily score components.

Both paths compute a touchpoint-day's components from *all* of that touchpoint-day's signals in one
GROUP BY, so they cannot disagree: the incremental rollup recomputes only the touchpoint-days that
received signals past the watermark; the full recompute recomputes every one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from journeys.choices import SignalKind as K
from journeys.models import ExperienceSignal, RollupWatermark, ScoreComponentDaily
from journeys.services import ledger_high_water

WATERMARK = "scores"
# Rows per INSERT when writing components: keeps statements well under SQLite's variable limit.
WRITE_BATCH = 500

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RollupResult:
    signals: int
    touchpoint_days: int
    watermark: int


def _int_sum(expression: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition), 0.0)


def _aggregate(signals: QuerySet[ExperienceSignal]) -> QuerySet:
    """One row per (touchpoint, day, segment) with every additive component, computed in the database."""
    nps, csat, ces = Q(kind=K.NPS_ANSWER), Q(kind=K.CSAT_ANSWER), Q(kind=K.CES_ANSWER)
    resolved, first, wait = Q(kind=K.TICKET_RESOLVED), Q(kind=K.FIRST_RESPONSE), Q(kind=K.QUEUE_WAIT)
    return (
        signals.annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_default_timezone()))
        .values("touchpoint_id", "day", "segment")
        .annotate(
            signals=Count("id"),
            nps_responses=Count("id", filter=nps),
            nps_promoters=Count("id", filter=nps & Q(value__gte=9)),
            nps_passives=Count("id", filter=nps & Q(value__gte=7, value__lt=9)),
            nps_detractors=Count("id", filter=nps & Q(value__lt=7)),
            csat_responses=Count("id", filter=csat),
            csat_satisfied=Count("id", filter=csat & Q(value__gte=4)),
            csat_score_sum=_int_sum("value", csat),
            ces_responses=Count("id", filter=ces),
            ces_easy=Count("id", filter=ces & Q(value__gte=5)),
            ces_score_sum=_int_sum("value", ces),
            tickets_resolved=Count("id", filter=resolved),
            resolution_seconds_sum=_int_sum("value", resolved),
            first_responses=Count("id", filter=first),
            first_response_seconds_sum=_int_sum("value", first),
            queue_waits=Count("id", filter=wait),
            queue_wait_seconds_sum=_int_sum("value", wait),
            sla_met=Count("id", filter=Q(kind=K.SLA_MET)),
            sla_breached=Count("id", filter=Q(kind=K.SLA_BREACHED)),
            fcr_gained=Count("id", filter=Q(kind=K.FIRST_CONTACT_RESOLUTION)),
            fcr_lost=Count("id", filter=Q(kind=K.FCR_REVOKED)),
            reopens=Count("id", filter=Q(kind=K.TICKET_REOPENED)),
        )
        .order_by("touchpoint_id", "day", "segment")
    )


_SUM_FIELDS = ("csat_score_sum", "ces_score_sum", "resolution_seconds_sum",
               "first_response_seconds_sum", "queue_wait_seconds_sum")


def _component(row: dict) -> ScoreComponentDaily:
    row = dict(row)
    fcr = row.pop("fcr_gained") - row.pop("fcr_lost")
    for name in _SUM_FIELDS:
        row[name] = round(row[name])  # sums of whole values; round away float representation
    return ScoreComponentDaily(fcr=fcr, **row)


def _write(rows: Iterable[dict], progress: Progress | None = None, total: int = 0) -> int:
    batch: list[ScoreComponentDaily] = []
    written = 0
    for row in rows:
        batch.append(_component(row))
        if len(batch) >= WRITE_BATCH:
            ScoreComponentDaily.objects.bulk_create(batch)
            written += len(batch)
            batch = []
            if progress:
                progress(written, total)
    if batch:
        ScoreComponentDaily.objects.bulk_create(batch)
        written += len(batch)
        if progress:
            progress(written, total)
    return written


def _insert_aggregate(signals: QuerySet[ExperienceSignal]) -> int:
    """Write the components of `signals` with one INSERT ... SELECT over `_aggregate`'s query.

    For the full recompute: every touchpoint-day is written, and sending the rows through Python and
    back cost about three times the aggregate itself (docs/performance.md).
    """
    sql, params = _aggregate(signals).order_by().query.sql_with_params()
    qn = connection.ops.quote_name
    columns, values = [], []
    for f in ScoreComponentDaily._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(qn(f.column))
        if f.name == "fcr":
            values.append(f"{qn('fcr_gained')} - {qn('fcr_lost')}")
        elif f.name in _SUM_FIELDS:  # sums of whole values; round away float representation
            values.append(f"CAST(ROUND({qn(f.name)}) AS BIGINT)")
        else:
            values.append(qn(f.attname))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(ScoreComponentDaily._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM ({sql}) AS components",
            params,
        )
        return cursor.rowcount


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def _locked_watermark() -> RollupWatermark:
    RollupWatermark.objects.get_or_create(name=WATERMARK)
    # Serialises rollups: a second one waits here and then finds nothing left to do.
    return RollupWatermark.objects.select_for_update().get(name=WATERMARK)


def _recompute_touchpoint_days(pairs: Iterable[tuple[int, dt.date]]) -> int:
    by_day: dict[dt.date, set[int]] = defaultdict(set)
    for touchpoint_id, day in pairs:
        by_day[day].add(touchpoint_id)
    if not by_day:
        return 0
    signal_filter = reduce(
        or_,
        (Q(touchpoint_id__in=tps, occurred_at__gte=_day_bounds(day)[0],
           occurred_at__lt=_day_bounds(day)[1]) for day, tps in by_day.items()),
    )
    component_filter = reduce(
        or_, (Q(touchpoint_id__in=tps, day=day) for day, tps in by_day.items())
    )
    ScoreComponentDaily.objects.filter(component_filter).delete()
    # Unordered: the rows are written in any order, and without the sort PostgreSQL can hash-aggregate.
    return _write(_aggregate(ExperienceSignal.objects.filter(signal_filter)).order_by())


def rollup_new_signals(*, batch_size: int | None = None) -> RollupResult:
    """Roll signals past the watermark into the components of the touchpoint-days they touch.

    Safe to run again and concurrently: each batch recomputes its touchpoint-days from the ledger and
    moves the watermark in the same transaction, under a row lock on the watermark.
    """
    batch_size = batch_size or settings.ROLLUP_BATCH_SIZE
    high = ledger_high_water()
    signals = touchpoint_days = 0
    tz = timezone.get_default_timezone()
    while True:
        with transaction.atomic():
            mark = _locked_watermark()
            start = mark.last_signal_id
            if start >= high:
                return RollupResult(signals, touchpoint_days, mark.last_signal_id)
            pending = ExperienceSignal.objects.filter(id__gt=start, id__lte=high)
            ids = list(pending.order_by("id").values_list("id", flat=True)[:batch_size])
            end = ids[-1] if len(ids) == batch_size else high
            pairs = (
                pending.filter(id__lte=end)
                .annotate(day=TruncDate("occurred_at", tzinfo=tz))
                .values_list("touchpoint_id", "day")
                .order_by()  # no ordering column may sneak into the DISTINCT
                .distinct()
            )
            touchpoint_days += _recompute_touchpoint_days(list(pairs))
            signals += len(ids)
            mark.last_signal_id = end
            mark.save(update_fields=["last_signal_id", "updated_at"])


def recompute_all(*, progress: Progress | None = None) -> RollupResult:
    """Rebuild every daily component from the whole ledger, in one transaction."""
    high = ledger_high_water()
    with transaction.atomic():
        mark = _locked_watermark()
        ScoreComponentDaily.objects.all().delete()
        signals = ExperienceSignal.objects.count()
        written = _insert_aggregate(ExperienceSignal.objects.all())
        if progress:
            progress(written, written)
        mark.last_signal_id = high
        mark.save(update_fields=["last_signal_id", "updated_at"])
    return RollupResult(signals, written, high)
