"""Metric math over additive components. Pure functions: no database access.

Definitions are written down in docs/metrics.md and docs/scoring.md (intervals, the explanation of a
score, noise); change them together.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Components that enter the experience score, in display order.
BLEND_KEYS = ("csat", "nps", "ces", "sla", "fcr")
FORMULA_VERSION = "2026.1"
# The two-sided 95% normal quantile: every interval and every noise test uses this one level.
Z95 = 1.959963984540054


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
    def names(cls) -> tuple[str, ...]:
        return _component_names(cls)

    @classmethod
    def from_mapping(cls, row: Mapping[str, object]) -> Components:
        return cls(**{name: int(row.get(name) or 0) for name in cls.names()})  # type: ignore[arg-type]

    def __add__(self, other: Components) -> Components:
        return Components.total((self, other))

    @classmethod
    def total(cls, parts: Iterable[Components]) -> Components:
        """The field-by-field sum, in one pass (dashboards add up thousands of these per page)."""
        names = cls.names()
        sums = dict.fromkeys(names, 0)
        for part in parts:
            values = vars(part)
            for name in names:
                sums[name] += values[name]
        return cls(**sums)


@functools.cache
def _component_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@dataclass
class Metric:
    key: str
    # In English (the API shows it as is); marked with gettext_noop, pages translate it when shown.
    label: str
    value: float | None  # on the metric's own scale (NPS -100..100, CES mean 1..7, else %)
    sample: int
    enough: bool
    blend_value: float | None = None  # on 0..100, as it enters the experience score
    unit: str = "%"
    # 95% interval on the metric's own scale; None without data or for means (no spread is stored).
    low: float | None = None
    high: float | None = None
    # The counts behind a proportion (and, for NPS, promoters and detractors) so two metrics can be
    # compared with a pooled test; None for means.
    successes: int | None = None
    detractors: int | None = None

    @property
    def blend_low(self) -> float | None:
        """The interval's lower end on the 0-100 scale of the experience score."""
        return _to_blend(self.key, self.low) if self.blend_value is not None else None

    @property
    def blend_high(self) -> float | None:
        return _to_blend(self.key, self.high) if self.blend_value is not None else None


