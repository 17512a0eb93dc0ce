"""Customer health: a 0-100 score per customer from recent signals, its band and the reasons why.

The rules are in `assess` (pure) and written down in docs/scoring.md ("Customer health"). Open
tickets belong to the service side, which journeys does not import: they come through
`journeys.extensions.open_ticket_counts`, which the tickets app feeds.

`health_recompute` is what a periodic job calls; pages read the stored `CustomerHealth` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from journeys.choices import SignalKind as K
from journeys.extensions import open_ticket_counts
from journeys.models import Customer, CustomerHealth, ExperienceSignal, HealthBand, Program

# Customers per batch. Each batch costs a fixed handful of queries (customers with their latest
# answers, signal counts, open tickets, existing rows, one upsert, one delete) whatever its size; 500
# keeps every IN list well under SQLite's variable limit.
BATCH_SIZE = 500

LOOKBACK = dt.timedelta(days=90)  # breaches, reopens and low CSAT count over this long
NPS_LOOKBACK = dt.timedelta(days=365)  # an older NPS answer no longer says how the customer feels
LOW_CSAT_MAX = 2  # CSAT answers of 1 or 2 are "low"

HEALTHY_FROM = 70.0  # 70-100 healthy
AT_RISK_BELOW = 40.0  # 0-39.9 at risk; in between: watch

# Points taken off 100, and the most each rule can take.
DETRACTOR_PENALTY = 35.0
PASSIVE_PENALTY = 10.0
OPEN_TICKET_PENALTY, OPEN_TICKET_MAX = 10.0, 30.0
BREACH_PENALTY, BREACH_MAX = 10.0, 30.0
REOPEN_PENALTY, REOPEN_MAX = 8.0, 24.0
LOW_CSAT_PENALTY, LOW_CSAT_MAX_PENALTY = 15.0, 30.0
SILENT_LONG, SILENT_LONG_PENALTY = 180, 20.0  # days without any signal
SILENT, SILENT_PENALTY = 90, 10.0

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HealthFacts:
    """What health is computed from, for one customer at one moment."""

    open_tickets: int = 0
    breaches: int = 0  # SLA breaches in the last 90 days
    reopens: int = 0  # reopens in the last 90 days
    low_csat: int = 0  # CSAT answers of 1-2 in the last 90 days
    latest_low_csat: tuple[float, dt.datetime] | None = None
    latest_nps: tuple[float, dt.datetime] | None = None  # within the last 365 days
    last_signal_at: dt.datetime | None = None


@dataclass(frozen=True)
class Assessment:
    score: float
    band: str
    reasons: list[str] = field(default_factory=list)


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def band_of(score: float) -> str:
    if score >= HEALTHY_FROM:
        return HealthBand.HEALTHY
    return HealthBand.WATCH if score >= AT_RISK_BELOW else HealthBand.AT_RISK


def assess(facts: HealthFacts, *, now: dt.datetime) -> Assessment:
    """Score, band and reasons of one customer. Pure: the same facts give the same answer.

    Reasons are ordered by the points they cost, the heaviest first.
    """
    penalties: list[tuple[float, str]] = []
    if facts.latest_nps is not None:
        value, at = facts.latest_nps
        if value <= 6:
            penalties.append((DETRACTOR_PENALTY, f"Detractor: NPS {value:g} on {_day(at)}"))
        elif value <= 8:
            penalties.append((PASSIVE_PENALTY, f"Passive: NPS {value:g} on {_day(at)}"))
        else:
            penalties.append((0.0, f"Promoter: NPS {value:g} on {_day(at)}"))
    if facts.open_tickets:
        n = facts.open_tickets
        penalties.append((min(n * OPEN_TICKET_PENALTY, OPEN_TICKET_MAX),
                          f"{n} ticket{'s' if n != 1 else ''} open"))
    if facts.breaches:
        penalties.append((min(facts.breaches * BREACH_PENALTY, BREACH_MAX),
                          f"SLA breached {_times(facts.breaches)} in 90 days"))
    if facts.reopens:
        penalties.append((min(facts.reopens * REOPEN_PENALTY, REOPEN_MAX),
                          f"Tickets reopened {_times(facts.reopens)} in 90 days"))
    if facts.low_csat:
        text = f"{facts.low_csat} low CSAT answers in 90 days"
        if facts.latest_low_csat is not None:
            value, at = facts.latest_low_csat
            text = (f"Low CSAT: {value:g} on {_day(at)}" if facts.low_csat == 1
                    else f"{text} (latest {value:g} on {_day(at)})")
        penalties.append((min(facts.low_csat * LOW_CSAT_PENALTY, LOW_CSAT_MAX_PENALTY), text))
    if facts.last_signal_at is not None:
        silent = (timezone.localtime(now).date() - timezone.localtime(facts.last_signal_at).date()).days
        if silent >= SILENT_LONG:
            penalties.append((SILENT_LONG_PENALTY, f"No contact for {silent} days"))
        elif silent >= SILENT:
            penalties.append((SILENT_PENALTY, f"No contact for {silent} days"))
    score = round(max(0.0, min(100.0, 100.0 - sum(points for points, _ in penalties))), 1)
    reasons = [text for _, text in sorted(penalties, key=lambda p: -p[0])]  # stable: ties keep order
    return Assessment(score, band_of(score), reasons)


# --- Recompute ---------------------------------------------------------------------------------------


_FIELDS = ("score", "band", "latest_nps", "open_tickets", "breaches", "reopens", "last_signal_at",
           "reasons")


def _batches(customer_ids: Sequence[int] | None) -> Iterator[list[int]]:
    if customer_ids is not None:
        ids = sorted({int(i) for i in customer_ids})
        for start in range(0, len(ids), BATCH_SIZE):
            yield ids[start:start + BATCH_SIZE]
        return
    last = 0
    while True:
        ids = list(Customer.objects.filter(id__gt=last).order_by("id")
                   .values_list("id", flat=True)[:BATCH_SIZE])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _facts(ids: list[int], now: dt.datetime) -> dict[int, HealthFacts]:
    """The facts of every customer in the batch who has a signal or an open ticket: three queries."""
    since, nps_since = now - LOOKBACK, now - NPS_LOOKBACK
    past = ExperienceSignal.objects.filter(occurred_at__lte=now)
    counts = {
        row["customer_id"]: row
        for row in past.filter(customer_id__in=ids).values("customer_id").annotate(
            last_signal_at=Max("occurred_at"),
            breaches=Count("id", filter=Q(kind=K.SLA_BREACHED, occurred_at__gte=since)),
            reopens=Count("id", filter=Q(kind=K.TICKET_REOPENED, occurred_at__gte=since)),
            low_csat=Count("id", filter=Q(kind=K.CSAT_ANSWER, value__lte=LOW_CSAT_MAX,
                                          occurred_at__gte=since)),
        ).order_by()
    }
    latest_nps = past.filter(customer_id=OuterRef("pk"), kind=K.NPS_ANSWER,
                             occurred_at__gte=nps_since).order_by("-occurred_at", "-id")
    latest_low = past.filter(customer_id=OuterRef("pk"), kind=K.CSAT_ANSWER, value__lte=LOW_CSAT_MAX,
                             occurred_at__gte=since).order_by("-occurred_at", "-id")
    answers = {
        row["id"]: row
        for row in Customer.objects.filter(id__in=list(counts)).annotate(
            nps_value=Subquery(latest_nps.values("value")[:1]),
            nps_at=Subquery(latest_nps.values("occurred_at")[:1]),
            low_value=Subquery(latest_low.values("value")[:1]),
            low_at=Subquery(latest_low.values("occurred_at")[:1]),
        ).values("id", "nps_value", "nps_at", "low_value", "low_at")
    } if counts else {}
    tickets = open_ticket_counts(ids)
    facts = {}
    for customer_id in ids:
        row, answer = counts.get(customer_id), answers.get(customer_id, {})
        open_tickets = tickets.get(customer_id, 0)
        if row is None and not open_tickets:
            continue
        row = row or {}
        facts[customer_id] = HealthFacts(
            open_tickets=open_tickets,
            breaches=row.get("breaches", 0),
            reopens=row.get("reopens", 0),
            low_csat=row.get("low_csat", 0),
            latest_low_csat=(answer["low_value"], answer["low_at"])
            if answer.get("low_value") is not None else None,
            latest_nps=(answer["nps_value"], answer["nps_at"])
            if answer.get("nps_value") is not None else None,
            last_signal_at=row.get("last_signal_at"),
        )
    return facts


def _row(customer_id: int, facts: HealthFacts, now: dt.datetime) -> CustomerHealth:
    result = assess(facts, now=now)
    return CustomerHealth(
        customer_id=customer_id, score=result.score, band=result.band,
        latest_nps=facts.latest_nps[0] if facts.latest_nps else None,
        open_tickets=facts.open_tickets, breaches=facts.breaches, reopens=facts.reopens,
        last_signal_at=facts.last_signal_at, reasons=result.reasons, computed_at=now,
    )


def _same(a: CustomerHealth, b: CustomerHealth) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in _FIELDS)


def health_recompute(
    *, customer_ids: Sequence[int] | None = None, progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Recompute the health of the given customers (all when None), in batches of BATCH_SIZE.

    Set-based: a fixed handful of queries per batch, never per customer. Customers with no signal and
    no open ticket have no row (a stale one is removed). Rows are upserted in one statement per batch
    and only when a figure changed, so `computed_at` is when the figures last changed and running it
    twice changes nothing. Returns how many rows were created, changed or removed.
    """
    now = now or timezone.now()
    total = (len(set(customer_ids)) if customer_ids is not None else Customer.objects.count()) \
        if progress else 0
    done = written = 0
    for ids in _batches(customer_ids):
        with transaction.atomic():
            facts = _facts(ids, now)
            existing = {row.customer_id: row for row in CustomerHealth.objects.filter(customer_id__in=ids)}
            fresh = [_row(customer_id, f, now) for customer_id, f in facts.items()]
            changed = [row for row in fresh
                       if row.customer_id not in existing or not _same(row, existing[row.customer_id])]
            if changed:
                # One INSERT ... ON CONFLICT: a concurrent run writing the same customer cannot fail.
                CustomerHealth.objects.bulk_create(
                    changed, update_conflicts=True, unique_fields=["customer"],
                    update_fields=[*_FIELDS, "computed_at"],
                )
            stale = [customer_id for customer_id in existing if customer_id not in facts]
            if stale:
                CustomerHealth.objects.filter(customer_id__in=stale).delete()
            written += len(changed) + len(stale)
        done += len(ids)
        if progress:
            progress(done, total)
    return written


