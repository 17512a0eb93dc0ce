"""What a touchpoint's page shows behind its score: components over time, the tickets and answers each
figure counts (as links to the filtered lists), linked initiatives and the stored service impact.

Every function here runs one query (or none), whatever the touchpoint's volume.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Sum, Value
from django.db.models.functions import Concat
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.choices import SignalKind as K
from journeys.models import AnalysisSnapshot, ExperienceSignal, Initiative, ScoreComponentDaily, Touchpoint
from journeys.models.analytics import AnalysisKind
from journeys.scoring import Components, metrics_of
from journeys.selectors import Window

# Windows up to this many days are drawn day by day; longer ones week by week (Mondays).
DAILY_UP_TO = 31
# The ticket signals' source, and how a reopen's source id extends its ticket's ("<ticket id>.<n>").
TICKET_SOURCE = "ticket"


def _url(name: str) -> str | None:
    """A page of another app by URL name, or None when that app is not installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- components over time ----------------------------------------------------------------------------


@dataclass
class Period:
    label: str
    start: dt.date
    components: Components = field(default_factory=Components)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def answers(self) -> int:
        c = self.components
        return c.nps_responses + c.csat_responses + c.ces_responses


@dataclass
class Series:
    granularity: str  # "day" or "week"
    periods: list[Period]

    @property
    def has_data(self) -> bool:
        return any(p.components.signals for p in self.periods)


def touchpoint_series(*, touchpoint: Touchpoint, window: Window) -> Series:
    """The touchpoint's components per day (or per week for long windows), every segment summed.

    One query: the daily rows GROUP BY day; weeks are summed here from the days (additive components).
    """
    weekly = window.days > DAILY_UP_TO
    rows = (
        ScoreComponentDaily.objects.filter(touchpoint=touchpoint, day__gte=window.start, day__lte=window.end)
        .values("day")
        .annotate(**{name: Sum(name) for name in Components.names()})
        .order_by("day")
    )
    periods: dict[dt.date, Period] = {}
    day = window.start
    while day <= window.end:
        key = day - dt.timedelta(days=day.weekday()) if weekly else day
        if key not in periods:
            day_label = dateformat.format(key, "d M")  # month names in the reader's language
            label = _("w/c %(day)s") % {"day": day_label} if weekly else day_label
            periods[key] = Period(label=label, start=key)
        day += dt.timedelta(days=1)
    for row in rows:
        key = row["day"] - dt.timedelta(days=row["day"].weekday()) if weekly else row["day"]
        period = periods.get(key)
        if period is not None:
            period.components = period.components + Components.from_mapping(row)
    for period in periods.values():
        period.metrics = metrics_of(period.components, min_sample=1)
    return Series("week" if weekly else "day", list(periods.values()))


# --- the tickets and answers behind each figure ------------------------------------------------------


@dataclass
class Figure:
    label: str
    count: int
    url: str | None
    note: str = ""


def _bounds(window: Window) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(window.start, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def reopened_since_count(*, touchpoint: Touchpoint, window: Window) -> int:
    """Tickets first resolved at the touchpoint in the window that have been reopened since.

    The reopen component counts reopen *events* in the window (of tickets resolved at any time), which
    no ticket list can select; this is the count the list's `reopened` filter can show. One query.
    """
    start, end = _bounds(window)
    reopens = ExperienceSignal.objects.filter(
        source=TICKET_SOURCE, kind=K.TICKET_REOPENED,
        source_id__startswith=Concat(OuterRef("source_id"), Value(".")),
    )
    return (
        ExperienceSignal.objects.filter(touchpoint=touchpoint, source=TICKET_SOURCE,
                                        kind=K.TICKET_RESOLVED, occurred_at__gte=start, occurred_at__lt=end)
        .filter(Exists(reopens))
        .count()
    )


def touchpoint_figures(*, touchpoint: Touchpoint, window: Window, components: Components
                       ) -> dict[str, list[Figure]]:
    """The window's counts with links to the ticket and answer lists that show exactly those items.

    Tickets are counted by their first resolution in the window (that is when their outcome is
    scored), answers by when they were given. One query (the reopened count).
    """
    first, last = window.start.isoformat(), window.end.isoformat()
    tickets_url, responses_url = _url("tickets:list"), _url("feedback:responses")

    def tickets(**extra: str) -> str | None:
        if tickets_url is None:
            return None
        params = [("queue", "all"), ("touchpoint", str(touchpoint.pk)), ("resolved_after", first),
                  ("resolved_before", last), *extra.items()]
        return f"{tickets_url}?{urlencode(params)}"

    def answers(kind: str, **extra: str) -> str | None:
        if responses_url is None:
            return None
        params = [("touchpoint", str(touchpoint.pk)), ("kind", kind), ("answered_from", first),
                  ("answered_to", last), *extra.items()]
        return f"{responses_url}?{urlencode(params)}"

    c = components
    return {
        "tickets": [
            Figure(_("Tickets resolved"), c.tickets_resolved, tickets()),
            Figure(_("Resolution SLA met"), c.sla_met, tickets(sla="met")),
            Figure(_("Resolution SLA breached"), c.sla_breached, tickets(sla="breached")),
            Figure(_("Resolved at first contact"), c.fcr, tickets(fcr="true")),
            Figure(_("Reopened since"), reopened_since_count(touchpoint=touchpoint, window=window),
                   tickets(reopened="true"),
                   note=ngettext("%(count)s reopen in the window", "%(count)s reopens in the window",
                                 c.reopens) % {"count": c.reopens}),
        ],
        "answers": [
            Figure(_("NPS answers"), c.nps_responses, answers("nps")),
            Figure(_("Promoters (9-10)"), c.nps_promoters, answers("nps", band="promoter")),
            Figure(_("Passives (7-8)"), c.nps_passives, answers("nps", band="passive")),
            Figure(_("Detractors (0-6)"), c.nps_detractors, answers("nps", band="detractor")),
            Figure(_("CSAT answers"), c.csat_responses, answers("csat")),
            Figure(_("Satisfied (4-5)"), c.csat_satisfied, answers("csat", band="satisfied")),
            Figure(_("CES answers"), c.ces_responses, answers("ces")),
            Figure(_("Easy (5-7)"), c.ces_easy, answers("ces", band="easy")),
        ],
    }


# --- initiatives and stored impact -------------------------------------------------------------------


@dataclass
class InitiativeRow:
    initiative: Initiative
    url: str | None


def touchpoint_initiatives(*, touchpoint: Touchpoint) -> list[InitiativeRow]:
    """Initiatives at this touchpoint, newest first, linked to their page when it exists. One query."""
    rows = list(touchpoint.initiatives.select_related("owner").order_by("-start_date", "id"))
    result = []
    for initiative in rows:
        try:
            url = reverse("journeys:initiative_detail", args=[initiative.pk])
        except NoReverseMatch:
            url = None
        result.append(InitiativeRow(initiative, url))
    return result


def touchpoint_impact(*, touchpoint: Touchpoint, window: Window) -> AnalysisSnapshot | None:
    """The stored service impact of this touchpoint: of the page's window, else the nearest window
    stored (impact is computed for 30 and 90 days). One query."""
    snapshots = list(AnalysisSnapshot.objects.filter(
        kind=AnalysisKind.SERVICE_IMPACT, scope_type="touchpoint", scope_id=touchpoint.pk))
    return min(snapshots, key=lambda s: (abs(s.window_days - window.days), s.window_days), default=None)
