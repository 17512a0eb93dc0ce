"""Metric math over additive components. Pure functions: no database access.

Definitions are written down in docs/metrics.md; change both together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

# Components that enter the experience score, in display order.
BLEND_KEYS = ("csat", "nps", "ces", "sla", "fcr")
FORMULA_VERSION = "2026.1"


@dataclass
class Components:
    """Summed additive components over any set of touchpoint-days."""

    signals: int = 0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_passives: int = 0
    nps_detractors: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    csat_score_sum: int = 0
    ces_responses: int = 0
    ces_easy: int = 0
    ces_score_sum: int = 0
    tickets_resolved: int = 0
    resolution_seconds_sum: int = 0
    first_responses: int = 0
    first_response_seconds_sum: int = 0
    queue_waits: int = 0
    queue_wait_seconds_sum: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    fcr: int = 0
    reopens: int = 0

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_mapping(cls, row: Mapping[str, object]) -> Components:
        return cls(**{name: int(row.get(name) or 0) for name in cls.names()})  # type: ignore[arg-type]

    def __add__(self, other: Components) -> Components:
        return Components(**{n: getattr(self, n) + getattr(other, n) for n in self.names()})

    @classmethod
    def total(cls, parts: Iterable[Components]) -> Components:
        result = cls()
        for part in parts:
            result = result + part
        return result


@dataclass
class Metric:
    key: str
    label: str
    value: float | None  # on the metric's own scale (NPS -100..100, CES mean 1..7, else %)
    sample: int
    enough: bool
    blend_value: float | None = None  # on 0..100, as it enters the experience score
    unit: str = "%"


@dataclass
class Score:
    """An experience score (0-100) with the metrics it was blended from."""

    value: float | None
    metrics: dict[str, Metric] = field(default_factory=dict)
    components: Components = field(default_factory=Components)
    min_sample: int = 0

    @property
    def enough_data(self) -> bool:
        return self.value is not None

    @property
    def sample_size(self) -> int:
        """Answers plus resolved tickets behind the score."""
        c = self.components
        return c.nps_responses + c.csat_responses + c.ces_responses + c.tickets_resolved


def validate_weights(weights: object) -> dict[str, float]:
    if not isinstance(weights, dict):
        raise ValueError("Weights must be an object of component: number.")
    unknown = set(weights) - set(BLEND_KEYS)
    if unknown:
        raise ValueError(f"Unknown components: {', '.join(sorted(unknown))}.")
    clean: dict[str, float] = {}
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"The weight of {key} must be a number of at least 0.")
        clean[key] = float(value)
    if not any(clean.values()):
        raise ValueError("At least one weight must be above 0.")
    return clean


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def metrics_of(c: Components, *, min_sample: int) -> dict[str, Metric]:
    nps = _pct(c.nps_promoters - c.nps_detractors, c.nps_responses)
    csat = _pct(c.csat_satisfied, c.csat_responses)
    ces_share = _pct(c.ces_easy, c.ces_responses)
    ces_mean = c.ces_score_sum / c.ces_responses if c.ces_responses else None
    sla_due = c.sla_met + c.sla_breached
    sla = _pct(c.sla_met, sla_due)
    fcr = _pct(c.fcr, c.tickets_resolved)

    def metric(key: str, label: str, value: float | None, n: int, blend: float | None,
               unit: str = "%") -> Metric:
        return Metric(key, label, value, n, n >= max(min_sample, 1), blend, unit)

    return {
        "csat": metric("csat", "CSAT", csat, c.csat_responses, csat),
        "nps": metric("nps", "NPS", nps, c.nps_responses,
                      None if nps is None else (nps + 100.0) / 2.0, unit=""),
        "ces": metric("ces", "CES (easy)", ces_share, c.ces_responses, ces_share),
        "ces_mean": metric("ces_mean", "CES mean", ces_mean, c.ces_responses, None, unit="/7"),
        "sla": metric("sla", "SLA attainment", sla, sla_due, sla),
        "fcr": metric("fcr", "First-contact resolution", fcr, c.tickets_resolved, fcr),
        "reopen_rate": metric("reopen_rate", "Reopen rate", _pct(c.reopens, c.tickets_resolved),
                              c.tickets_resolved, None),
        "resolution_hours": metric(
            "resolution_hours", "Mean resolution time",
            c.resolution_seconds_sum / c.tickets_resolved / 3600 if c.tickets_resolved else None,
            c.tickets_resolved, None, unit="h"),
        "first_response_hours": metric(
            "first_response_hours", "Mean first response",
            c.first_response_seconds_sum / c.first_responses / 3600 if c.first_responses else None,
            c.first_responses, None, unit="h"),
        "queue_wait_hours": metric(
            "queue_wait_hours", "Mean wait in queue",
            c.queue_wait_seconds_sum / c.queue_waits / 3600 if c.queue_waits else None,
            c.queue_waits, None, unit="h"),
    }


def blend(metrics: Mapping[str, Metric], weights: Mapping[str, float]) -> float | None:
    """Weighted mean of the blend components that have enough data; weights renormalise over them."""
    total_weight = 0.0
    total = 0.0
    for key in BLEND_KEYS:
        m = metrics.get(key)
        w = float(weights.get(key, 0.0))
        if m is None or not m.enough or m.blend_value is None or w <= 0:
            continue
        total += w * m.blend_value
        total_weight += w
    return total / total_weight if total_weight else None


def touchpoint_score(c: Components, *, weights: Mapping[str, float], min_sample: int) -> Score:
    metrics = metrics_of(c, min_sample=min_sample)
    return Score(blend(metrics, weights), metrics, c, min_sample)


def group_score(
    parts: Iterable[tuple[Score, float]], *, min_sample: int
) -> Score:
    """Score of a stage, journey or program: the touchpoint-weighted mean of its touchpoints' scores.

    Components (and so the metrics shown beside the score) are the exact sums of the touchpoints'.
    """
    parts = list(parts)
    components = Components.total(score.components for score, _ in parts)
    weighted = [(score.value, weight) for score, weight in parts if score.value is not None]
    total_weight = sum(weight for _, weight in weighted)
    value = sum(v * w for v, w in weighted) / total_weight if total_weight else None
    return Score(value, metrics_of(components, min_sample=min_sample), components, min_sample)