# --- Reads -------------------------------------------------------------------------------------------


# Orderings of the health list: key -> (label, order_by). The first is the default.
ORDERINGS: dict[str, tuple[str | Promise, tuple[str | OrderBy, ...]]] = {
    "": (gettext_lazy("Worst first"), ("score", "customer_id")),
    "-score": (gettext_lazy("Best first"), ("-score", "customer_id")),
    # Customers with no signal yet (only open tickets) come last on every database.
    "silent": (gettext_lazy("Longest without contact"),
               (F("last_signal_at").asc(nulls_last=True), "customer_id")),
    "name": (gettext_lazy("Name"), ("customer__name", "customer_id")),
}


def health_list(
    *, band: str | None = None, segment: str | None = None, q: str | None = None,
    ordering: str = "",
) -> QuerySet[CustomerHealth]:
    """Stored health rows with their customer, worst first unless `ordering` (a key of ORDERINGS)
    says otherwise; filters ignore empty values."""
    order = ORDERINGS.get(ordering, ORDERINGS[""])[1]
    rows = CustomerHealth.objects.select_related("customer").order_by(*order)
    if band:
        rows = rows.filter(band=band)
    if segment:
        rows = rows.filter(customer__segment=segment)
    for word in (q or "").split()[:8]:  # bounded: each word is one more condition
        rows = rows.filter(Q(customer__name__icontains=word) | Q(customer__external_id__iexact=word)
                           | Q(customer__email__iexact=word))
    return rows


