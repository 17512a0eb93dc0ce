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
    summary = ", ".join(v or "–" for v in shown) if known else "no data"
    aria = f"{label}: {summary}" if label else summary
    return format_html(
        '<span class="sparkline" data-values="{}" role="img" aria-label="{}"></span>',
        ",".join(shown), aria,
    )
