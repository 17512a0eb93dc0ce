"""How service-impact and key-driver figures read on the insight pages (stored JSON in, text out)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def nps_with_interval(fig: dict[str, Any] | None) -> str:
    """"+12 (−3 to +27), n=40" — an NPS with its 95% interval and sample."""
    if not fig or fig.get("value") is None:
        return format_html('<span class="muted">— (n={})</span>', (fig or {}).get("n", 0))
    return format_html('{} <span class="muted interval">({} to {}) n={}</span>',
                       f"{fig['value']:+.0f}", f"{fig['low']:+.0f}", f"{fig['high']:+.0f}", fig["n"])


@register.filter
def csat_with_interval(fig: dict[str, Any] | None) -> str:
    """"72% (60–82%), n=40" — a share with its Wilson interval and sample."""
    if not fig or fig.get("value") is None:
        return format_html('<span class="muted">— (n={})</span>', (fig or {}).get("n", 0))
    return format_html('{} <span class="muted interval">({}–{}%) n={}</span>',
                       f"{fig['value']:.0f}%", f"{fig['low']:.0f}", f"{fig['high']:.0f}", fig["n"])


@register.filter
def signed_diff(diff: dict[str, Any] | None) -> str:
    """A difference with its interval and a badge: beyond noise, within noise, or too few answers."""
    if not diff or diff.get("value") is None:
        return "—"
    if not diff.get("enough"):
        badge = mark_safe('<span class="badge">too few answers</span>')
    elif diff.get("beyond_noise"):
        badge = mark_safe('<span class="badge bad">beyond noise</span>')
    else:
        badge = mark_safe('<span class="badge">within noise</span>')
    return format_html('{} <span class="muted interval">({} to {})</span> {}', f"{diff['value']:+.1f}",
                       f"{diff['low']:+.1f}", f"{diff['high']:+.1f}", badge)


@register.filter
def points_lost(lost: dict[str, Any] | None, unit: str = "points") -> str:
    """One sentence on the estimated points lost to SLA breaches."""
    if not lost or lost.get("value") is None:
        return format_html('<span class="muted">{}: not enough answers in both groups to estimate.</span>',
                           unit)
    value, share = lost["value"], lost.get("share") or 0
    if not lost.get("beyond_noise"):
        return format_html(
            "{}: the breached and met groups differ by no more than noise (estimate {} points, "
            "95% {} to {}).", unit, f"{value:.1f}", f"{lost['low']:.1f}", f"{lost['high']:.1f}")
    verb = "cost" if value > 0 else "did not cost"
    return format_html(
        "SLA breaches {} an estimated <strong>{} {}</strong> (95% {} to {}): the breached customers "
        "gave {}% of the answers here.", verb, f"{abs(value):.1f}", unit, f"{lost['low']:.1f}",
        f"{lost['high']:.1f}", f"{100 * share:.0f}")


@register.filter
def r_value(value: Any) -> str:
    return "—" if value is None else f"{float(value):+.2f}"


@register.filter
def p_value(value: Any) -> str:
    if value is None:
        return "—"
    p = float(value)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
