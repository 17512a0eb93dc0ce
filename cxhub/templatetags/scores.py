"""Formatting of scores and metrics for templates: one place decides how a number reads."""

from __future__ import annotations

from django import template

from journeys.scoring import Metric

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    """A 0-100 score with one decimal, or an em dash when there is not enough data."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def metric(m: Metric | None) -> str:
    if m is None or m.value is None:
        return "—"
    if m.key == "nps":
        return f"{m.value:+.0f}"
    if m.unit == "%":
        return f"{m.value:.1f}%"
    if m.unit == "h":
        return f"{m.value:.1f} h"
    return f"{m.value:.2f}{m.unit}"


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
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"
