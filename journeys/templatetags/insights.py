"""How service-impact and key-driver figures read on the insight pages (stored JSON in, text out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cxhub.languages import local_decimal
from journeys import analysis

register = template.Library()


@register.filter
def nps_with_interval(fig: dict[str, Any] | None) -> str:
    """"+12 (−3 to +27), n=40" — an NPS with its 95% interval and sample."""
    if not fig or fig.get("value") is None:
        return format_html('<span class="muted">— ({})</span>', _n((fig or {}).get("n", 0)))
    return format_html('{} <span class="muted interval">({}) {}</span>', f"{fig['value']:+.0f}",
                       _("%(low)s to %(high)s") % {"low": f"{fig['low']:+.0f}", "high": f"{fig['high']:+.0f}"},
                       _n(fig["n"]))


@register.filter
def csat_with_interval(fig: dict[str, Any] | None) -> str:
    """"72% (60–82%), n=40" — a share with its Wilson interval and sample."""
    if not fig or fig.get("value") is None:
        return format_html('<span class="muted">— ({})</span>', _n((fig or {}).get("n", 0)))
    return format_html('{} <span class="muted interval">({}–{}%) {}</span>',
                       f"{fig['value']:.0f}%", f"{fig['low']:.0f}", f"{fig['high']:.0f}", _n(fig["n"]))


@register.filter
def signed_diff(diff: dict[str, Any] | None) -> str:
    """A difference with its interval and a badge: beyond noise, within noise, or too few answers."""
    if not diff or diff.get("value") is None:
        return "—"
    if not diff.get("enough"):
        badge = format_html('<span class="badge">{}</span>', _("too few answers"))
    elif diff.get("beyond_noise"):
        badge = format_html('<span class="badge bad">{}</span>', _("beyond noise"))
    else:
        badge = format_html('<span class="badge">{}</span>', _("within noise"))
    return format_html('{} <span class="muted interval">({})</span> {}', local_decimal(f"{diff['value']:+.1f}"),
                       _("%(low)s to %(high)s") % {"low": local_decimal(f"{diff['low']:+.1f}"),
                                                   "high": local_decimal(f"{diff['high']:+.1f}")},
                       badge)


@register.filter
def points_lost(lost: dict[str, Any] | None, unit: str = "") -> str:
    """One sentence on the estimated points lost to SLA breaches; `unit` names the points ("NPS points")."""
    unit = unit or _("points")
    if not lost or lost.get("value") is None:
        return format_html('<span class="muted">{}</span>',
                           _("%(unit)s: not enough answers in both groups to estimate.") % {"unit": unit})
    value, share = lost["value"], lost.get("share") or 0
    numbers = {"unit": unit, "value": local_decimal(f"{abs(value):.1f}"),
               "low": local_decimal(f"{lost['low']:.1f}"), "high": local_decimal(f"{lost['high']:.1f}"),
               "share": f"{100 * share:.0f}"}
    if not lost.get("beyond_noise"):
        return format_html("{}", _(
            "%(unit)s: the breached and met groups differ by no more than noise (estimate %(value)s points, "
            "95%% %(low)s to %(high)s).") % {**numbers, "value": local_decimal(f"{value:.1f}")})
    amount = format_html("<strong>{} {}</strong>", numbers["value"], unit)
    if value > 0:
        sentence = _("SLA breaches cost an estimated %(amount)s (95%% %(low)s to %(high)s): the breached "
                     "customers gave %(share)s%% of the answers here.")
    else:
        sentence = _("SLA breaches did not cost an estimated %(amount)s (95%% %(low)s to %(high)s): the "
                     "breached customers gave %(share)s%% of the answers here.")
    # The translated sentence and the figures are escaped; only the amount's own markup stays.
    values = {key: conditional_escape(value) for key, value in numbers.items()}
    return mark_safe(conditional_escape(sentence) % {**values, "amount": amount})


@register.filter
def iso_date(value: Any) -> dt.date | Any:
    """A date stored as ISO text in an analysis, as a date the `date` filter can write in the reader's
    format; anything else is given back as it is."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return value


@register.filter
def driver_reading(driver: dict[str, Any]) -> str:
    """A stored key driver's reading in the reader's language (the stored one is in the worker's)."""
    try:
        return analysis.driver_reading(driver["name"], driver["r"], driver["n"], driver["p"],
                                       driver["significant"], driver["enough"])
    except (KeyError, TypeError):  # a snapshot stored before these fields existed
        return driver.get("reading", "")


def _n(n: object) -> str:
    return _("n=%(n)s") % {"n": n}


@register.filter
def r_value(value: Any) -> str:
    return "—" if value is None else local_decimal(f"{float(value):+.2f}")


@register.filter
def p_value(value: Any) -> str:
    if value is None:
        return "—"
    p = float(value)
    return local_decimal("< 0.001" if p < 0.001 else f"{p:.3f}")