def at_risk(*, segment: str | None = None) -> QuerySet[CustomerHealth]:
    """Customers in the at-risk band, worst first."""
    return health_list(band=HealthBand.AT_RISK, segment=segment)


def segments() -> list[str]:
    """The customer segments in use, for filters."""
    return list(Customer.objects.exclude(segment="").order_by("segment")
                .values_list("segment", flat=True).distinct())


DASHBOARD_WORST = 5


@dataclass(frozen=True)
class AtRiskPanel:
    """The dashboard's at-risk panel of a program (templates/journeys/partials/_dashboard_at_risk.html)."""

    program: Program | None
    count: int
    customers: list[CustomerHealth]  # the worst DASHBOARD_WORST, with their customer
    window: object
    list_url: str


def dashboard_context(*, program: Program | None, window: object) -> dict[str, object]:
    """`{"at_risk_panel": AtRiskPanel}`: how many customers are at risk and the five worst, with
    their reasons. Two queries.

    With a program, only customers who have had a signal at one of its touchpoints on or before the
    window's end count. Health itself is as of its last recompute, not of the window: a customer
    silent for months is exactly the one to see.
    """
    from django.urls import reverse

    rows = at_risk()
    if program is not None:
        seen = ExperienceSignal.objects.filter(customer_id=OuterRef("customer_id"),
                                               touchpoint__stage__journey__program=program)
        end = getattr(window, "end", None)
        if isinstance(end, dt.date):
            start_of_next = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1),
                                                                    dt.time.min))
            seen = seen.filter(occurred_at__lt=start_of_next)
        rows = rows.filter(Exists(seen))
    worst = list(rows[:DASHBOARD_WORST])
    count = len(worst) if len(worst) < DASHBOARD_WORST else rows.count()
    url = f"{reverse('journeys:health_list')}?band={HealthBand.AT_RISK}"
    return {"at_risk_panel": AtRiskPanel(program, count, worst, window, url)}


def customer_health_get(*, customer_id: int) -> tuple[Customer, CustomerHealth | None]:
    """A customer and their stored health (None when they have none). Raises Customer.DoesNotExist."""
    customer = Customer.objects.get(pk=customer_id)
    return customer, CustomerHealth.objects.filter(customer_id=customer_id).first()
