"""Chart data for templates: numbers that static/js/charts.js reads, and sparklines.

Numbers in data- attributes are written with a dot for decimals and no grouping whatever the page
language: template localisation would otherwise write "71,2" on a Greek page and the chart would
read a gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cxhub.languages import local_decimal

register = template.Library()


def _num(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def chart_num(value: object) -> str:
    """A number for a data-value attribute ("" for none: a gap in the chart)."""
    return _num(value)


@register.filter
def chart_values(values: Iterable[object] | None) -> str:
    """Numbers for a sparkline's data-values attribute, comma-separated, empty for gaps."""
    return ",".join(_num(v) for v in (values or []))


@register.simple_tag
def sparkline(values: Iterable[object] | None, label: str = "") -> str:
    """A sparkline span, labelled for screen readers with its label and the numbers it draws."""
    values = list(values or [])
    shown = [_num(v) for v in values]
    known = [v for v in shown if v]
    summary = ", ".join(v or "–" for v in shown) if known else _("no data")
    aria = _("%(label)s: %(values)s") % {"label": label, "values": summary} if label else summary
    return format_html(
        '<span class="sparkline" data-values="{}" role="img" aria-label="{}"></span>',
        ",".join(shown), aria,
    )


@register.simple_tag
def delta(value: float | None, digits: int = 1, unit: str = "", short: bool = False) -> str:
    """A change against the previous period: arrow and signed number, or "not enough data".

    Higher is better for every figure it is used for, so up is good and down is bad. `short` writes
    a dash for "not enough data" (for small cards; screen readers still hear the words).
    """
    if value is None:
        if short:
            return format_html(
                '<span class="delta none" title="{}"><span aria-hidden="true">–</span>'
                '<span class="visually-hidden">{}</span></span>',
                _("Not enough data to compare with the previous period"),
                _("change: not enough data"))
        return format_html('<span class="delta none">{}</span>', _("not enough data"))
    rounded = round(float(value), digits)
    text = f"{rounded:+.{digits}f}{unit}"
    if rounded > 0:
        tone, arrow, words = "up", "▲", _("up on the previous period")
    elif rounded < 0:
        tone, arrow, words = "down", "▼", _("down on the previous period")
        text = text.replace("-", "−")
    else:
        tone, arrow, words = "flat", "■", _("unchanged on the previous period")
        text = f"{0:.{digits}f}{unit}"
    return format_html(
        '<span class="delta {}" title="{}"><span aria-hidden="true">{}</span>'
        ' <bdi>{}</bdi><span class="visually-hidden"> ({})</span></span>',
        tone, _("Against the previous period"), arrow, local_decimal(text), words,
    )


@register.filter
def pair(first: Iterable[object] | None, second: Iterable[object] | None) -> list[tuple]:
    """Two lists side by side, for rows of a chart table: `{% for b, s in buckets|pair:series %}`."""
    return list(zip(first or [], second or [], strict=False))