@dataclass
class Score:
    """An experience score (0-100) with the metrics it was blended from."""

    value: float | None
    metrics: dict[str, Metric] = field(default_factory=dict)
    components: Components = field(default_factory=Components)
    min_sample: int = 0
    # A stage, journey or program score: the (touchpoint score, touchpoint weight) pairs it is the
    # weighted mean of. Empty for a touchpoint's own score.
    parts: list[tuple[Score, float]] = field(default_factory=list, repr=False)

    @property
    def is_group(self) -> bool:
        return bool(self.parts)

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
        raise ValueError(_("Weights must be an object of component: number."))
    unknown = set(weights) - set(BLEND_KEYS)
    if unknown:
        raise ValueError(_("Unknown components: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    clean: dict[str, float] = {}
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(_("The weight of %(key)s must be a number of at least 0.") % {"key": key})
        clean[key] = float(value)
    if not any(clean.values()):
        raise ValueError(_("At least one weight must be above 0."))
    return clean


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _to_blend(key: str, value: float | None) -> float | None:
    if value is None:
        return None
    return (value + 100.0) / 2.0 if key == "nps" else value


def wilson_interval(successes: int, n: int, *, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion, in percent (0-100); None when n is 0.

    centre = (p + z²/2n) / (1 + z²/n), half width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    Unlike p ± z·√(p(1−p)/n) it stays inside 0-100 and does not collapse to a point at 0% or 100%.
    Successes outside 0..n (a reopen rate can count more reopens than resolutions) are clipped.
    """
    if n <= 0:
        return None
    successes = min(max(successes, 0), n)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    # At 0 and n the ends are exactly 0% and 100%; say so rather than leave rounding dust.
    low = 0.0 if successes == 0 else 100.0 * max(0.0, centre - half)
    high = 100.0 if successes == n else 100.0 * min(1.0, centre + half)
    return low, high


def nps_interval(
    promoters: int, detractors: int, n: int, *, z: float = Z95
) -> tuple[float, float] | None:
    """A normal-approximation interval of NPS (−100..100); None when n is 0.

    Each answer scores +1 (promoter), 0 (passive) or −1 (detractor); NPS is their mean × 100. The
    variance of one answer is p_P + p_D − (p_P − p_D)², so NPS ± z·√(that / n) × 100, clipped to
    −100..100. When every answer falls in one group the variance is 0 and the interval is a point:
    read it with its sample size.
    """
    if n <= 0:
        return None
    p_p, p_d = promoters / n, detractors / n
    nps = p_p - p_d
    variance = max(p_p + p_d - nps * nps, 0.0) / n
    half = z * math.sqrt(variance)
    return max(-100.0, 100.0 * (nps - half)), min(100.0, 100.0 * (nps + half))


def metrics_of(c: Components, *, min_sample: int) -> dict[str, Metric]:
    nps = _pct(c.nps_promoters - c.nps_detractors, c.nps_responses)
    ces_mean = c.ces_score_sum / c.ces_responses if c.ces_responses else None
    sla_due = c.sla_met + c.sla_breached

    def metric(key: str, label: str, value: float | None, n: int, blend: float | None,
               unit: str = "%") -> Metric:
        return Metric(key, label, value, n, n >= max(min_sample, 1), blend, unit)

    def share(key: str, label: str, successes: int, n: int, blend: bool) -> Metric:
        value = _pct(successes, n)
        interval = wilson_interval(successes, n)
        low, high = interval if interval else (None, None)
        return Metric(key, label, value, n, n >= max(min_sample, 1), value if blend else None, "%",
                      low, high, successes)

    nps_low, nps_high = nps_interval(c.nps_promoters, c.nps_detractors, c.nps_responses) or (None, None)
    return {
        "csat": share("csat", gettext_noop("CSAT"), c.csat_satisfied, c.csat_responses, True),
        "nps": Metric("nps", gettext_noop("NPS"), nps, c.nps_responses, c.nps_responses >= max(min_sample, 1),
                      None if nps is None else (nps + 100.0) / 2.0, "", nps_low, nps_high,
                      c.nps_promoters, c.nps_detractors),
        "ces": share("ces", gettext_noop("CES (easy)"), c.ces_easy, c.ces_responses, True),
        "ces_mean": metric("ces_mean", gettext_noop("CES mean"), ces_mean, c.ces_responses, None, unit="/7"),
        "sla": share("sla", gettext_noop("SLA attainment"), c.sla_met, sla_due, True),
        "fcr": share("fcr", gettext_noop("First-contact resolution"), c.fcr, c.tickets_resolved, True),
        "reopen_rate": share("reopen_rate", gettext_noop("Reopen rate"), c.reopens, c.tickets_resolved, False),
        "resolution_hours": metric(
            "resolution_hours", gettext_noop("Mean resolution time"),
            c.resolution_seconds_sum / c.tickets_resolved / 3600 if c.tickets_resolved else None,
            c.tickets_resolved, None, unit="h"),
        "first_response_hours": metric(
            "first_response_hours", gettext_noop("Mean first response"),
            c.first_response_seconds_sum / c.first_responses / 3600 if c.first_responses else None,
            c.first_responses, None, unit="h"),
        "queue_wait_hours": metric(
            "queue_wait_hours", gettext_noop("Mean wait in queue"),
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
    return Score(value, metrics_of(components, min_sample=min_sample), components, min_sample, parts)


# --- Explaining a score ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentMath:
    """One blend component's line in a score's arithmetic."""

    metric: Metric
    weight: float  # the program's weight
    share: float  # its part of the score after renormalisation (0-1); 0 when it is left out
    contribution: float  # share × blend value, in score points; the contributions add up to the score
    included: bool
    reason: str  # why it is in or out, in words
    touchpoints_in: int = 0  # group scores: in how many touchpoint scores it is blended
    touchpoints: int = 0  # group scores: touchpoints with a score

    @property
    def key(self) -> str:
        return self.metric.key


@dataclass(frozen=True)
class ScoreMath:
    """The full arithmetic of a score: each component's line, the sum, and the interval."""

    value: float | None
    components: list[ComponentMath]
    min_sample: int
    is_group: bool
    low: float | None = None
    high: float | None = None
    # Group scores: (touchpoint score, touchpoint weight) of each touchpoint with a score.
    parts: list[tuple[float, float]] = field(default_factory=list)

    @property
    def included(self) -> list[ComponentMath]:
        return [line for line in self.components if line.included]

    @property
    def total_weight(self) -> float:
        return sum(line.weight for line in self.included)

    @property
    def total(self) -> float | None:
        """The sum of the contributions: equal to the score (up to rounding)."""
        return sum(line.contribution for line in self.included) if self.included else None


def _why(metric: Metric, weight: float, min_sample: int) -> tuple[bool, str]:
    if weight <= 0:
        return False, _("weight 0: the program leaves it out")
    if metric.sample == 0 or metric.blend_value is None:
        return False, _("no data")
    if not metric.enough:
        return False, _("too few: %(sample)s of the %(needed)s needed") % {
            "sample": metric.sample, "needed": max(min_sample, 1)}
    return True, _("in the score")


def _shares(score: Score, weights: Mapping[str, float]) -> dict[str, float]:
    """Each component's share of the score (summing to 1 over a score that has a value).

    For a touchpoint, the renormalised weight; for a group, the touchpoint-weighted mean of its
    touchpoints' shares, so that share × value still adds up to the group's score.
    """
    if score.parts:
        scored = [(part, w) for part, w in score.parts if part.value is not None]
        total = sum(w for _, w in scored)
        result = dict.fromkeys(BLEND_KEYS, 0.0)
        for part, w in scored:
            for key, part_share in _shares(part, weights).items():
                result[key] += part_share * w / total
        return result
    included = {key: float(weights.get(key, 0.0)) for key in BLEND_KEYS
                if _why(score.metrics[key], float(weights.get(key, 0.0)), score.min_sample)[0]}
    total_weight = sum(included.values())
    return {key: (included.get(key, 0.0) / total_weight if total_weight else 0.0) for key in BLEND_KEYS}


def _contributions(score: Score, weights: Mapping[str, float]) -> dict[str, float]:
    if score.parts:
        scored = [(part, w) for part, w in score.parts if part.value is not None]
        total = sum(w for _, w in scored)
        result = dict.fromkeys(BLEND_KEYS, 0.0)
        for part, w in scored:
            for key, points in _contributions(part, weights).items():
                result[key] += points * w / total
        return result
    shares = _shares(score, weights)
    return {key: shares[key] * (score.metrics[key].blend_value or 0.0) for key in BLEND_KEYS}


def _touchpoints_in(score: Score, weights: Mapping[str, float]) -> dict[str, int]:
    counts = dict.fromkeys(BLEND_KEYS, 0)
    for part, _weight in score.parts:
        if part.value is None:
            continue
        nested = _touchpoints_in(part, weights) if part.parts else {
            key: int(_shares(part, weights)[key] > 0) for key in BLEND_KEYS}
        for key in BLEND_KEYS:
            counts[key] += nested[key]
    return counts


def _variance(score: Score, weights: Mapping[str, float]) -> float:
    """Variance of a score on the 0-100 scale, from its components' intervals.

    A touchpoint's components come from different answers and tickets and are taken as independent:
    var = Σ share² · se², with se = (interval width on the blend scale) / (2 · 1.96). A group's
    touchpoints are disjoint samples: var = Σ (weight / total weight)² · var(touchpoint).
    """
    if score.parts:
        scored = [(part, w) for part, w in score.parts if part.value is not None]
        total = sum(w for _, w in scored)
        return sum((w / total) ** 2 * _variance(part, weights) for part, w in scored)
    shares = _shares(score, weights)
    variance = 0.0
    for key in BLEND_KEYS:
        m = score.metrics[key]
        if shares[key] and m.blend_low is not None and m.blend_high is not None:
            se = (m.blend_high - m.blend_low) / (2 * Z95)
            variance += shares[key] ** 2 * se * se
    return variance


def score_interval(score: Score, weights: Mapping[str, float]) -> tuple[float, float] | None:
    """An approximate 95% interval of an experience score (0-100); None with not enough data."""
    if score.value is None:
        return None
    half = Z95 * math.sqrt(_variance(score, weights))
    return max(0.0, score.value - half), min(100.0, score.value + half)


def explain_score(score: Score, weights: Mapping[str, float]) -> ScoreMath:
    """Everything a page needs to show how a score was computed.

    For each blend component: its metric (value, blend value, sample, interval, enough data), the
    program's weight, its renormalised share, its contribution (share × blend value) and whether it
    is in the score and why. The contributions add up to the score. For a stage, journey or program
    the shares are the touchpoint-weighted means of the touchpoints' shares, so the same sum holds.
    """
    shares = _shares(score, weights)
    contributions = _contributions(score, weights)
    in_touchpoints = _touchpoints_in(score, weights) if score.parts else {}
    scored_parts = [(part.value, w) for part, w in score.parts if part.value is not None]
    lines = []
    for key in BLEND_KEYS:
        metric = score.metrics[key]
        weight = float(weights.get(key, 0.0))
        included, reason = _why(metric, weight, score.min_sample)
        if score.parts:
            included = shares[key] > 0
            if included:
                reason = _("in %(count)s of %(total)s touchpoint scores") % {
                    "count": in_touchpoints[key], "total": len(scored_parts)}
            elif weight > 0 and metric.sample > 0:
                reason = _("no touchpoint has enough on its own")
        lines.append(ComponentMath(
            metric=metric, weight=weight, share=shares[key] if score.value is not None else 0.0,
            contribution=contributions[key] if score.value is not None else 0.0,
            included=included and score.value is not None, reason=reason,
            touchpoints_in=in_touchpoints.get(key, 0), touchpoints=len(scored_parts),
        ))
    interval = score_interval(score, weights)
    low, high = interval if interval else (None, None)
    return ScoreMath(score.value, lines, score.min_sample, score.is_group, low, high,
                     [(v, w) for v, w in scored_parts])  # type: ignore[misc]


def experience_metric(score: Score, weights: Mapping[str, float]) -> Metric:
    """The experience score as a Metric (with its interval), for goals and alerts."""
    interval = score_interval(score, weights)
    low, high = interval if interval else (None, None)
    return Metric("experience", gettext_noop("Experience score"), score.value, score.sample_size,
                  score.value is not None, score.value, "", low, high)


# --- Noise ------------------------------------------------------------------------------------------


def two_proportion_z(
    current_successes: int, current_n: int, baseline_successes: int, baseline_n: int
) -> float | None:
    """The pooled two-proportion z statistic (current minus baseline); None when a side has no data.

    z = (p₁ − p₀) / √(p̄(1 − p̄)(1/n₁ + 1/n₀)), with p̄ the proportion of both samples together.
    """
    if current_n <= 0 or baseline_n <= 0:
        return None
    s1 = min(max(current_successes, 0), current_n)
    s0 = min(max(baseline_successes, 0), baseline_n)
    pooled = (s1 + s0) / (current_n + baseline_n)
    variance = pooled * (1.0 - pooled) * (1.0 / current_n + 1.0 / baseline_n)
    if variance <= 0:
        return 0.0  # both samples all-success or all-failure: no difference to test
    return (s1 / current_n - s0 / baseline_n) / math.sqrt(variance)


def nps_difference_z(
    current: tuple[int, int, int], baseline: tuple[int, int, int]
) -> float | None:
    """The pooled z statistic of a change in NPS, from (promoters, detractors, answers) of each side.

    Under "no change" both samples share one distribution of promoters and detractors, estimated
    from both together: var = (p_P + p_D − (p_P − p_D)²)(1/n₁ + 1/n₀).
    """
    (p1, d1, n1), (p0, d0, n0) = current, baseline
    if n1 <= 0 or n0 <= 0:
        return None
    n = n1 + n0
    pp, pd = (p1 + p0) / n, (d1 + d0) / n
    variance = (pp + pd - (pp - pd) ** 2) * (1.0 / n1 + 1.0 / n0)
    if variance <= 0:
        return 0.0
    return ((p1 - d1) / n1 - (p0 - d0) / n0) / math.sqrt(variance)


def proportion_drop_is_significant(
    *, current_successes: int, current_n: int, baseline_successes: int, baseline_n: int,
    z: float = Z95,
) -> bool:
    """Whether the current proportion is below the baseline beyond noise (pooled z below −1.96)."""
    stat = two_proportion_z(current_successes, current_n, baseline_successes, baseline_n)
    return stat is not None and stat < -z


def _z_of(current: Metric, baseline: Metric) -> float | None:
    if current.value is None or baseline.value is None or not current.sample or not baseline.sample:
        return None
    if current.key == baseline.key == "nps" and None not in (
            current.successes, current.detractors, baseline.successes, baseline.detractors):
        return nps_difference_z((current.successes, current.detractors, current.sample),  # type: ignore[arg-type]
                                (baseline.successes, baseline.detractors, baseline.sample))
    if current.successes is not None and baseline.successes is not None and current.key != "nps":
        return two_proportion_z(current.successes, current.sample, baseline.successes, baseline.sample)
    # No counts (the experience score): a z statistic from the two intervals' standard errors.
    if None in (current.low, current.high, baseline.low, baseline.high):
        return None
    se1 = (current.high - current.low) / (2 * Z95)  # type: ignore[operator]
    se0 = (baseline.high - baseline.low) / (2 * Z95)  # type: ignore[operator]
    spread = math.sqrt(se1 * se1 + se0 * se0)
    if spread <= 0:
        return None
    return (current.value - baseline.value) / spread


def differs_beyond_noise(current: Metric, baseline: Metric) -> bool:
    """Whether two figures of the same metric differ by more than chance explains (5%, two-sided).

    Proportions: the pooled two-proportion z-test; NPS: the pooled trinomial z-test; the experience
    score: a z-test on the standard errors of the two intervals. No data on either side: False.
    """
    stat = _z_of(current, baseline)
    return stat is not None and abs(stat) > Z95


def drop_beyond_noise(current: Metric, baseline: Metric) -> bool:
    """Whether the figure fell below its baseline beyond noise (for "higher is better" metrics)."""
    stat = _z_of(current, baseline)
    return stat is not None and stat < -Z95
