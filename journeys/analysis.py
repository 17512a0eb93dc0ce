"""Service impact and key drivers: analyses too heavy for a page view, stored as AnalysisSnapshot rows.

Both read only the experience-signal ledger (never tickets or feedback tables), with set-based
queries: GROUP BY customer with conditional aggregates, a fixed handful of queries per scope whatever
the number of customers. `analysis_refresh` computes and stores them; pages only read the snapshots.
The method, its choices and its limits are written down in docs/insights.md; change both together.

Service impact (per touchpoint, journey and program):
- served customers: those with at least one first resolution (an `sla_met` or `sla_breached` signal)
  at the scope in the window. "Breached": at least one breach; "met": every one met. "Reopened": at
  least one `ticket_reopened` signal at the scope in the window; "not reopened": the other served.
- their experience: their NPS and CSAT answers at the scope given in the window *after* their first
  resolution in the window and at most FOLLOW_DAYS after it, so an answer given before the ticket
  cannot be blamed on it. Every such answer counts once.
- the customers with answers but no resolved ticket at the scope are a third, reference group.
- points lost: (met group's score - breached group's score) x the breached group's share of the
  scope's answers in the window: how far the scope's NPS (or CSAT) would rise if the customers whose
  tickets breached had had the met group's experience. An association, not a proven cause.

Key drivers (per journey): over customers with a journey-level NPS (their latest NPS answer at any
touchpoint of the journey in the window) the Pearson correlation of that answer with their mean
answer at each touchpoint (CSAT, CES and NPS each put on 0..100), leaving out the very answer used as
the journey-level NPS. Significance from the Fisher z-transform; fewer than MIN_DRIVER_CUSTOMERS
customers with both says "not enough customers".
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxhub.languages import local_decimal
from journeys.choices import SignalKind as K
from journeys.models import (
    AnalysisSnapshot,
    ExperienceSignal,
    Journey,
    Program,
    Touchpoint,
)
from journeys.models.analytics import AnalysisKind
from journeys.scoring import Z95, nps_difference_z, nps_interval, two_proportion_z, wilson_interval
from journeys.selectors import Window

Progress = Callable[[int, int], None]

# Analyses are stored for these windows by default; pages offer ANALYSIS_WINDOWS.
DEFAULT_WINDOWS = (30, 90)
ANALYSIS_WINDOWS = (30, 90, 365)
# An answer is blamed on service only if given within this many days after the first resolution.
FOLLOW_DAYS = 30
# Fewer answers than this in either group: the difference is not judged (shown as "too few").
MIN_GROUP_ANSWERS = 5
# Fewer customers with both a journey NPS and a touchpoint answer: "not enough customers".
MIN_DRIVER_CUSTOMERS = 10
# Two-sided significance level of the drivers and of "beyond noise".
ALPHA = 0.05

OUTCOME_KINDS = (K.SLA_MET, K.SLA_BREACHED)


# --- interval math (the 95% intervals and pooled tests themselves are journeys.scoring's) ------------


def nps_variance(promoters: int, detractors: int, n: int) -> float:
    """Variance of one answer's NPS contribution (+1 promoter, 0 passive, -1 detractor)."""
    p, d = promoters / n, detractors / n
    return p + d - (p - d) ** 2


