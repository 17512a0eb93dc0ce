"""Formatting of scores and metrics for templates: one place decides how a number reads."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cxhub.languages import local_decimal
from journeys.scoring import Metric

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    """A 0-100 score with one decimal, or an em dash when there is not enough data."""
    return "—" if value is None else local_decimal(f"{value:.1f}")


@register.filter
def metric(m: Metric | None) -> str:
    if m is None or m.value is None:
        return "—"
    if m.key == "nps":
        return f"{m.value:+.0f}"
    if m.unit == "%":
        return local_decimal(f"{m.value:.1f}%")
    if m.unit == "h":
        return pgettext("hours, abbreviated", "%(value)s h") % {"value": local_decimal(f"{m.value:.1f}")}
    return local_decimal(f"{m.value:.2f}{m.unit}")


@register.filter
def tone(card: object) -> str:
    """good / bad / none: a card against its target (None when it has not enough data)."""
    meets = getattr(card, "meets_target", None)
    if meets is None:
        return "none"
    return "good" if meets else "bad"


@register.filter
def score_tone(value: float | None) -> str:
    """Tone of a score without a target: 75+ good, 60+ warn, below bad."""
    if value is None:
        return "none"
    if value >= 75:
        return "good"
    return "warn" if value >= 60 else "bad"


@register.filter
def get(mapping: dict, key: str) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def duration(value: object) -> str:
    """A timedelta as "2 d 4 h", "3 h 20 min" or "12 min" (its absolute value; callers say late/left)."""
    import datetime as dt

    if not isinstance(value, dt.timedelta):
        return "—"
    minutes = int(abs(value.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


# --- The arithmetic of a score (templates/journeys/partials/_score_math.html) -----------------------


@register.simple_tag
def score_math(score: object, weights: object) -> object:
    """`{% score_math score weights as math %}`: the ScoreMath of a score, or None when the score is
    missing or the weights are not valid (the partial then says so instead of failing the page)."""
    from journeys.scoring import Score, explain_score, validate_weights

    if not isinstance(score, Score):
        return None
    try:
        clean = validate_weights(weights)
    except ValueError:
        return None
    return explain_score(score, clean)


def _num(value: float) -> str:
    return local_decimal(f"{value:.1f}")


@register.filter
def interval(m: Metric | None) -> str:
    """A metric's 95% interval on its own scale, "low–high", or an em dash when it has none."""
    if m is None or m.low is None or m.high is None:
        return "—"
    if m.key == "nps":
        return f"{m.low:+.0f} – {m.high:+.0f}"
    if m.unit == "%":
        return local_decimal(f"{m.low:.1f} – {m.high:.1f}%")
    return local_decimal(f"{m.low:.1f} – {m.high:.1f}")


@register.filter
def share_pct(value: float | None) -> str:
    """A share of 0-1 as a percentage with one decimal."""
    return "—" if value is None else local_decimal(f"{100 * value:.1f}%")


@register.filter
def points(value: float | None) -> str:
    """Score points to two decimals (a component's contribution)."""
    return "—" if value is None else local_decimal(f"{value:.2f}")


@register.filter
def weight_num(value: float | None) -> str:
    return "—" if value is None else local_decimal(f"{value:g}")


@register.filter
def blend_formula(math: object) -> str:
    """The weighted mean written out: "(2 × 80.0 + 1 × 65.0) ÷ (2 + 1) = 225.0 ÷ 3 = 75.0".

    For a stage, journey or program: the touchpoint-weighted mean of its touchpoints' scores.
    """
    from journeys.scoring import ScoreMath

    if not isinstance(math, ScoreMath) or math.value is None:
        return ""
    pairs = math.parts if math.is_group else [
        (line.metric.blend_value or 0.0, line.weight) for line in math.included]
    if not pairs:
        return ""
    top = sum(v * w for v, w in pairs)
    bottom = sum(w for _v, w in pairs)
    terms = " + ".join(f"{local_decimal(f'{w:g}')} × {_num(v)}" for v, w in pairs)
    weights_sum = " + ".join(local_decimal(f"{w:g}") for _v, w in pairs)
    return f"({terms}) ÷ ({weights_sum}) = {_num(top)} ÷ {local_decimal(f'{bottom:g}')} = {_num(top / bottom)}"


@register.filter
def contributions_formula(math: object) -> str:
    """The contributions added up, to two decimals so the sum checks: "40.00 + 16.25 + 18.75 = 75.00"."""
    from journeys.scoring import ScoreMath

    if not isinstance(math, ScoreMath) or math.total is None:
        return ""
    terms = " + ".join(f"{line.contribution:.2f}" for line in math.included)
    return local_decimal(f"{terms} = {math.total:.2f}")


@register.filter
def band_tone(band: str | None) -> str:
    """The badge tone of a customer-health band: healthy good, watch warn, at risk bad."""
    return {"healthy": "good", "watch": "warn", "at_risk": "bad"}.get(band or "", "")


@register.filter
def tickets_query(customer: object) -> str:
    """The ticket-list query string of a customer's tickets: the search by CRM id or e-mail (what the
    list's `q` matches exactly), else the customer's id over every queue."""
    from urllib.parse import urlencode

    external_id = getattr(customer, "external_id", "") or ""
    email = getattr(customer, "email", "") or ""
    if external_id and not external_id.split()[1:]:  # the search splits on spaces
        return urlencode({"q": external_id})
    if email:
        return urlencode({"q": email})
    return urlencode({"customer": getattr(customer, "pk", ""), "queue": "all"})