def _difference(kind: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """a - b with a 95% interval and whether it is beyond noise.

    Beyond noise: the pooled z test of journeys.scoring (two proportions, or NPS from promoters and
    detractors) beyond 1.96, with at least MIN_GROUP_ANSWERS answers in each group. The interval shown
    is a Wald interval whose standard error adds pseudo-counts (Agresti-Caffo: one success and one
    failure per group for a share; one promoter and one detractor per group for an NPS), so that groups
    that all answered alike still have a spread.
    """
    if a["value"] is None or b["value"] is None:
        return {"value": None, "low": None, "high": None, "beyond_noise": False, "enough": False}
    diff = a["value"] - b["value"]
    if kind == "nps":
        var = sum(nps_variance(g["promoters"] + 1, g["detractors"] + 1, g["n"] + 2) / (g["n"] + 2)
                  for g in (a, b))
    else:
        var = sum(((g["satisfied"] + 1) / (g["n"] + 2)) * (1 - (g["satisfied"] + 1) / (g["n"] + 2))
                  / (g["n"] + 2) for g in (a, b))
    half = 100 * Z95 * math.sqrt(var)
    enough = a["n"] >= MIN_GROUP_ANSWERS and b["n"] >= MIN_GROUP_ANSWERS
    if kind == "nps":
        z = nps_difference_z((a["promoters"], a["detractors"], a["n"]),
                             (b["promoters"], b["detractors"], b["n"]))
    else:
        z = two_proportion_z(a["satisfied"], a["n"], b["satisfied"], b["n"])
    return {"value": diff, "low": diff - half, "high": diff + half, "z": z,
            "beyond_noise": bool(enough and z is not None and abs(z) > Z95), "enough": enough}


def _nps_figure(n: int, promoters: int, detractors: int) -> dict[str, Any]:
    interval = nps_interval(promoters, detractors, n)
    return {"n": n, "promoters": promoters, "detractors": detractors,
            "value": 100 * (promoters - detractors) / n if n else None,
            "low": interval[0] if interval else None, "high": interval[1] if interval else None}


def _csat_figure(n: int, satisfied: int) -> dict[str, Any]:
    interval = wilson_interval(satisfied, n)
    return {"n": n, "satisfied": satisfied, "value": 100 * satisfied / n if n else None,
            "low": interval[0] if interval else None, "high": interval[1] if interval else None}


# --- service impact ----------------------------------------------------------------------------------


def _bounds(window: Window) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(window.start, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def _in_scope(touchpoint_ids: list[int], window: Window) -> QuerySet[ExperienceSignal]:
    start, end = _bounds(window)
    return ExperienceSignal.objects.filter(
        touchpoint_id__in=touchpoint_ids, occurred_at__gte=start, occurred_at__lt=end,
        customer_id__isnull=False,
    )


@dataclass
class _Tally:
    customers: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    csat_n: int = 0
    satisfied: int = 0

    def add(self, row: dict[str, int]) -> None:
        self.customers += 1
        self.nps_n += row["nps_n"]
        self.promoters += row["promoters"]
        self.detractors += row["detractors"]
        self.csat_n += row["csat_n"]
        self.satisfied += row["satisfied"]

    def figures(self) -> dict[str, Any]:
        return {"customers": self.customers,
                "nps": _nps_figure(self.nps_n, self.promoters, self.detractors),
                "csat": _csat_figure(self.csat_n, self.satisfied)}


def _comparison(bad: _Tally, good: _Tally, scope_total: dict[str, int], bad_key: str,
                good_key: str) -> dict[str, Any]:
    bad_f, good_f = bad.figures(), good.figures()
    result: dict[str, Any] = {bad_key: bad_f, good_key: good_f, "difference": {}, "points_lost": {}}
    for metric in ("nps", "csat"):
        diff = _difference(metric, good_f[metric], bad_f[metric])
        result["difference"][metric] = diff
        total = scope_total[metric]
        share = bad_f[metric]["n"] / total if total else None
        lost = diff["value"] * share if diff["value"] is not None and share is not None else None
        result["points_lost"][metric] = {
            "value": lost, "share": share,
            # The estimate carries the difference's uncertainty, scaled by the same share.
            "low": diff["low"] * share if lost is not None else None,
            "high": diff["high"] * share if lost is not None else None,
            "beyond_noise": diff["beyond_noise"],
        }
    return result


def service_impact(*, touchpoint_ids: Iterable[int], window: Window) -> dict[str, Any]:
    """Breached vs met and reopened vs not, with each group's NPS and CSAT, at a set of touchpoints.

    Two queries whatever the number of customers: outcomes GROUP BY customer, answers GROUP BY
    customer (each answer checked against its customer's first resolution by a correlated subquery).
    """
    ids = list(touchpoint_ids)
    signals = _in_scope(ids, window)
    outcomes = {
        row["customer_id"]: row
        for row in signals.filter(kind__in=[*OUTCOME_KINDS, K.TICKET_REOPENED])
        .values("customer_id")
        .annotate(
            breached=Count("id", filter=Q(kind=K.SLA_BREACHED)),
            met=Count("id", filter=Q(kind=K.SLA_MET)),
            reopened=Count("id", filter=Q(kind=K.TICKET_REOPENED)),
        )
        .order_by()
    }
    first_resolution = (
        signals.filter(kind__in=OUTCOME_KINDS, customer_id=OuterRef("customer_id"))
        .order_by().values("customer_id").annotate(first=Min("occurred_at")).values("first")
    )
    follows = Q(occurred_at__gte=F("first_resolution"), occurred_at__lte=F("follow_until"))
    nps, csat = Q(kind=K.NPS_ANSWER), Q(kind=K.CSAT_ANSWER)
    answers = (
        signals.filter(kind__in=[K.NPS_ANSWER, K.CSAT_ANSWER])
        .annotate(first_resolution=Subquery(first_resolution, output_field=DateTimeField()))
        .annotate(follow_until=ExpressionWrapper(
            F("first_resolution") + dt.timedelta(days=FOLLOW_DAYS), output_field=DateTimeField()))
        .values("customer_id")
        .annotate(
            nps_all=Count("id", filter=nps),
            csat_all=Count("id", filter=csat),
            nps_n=Count("id", filter=nps & follows),
            promoters=Count("id", filter=nps & follows & Q(value__gte=9)),
            detractors=Count("id", filter=nps & follows & Q(value__lt=7)),
            csat_n=Count("id", filter=csat & follows),
            satisfied=Count("id", filter=csat & follows & Q(value__gte=4)),
            # For customers without a resolved ticket: every answer of theirs in the window.
            any_promoters=Count("id", filter=nps & Q(value__gte=9)),
            any_detractors=Count("id", filter=nps & Q(value__lt=7)),
            any_satisfied=Count("id", filter=csat & Q(value__gte=4)),
            last_answer=Max("occurred_at"),
        )
        .order_by()
    )
    breached, met, reopened, not_reopened, no_ticket = _Tally(), _Tally(), _Tally(), _Tally(), _Tally()
    scope_total = {"nps": 0, "csat": 0}
    answered: dict[int, dict[str, int]] = {}
    for row in answers:
        scope_total["nps"] += row["nps_all"]
        scope_total["csat"] += row["csat_all"]
        answered[row["customer_id"]] = row
    empty = {"nps_n": 0, "promoters": 0, "detractors": 0, "csat_n": 0, "satisfied": 0}
    served = 0
    for customer_id, outcome in outcomes.items():
        if not (outcome["breached"] or outcome["met"]):
            continue  # a reopen of a ticket first resolved before the window: not served in it
        served += 1
        row = answered.get(customer_id, empty)
        (breached if outcome["breached"] else met).add(row)
        (reopened if outcome["reopened"] else not_reopened).add(row)
    for customer_id, row in answered.items():
        outcome = outcomes.get(customer_id)
        if outcome is None or not (outcome["breached"] or outcome["met"]):
            no_ticket.add({"nps_n": row["nps_all"], "promoters": row["any_promoters"],
                           "detractors": row["any_detractors"], "csat_n": row["csat_all"],
                           "satisfied": row["any_satisfied"]})
    return {
        "start": window.start.isoformat(), "end": window.end.isoformat(),
        "follow_days": FOLLOW_DAYS, "min_group_answers": MIN_GROUP_ANSWERS,
        "served_customers": served,
        "scope_answers": scope_total,
        "sla": _comparison(breached, met, scope_total, "breached", "met"),
        "reopen": _comparison(reopened, not_reopened, scope_total, "reopened", "not_reopened"),
        "no_ticket": no_ticket.figures(),
    }


# --- key drivers -------------------------------------------------------------------------------------


def normalised_answer() -> Case:
    """An answer on 0..100: CSAT (1-5) and CES (1-7) linearly from their lowest point, NPS (0-10) x10."""
    value = F("value")
    return Case(
        When(kind=K.CSAT_ANSWER, then=(value - 1) * 25.0),
        When(kind=K.CES_ANSWER, then=(value - 1) * 100.0 / 6.0),
        When(kind=K.NPS_ANSWER, then=value * 10.0),
        output_field=FloatField(),
    )


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r of (x, y) pairs; None when either side does not vary."""
    n = len(pairs)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    syy = sum((y - mean_y) ** 2 for _, y in pairs)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def correlation_p_value(r: float, n: int) -> float:
    """Two-sided p of r over n pairs from the Fisher z-transform: z = atanh(r) * sqrt(n - 3)."""
    if n <= 3:
        return 1.0
    r = max(-0.999999999999, min(0.999999999999, r))  # atanh(+-1) is infinite: p is then ~0
    z = math.atanh(r) * math.sqrt(n - 3)
    return math.erfc(abs(z) / math.sqrt(2))


def strength(r: float) -> str:
    size = abs(r)
    if size >= 0.5:
        return "strong"
    if size >= 0.3:
        return "moderate"
    if size >= 0.1:
        return "weak"
    return "negligible"


# How a reading names each strength of link, in the reader's language.
STRENGTH_LINKS = {"strong": gettext_lazy("a strong link"), "moderate": gettext_lazy("a moderate link"),
                  "weak": gettext_lazy("a weak link"), "negligible": gettext_lazy("a negligible link")}


def driver_reading(name: str, r: float | None, n: int, p: float | None, significant: bool,
                   enough: bool) -> str:
    """One touchpoint's key-driver result in words, in the active language. The analysis stores it
    (in the worker's language); the drivers page writes it again from the stored figures."""
    if not enough:
        return _("Not enough customers with both a journey NPS and an answer at %(name)s "
                 "(%(n)s, at least %(needed)s needed).") % {"name": name, "n": n, "needed": MIN_DRIVER_CUSTOMERS}
    if r is None:
        return _("The answers at %(name)s or the journey NPS of these customers do not vary: no reading.") % {
            "name": name}
    figures = {"name": name, "r": local_decimal(f"{r:.2f}"), "n": n, "link": STRENGTH_LINKS[strength(r)]}
    if not significant:
        return _("No link beyond noise between %(name)s and the journey NPS (r = %(r)s, n = %(n)s).") % figures
    if r > 0:
        return _("Customers who rate %(name)s higher tend to give the journey a higher NPS: %(link)s "
                 "(r = %(r)s, n = %(n)s). A link, not proof of cause.") % figures
    return _("Customers who rate %(name)s higher tend to give the journey a lower NPS: %(link)s "
             "(r = %(r)s, n = %(n)s). A link, not proof of cause.") % figures


def key_drivers(*, journey: Journey, touchpoints: list[Touchpoint], window: Window) -> dict[str, Any]:
    """Which touchpoints move the journey-level NPS most, ranked by |r| among the significant ones.

    Two queries: each customer's latest NPS answer in the journey, and each customer's mean
    normalised answer per touchpoint (the latest NPS answer itself left out).
    """
    ids = [tp.pk for tp in touchpoints]
    signals = _in_scope(ids, window)
    nps_answers = signals.filter(kind=K.NPS_ANSWER)
    latest_id = Subquery(
        nps_answers.filter(customer_id=OuterRef("customer_id"))
        .order_by("-occurred_at", "-id").values("id")[:1]
    )
    journey_nps = {
        row["customer_id"]: (row["id"], row["value"])
        for row in nps_answers.annotate(latest=latest_id).filter(id=F("latest"))
        .values("customer_id", "id", "value").order_by()
    }
    per_touchpoint = (
        signals.filter(kind__in=[K.NPS_ANSWER, K.CSAT_ANSWER, K.CES_ANSWER])
        .annotate(latest=latest_id)
        # The answer that is the journey NPS cannot also explain it; a customer without any NPS
        # answer has latest NULL and keeps all their answers (they just have no pair).
        .exclude(Q(latest__isnull=False) & Q(id=F("latest")))
        .values("touchpoint_id", "customer_id")
        .annotate(mean=Avg(normalised_answer()))
        .order_by()
    )
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for row in per_touchpoint:
        nps = journey_nps.get(row["customer_id"])
        if nps is not None and row["mean"] is not None:
            pairs[row["touchpoint_id"]].append((float(row["mean"]), float(nps[1])))
    drivers = []
    for tp in touchpoints:
        data = pairs.get(tp.pk, [])
        n = len(data)
        enough = n >= MIN_DRIVER_CUSTOMERS
        r = pearson(data) if enough else None
        p = correlation_p_value(r, n) if r is not None else None
        significant = p is not None and p < ALPHA
        drivers.append({
            "touchpoint_id": tp.pk, "name": tp.name, "stage": tp.stage.name, "n": n,
            "r": r, "p": p, "significant": significant, "enough": enough,
            "strength": strength(r) if r is not None else None,
            "reading": driver_reading(tp.name, r, n, p, significant, enough),
        })
    drivers.sort(key=lambda d: (not d["significant"], not d["enough"], d["r"] is None,
                                -abs(d["r"] or 0), d["name"]))
    return {
        "start": window.start.isoformat(), "end": window.end.isoformat(),
        "journey_id": journey.pk, "customers_with_nps": len(journey_nps),
        "min_customers": MIN_DRIVER_CUSTOMERS, "alpha": ALPHA, "drivers": drivers,
    }


# --- refresh and reads -------------------------------------------------------------------------------


def _scopes(program_id: int | None, journey_id: int | None
            ) -> tuple[list[Program], list[Journey], dict[int, list[Touchpoint]]]:
    touchpoints = Touchpoint.objects.filter(is_active=True).select_related("stage__journey")
    journeys = Journey.objects.all()
    programs = Program.objects.all()
    if journey_id is not None:
        touchpoints = touchpoints.filter(stage__journey_id=journey_id)
        journeys = journeys.filter(pk=journey_id)
        programs = programs.none()
    elif program_id is not None:
        touchpoints = touchpoints.filter(stage__journey__program_id=program_id)
        journeys = journeys.filter(program_id=program_id)
        programs = programs.filter(pk=program_id)
    by_journey: dict[int, list[Touchpoint]] = defaultdict(list)
    for tp in touchpoints.order_by("stage__position", "stage_id", "position", "id"):
        by_journey[tp.stage.journey_id].append(tp)
    return list(programs), list(journeys), by_journey


def analysis_refresh(*, window_days: Iterable[int] = DEFAULT_WINDOWS, progress: Progress | None = None,
                     program_id: int | None = None, journey_id: int | None = None,
                     today: dt.date | None = None) -> int:
    """Compute service impact (every program, journey and active touchpoint) and key drivers (every
    journey) over each window and store them as snapshots, updated in place by their unique key.

    `program_id` or `journey_id` narrows it to one program (with its journeys and touchpoints) or one
    journey (with its touchpoints). Safe to run again at any time: the same data gives the same rows.
    Returns the number of snapshots written.
    """
    programs, journeys, by_journey = _scopes(program_id, journey_id)
    by_program: dict[int, list[int]] = defaultdict(list)
    for journey in journeys:
        by_program[journey.program_id].extend(tp.pk for tp in by_journey.get(journey.pk, []))
    jobs: list[tuple[str, str, int, Callable[[Window], dict[str, Any]]]] = []
    for program in programs:
        ids = by_program.get(program.pk, [])
        jobs.append((AnalysisKind.SERVICE_IMPACT, "program", program.pk,
                     lambda w, ids=ids: service_impact(touchpoint_ids=ids, window=w)))
    for journey in journeys:
        tps = by_journey.get(journey.pk, [])
        ids = [tp.pk for tp in tps]
        jobs.append((AnalysisKind.SERVICE_IMPACT, "journey", journey.pk,
                     lambda w, ids=ids: service_impact(touchpoint_ids=ids, window=w)))
        jobs.append((AnalysisKind.KEY_DRIVERS, "journey", journey.pk,
                     lambda w, j=journey, tps=tps: key_drivers(journey=j, touchpoints=tps, window=w)))
        for tp in tps:
            jobs.append((AnalysisKind.SERVICE_IMPACT, "touchpoint", tp.pk,
                         lambda w, ids=[tp.pk]: service_impact(touchpoint_ids=ids, window=w)))
    windows = [Window.last(days, today=today) for days in window_days]
    total = len(jobs) * len(windows)
    written = 0
    now = timezone.now()
    batch: list[AnalysisSnapshot] = []
    for window in windows:
        for kind, scope_type, scope_id, compute in jobs:
            batch.append(AnalysisSnapshot(kind=kind, scope_type=scope_type, scope_id=scope_id,
                                          window_days=window.days, data=compute(window), computed_at=now))
            if len(batch) >= 200:
                written += _store(batch)
                batch = []
                if progress:
                    progress(written, total)
    written += _store(batch)
    if progress:
        progress(written, total)
    return written


def _store(batch: list[AnalysisSnapshot]) -> int:
    if not batch:
        return 0
    AnalysisSnapshot.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["kind", "scope_type", "scope_id", "window_days"],
        update_fields=["data", "computed_at"],
    )
    return len(batch)


def snapshot_get(*, kind: str, scope_type: str, scope_id: int, window_days: int) -> AnalysisSnapshot | None:
    return AnalysisSnapshot.objects.filter(kind=kind, scope_type=scope_type, scope_id=scope_id,
                                           window_days=window_days).first()


def parse_analysis_window(raw: object) -> int:
    """A window from user input; anything unknown is the first default window."""
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        return DEFAULT_WINDOWS[0]
    return days if days in ANALYSIS_WINDOWS else DEFAULT_WINDOWS[0]


def dashboard_context(*, program: Program, window: Window | int) -> dict[str, Any]:
    """What the dashboard's impact partial shows for one program: the program's points lost to service
    failures (breached vs met) and the top three drivers of each journey. Two queries; read from the
    snapshots of this window, or of the nearest stored window when this one was not computed."""
    days = window.days if isinstance(window, Window) else int(window)
    journeys = list(program.journeys.all())
    snapshots = list(
        AnalysisSnapshot.objects.filter(
            Q(kind=AnalysisKind.SERVICE_IMPACT, scope_type="program", scope_id=program.pk)
            | Q(kind=AnalysisKind.KEY_DRIVERS, scope_type="journey", scope_id__in=[j.pk for j in journeys])
        )
    )

    def pick(kind: str, scope_type: str, scope_id: int) -> AnalysisSnapshot | None:
        mine = [s for s in snapshots if s.kind == kind and s.scope_type == scope_type
                and s.scope_id == scope_id]
        return min(mine, key=lambda s: (abs(s.window_days - days), s.window_days), default=None)

    impact = pick(AnalysisKind.SERVICE_IMPACT, "program", program.pk)
    journey_rows = []
    for journey in journeys:
        snap = pick(AnalysisKind.KEY_DRIVERS, "journey", journey.pk)
        drivers = [d for d in (snap.data.get("drivers", []) if snap else []) if d.get("significant")][:3]
        journey_rows.append({"journey": journey, "snapshot": snap, "drivers": drivers})
    return {"program": program, "impact": impact, "impact_data": impact.data if impact else None,
            "journeys": journey_rows, "window_days": days}

