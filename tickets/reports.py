"""Service reports: volume, backlog, response and resolution times, SLA, FCR and reopens by group.

Which tickets each figure counts (a window is whole days in the TIME_ZONE setting, both ends included):

| figure | tickets counted |
| --- | --- |
| created | created in the window |
| open now | new, open or pending now (whenever they were created) |
| open at the window's end | created before the window ended and not resolved or closed at that moment |
| first response median / p90 | first public reply in the window; hours from creation to it |
| resolved | *first* resolution in the window (the scored outcome, as in docs/metrics.md) |
| resolution median / p90 | those resolved; hours from creation to the first resolution |
| SLA attainment | those resolved whose first resolution was at or before `resolution_due_at` / resolved |
| first-contact resolution | those resolved still counting as first-contact resolutions / resolved |
| reopen rate | those resolved that were reopened since / resolved |

Response and resolution times, SLA and FCR are dated by the event they measure, like the experience
signals they mirror, so a report over a window agrees with the journey scores over the same days.

Everything is computed in one GROUP BY (conditional counts) plus one query for the total row, so a
report costs the same number of queries for 3 teams or 300. Percentiles: PostgreSQL computes them
in that GROUP BY with `percentile_cont`; SQLite has no such aggregate, so in the embedded mode one
more query reads the durations of the window and Python interpolates them the same way
(`percentile_cont` below) — fine for a one-machine install, and the tests hold both to one answer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from journeys.choices import Channel
from tickets.choices import OPEN_STATUSES, EventKind
from tickets.models import Ticket, TicketEvent

WINDOWS = (7, 30, 90, 365)
DEFAULT_WINDOW = 30
MAX_CUSTOM_DAYS = 5 * 366  # a custom range longer than this is refused: it is a data dump, not a report


# --- windows ------------------------------------------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the reporting time zone (TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class ReportWindow:
    """Whole days from `start` to `end`, both included. `days` is set for the preset windows."""

    start: dt.date
    end: dt.date
    days: int | None = None

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> ReportWindow:
        end = today or timezone.localdate()
        return cls(end - dt.timedelta(days=days - 1), end, days)

    @property
    def start_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the window (exclusive end)."""
        return day_start(self.end + dt.timedelta(days=1))

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


# --- filters the drill-down links use (the ticket list applies the same definitions) -------------------


def open_at_q(moment: dt.datetime) -> Q:
    """Tickets open (new, open or pending) at `moment`, from their timestamps and, where those cannot
    tell, from their status history.

    A ticket created before `moment` and not closed before it is open then if it had not been
    resolved yet. One first resolved before `moment` was resolved then, unless it has been reopened
    since: then it is open at `moment` only if its last status change before `moment` was to an
    open status.
    """
    later_change = TicketEvent.objects.filter(
        ticket=OuterRef("ticket"), kind=EventKind.STATUS, created_at__lt=moment,
    ).filter(Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id")))
    reopened_by_then = Exists(
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), kind=EventKind.STATUS, created_at__lt=moment, data__new__in=list(OPEN_STATUSES),
        ).filter(~Exists(later_change))
    )
    resolved_before = Q(first_resolved_at__lt=moment)
    return (
        Q(created_at__lt=moment)
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
        & (~resolved_before | (Q(reopen_count__gt=0) & resolved_before & Q(reopened_by_then)))
    )


SLA_MET_Q = Q(first_resolved_at__isnull=False, first_resolved_at__lte=F("resolution_due_at"))


# --- percentiles --------------------------------------------------------------------------------------


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile with linear interpolation, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression): PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: object, *, fraction: float, **extra: object) -> None:
        # The fraction is one of our constants, never input, so it may sit in the SQL text.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochSeconds(Func):
    """An interval in seconds, as a float (PostgreSQL)."""

    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"
    output_field = FloatField()


def _seconds_between(start: str, end: str) -> EpochSeconds:
    return EpochSeconds(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))


PERCENTILES = {"median": 0.5, "p90": 0.9}
DURATIONS = {"frt": "first_response_at", "resolution": "first_resolved_at"}


def _in_sql() -> bool:
    return connection.vendor == "postgresql"


# --- groupings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    key: str
    label: str
    param: str  # the ticket list's query-string parameter for one group
    value_field: str  # what the GROUP BY is on
    label_fields: tuple[str, ...]  # read in the same query to name the group
    none_label: str
    none_param: tuple[str, str] = ("", "")  # the list's parameter for "none" (no team ...)

    def name(self, row: dict) -> str:
        if row[self.value_field] is None:
            return self.none_label
        if self.key == "channel":
            return str(Channel(row["channel"]).label) if row["channel"] in Channel.values else row["channel"]
        if self.key == "agent":
            full = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            return full or row["assignee__username"]
        return row[self.label_fields[0]]


GROUPINGS: dict[str, Grouping] = {
    g.key: g
    for g in (
        Grouping("team", _("Team"), "team", "team_id", ("team__name",), _("No team"), ("team", "null")),
        Grouping("agent", _("Agent"), "assignee", "assignee_id",
                 ("assignee__first_name", "assignee__last_name", "assignee__username"), _("Unassigned"),
                 ("unassigned", "true")),
        Grouping("channel", _("Channel"), "channel", "channel", (), _("No channel"), ("channel", "")),
        Grouping("touchpoint", _("Touchpoint"), "touchpoint", "touchpoint_id", ("touchpoint__name",),
                 _("No touchpoint"), ("touchpoint", "null")),
    )
}
DEFAULT_GROUPING = "team"


# --- the report ---------------------------------------------------------------------------------------


COUNTS = ("created", "open_now", "open_at_end", "responded", "resolved", "sla_met", "fcr", "reopened")


@dataclass
class ReportRow:
    label: str
    group_value: object  # the id or value of the group; None for "no team" ...; unused on the total
    is_total: bool = False
    created: int = 0
    open_now: int = 0
    open_at_end: int = 0
    responded: int = 0
    resolved: int = 0
    sla_met: int = 0
    fcr: int = 0
    reopened: int = 0
    # hours
    frt_median: float | None = None
    frt_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None
    links: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return None if whole == 0 else 100.0 * part / whole

    @property
    def sla_rate(self) -> float | None:
        return self._rate(self.sla_met, self.resolved)

    @property
    def fcr_rate(self) -> float | None:
        return self._rate(self.fcr, self.resolved)

    @property
    def reopen_rate(self) -> float | None:
        return self._rate(self.reopened, self.resolved)


@dataclass
class ServiceReport:
    window: ReportWindow
    grouping: Grouping
    rows: list[ReportRow]
    total: ReportRow

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def all_rows(self) -> list[ReportRow]:
        """The groups, then the total (the page shows them in one table)."""
        return [*self.rows, self.total]


def _conditions(window: ReportWindow) -> dict[str, Q]:
    start, end = window.start_at, window.end_at
    resolved = Q(first_resolved_at__gte=start, first_resolved_at__lt=end)
    return {
        "created": Q(created_at__gte=start, created_at__lt=end),
        "open_now": Q(status__in=OPEN_STATUSES),
        "open_at_end": open_at_q(end),
        "responded": Q(first_response_at__gte=start, first_response_at__lt=end),
        "resolved": resolved,
        "sla_met": resolved & SLA_MET_Q,
        "fcr": resolved & Q(first_contact_resolution=True),
        "reopened": resolved & Q(reopen_count__gt=0),
    }


def _aggregates(conditions: dict[str, Q]) -> dict[str, Aggregate]:
    aggregates: dict[str, Aggregate] = {name: Count("pk", filter=conditions[name]) for name in COUNTS}
    if _in_sql():
        measured = {"frt": conditions["responded"], "resolution": conditions["resolved"]}
        for duration, end_field in DURATIONS.items():
            for name, fraction in PERCENTILES.items():
                aggregates[f"{duration}_{name}"] = PercentileCont(
                    _seconds_between("created_at", end_field), fraction=fraction, filter=measured[duration],
                )
    return aggregates


def _population(conditions: dict[str, Q], tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Every ticket (of `tickets`) that any figure counts: the WHERE of the GROUP BY."""
    return tickets.filter(
        conditions["created"] | conditions["open_now"] | conditions["open_at_end"]
        | conditions["responded"] | conditions["resolved"]
    )


def _fill(row: ReportRow, values: dict) -> None:
    for name in COUNTS:
        setattr(row, name, values[name] or 0)
    for duration in DURATIONS:
        for name in PERCENTILES:
            seconds = values.get(f"{duration}_{name}")
            setattr(row, f"{duration}_{name}", None if seconds is None else seconds / 3600)


def _python_percentiles(window: ReportWindow, grouping: Grouping, rows: Iterable[ReportRow],
                        total: ReportRow, tickets: QuerySet[Ticket]) -> None:
    """The embedded (SQLite) path: one query for the durations of the window, interpolated here."""
    start, end = window.start_at, window.end_at
    samples: dict[str, dict[object, list[float]]] = {d: defaultdict(list) for d in DURATIONS}
    durations = tickets.filter(
        Q(first_response_at__gte=start, first_response_at__lt=end)
        | Q(first_resolved_at__gte=start, first_resolved_at__lt=end)
    ).values_list(grouping.value_field, "created_at", *DURATIONS.values())
    for group, created_at, *ends in durations:
        for duration, at in zip(DURATIONS, ends, strict=True):
            if at is not None and start <= at < end:
                samples[duration][group].append((at - created_at).total_seconds())
    for row in [*rows, total]:
        for duration in DURATIONS:
            values = (
                [v for group_values in samples[duration].values() for v in group_values]
                if row.is_total else samples[duration].get(row.group_value, [])
            )
            for name, fraction in PERCENTILES.items():
                seconds = percentile_cont(values, fraction)
                setattr(row, f"{duration}_{name}", None if seconds is None else seconds / 3600)


def service_report(*, window: ReportWindow, by: str = DEFAULT_GROUPING,
                   tickets: QuerySet[Ticket] | None = None) -> ServiceReport:
    """The report over `window`, a row per group (`by`: team, agent, channel, touchpoint) and a total,
    of `tickets` (all by default; the pages and the API pass those the user may see)."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    grouping = GROUPINGS[by]
    conditions = _conditions(window)
    aggregates = _aggregates(conditions)
    population = _population(conditions, tickets)
    grouped = (
        population.values(grouping.value_field, *grouping.label_fields)
        .annotate(**aggregates)
        .order_by()
    )
    rows = []
    for values in grouped:
        row = ReportRow(label=grouping.name(values), group_value=values[grouping.value_field])
        _fill(row, values)
        rows.append(row)
    rows.sort(key=lambda r: (r.group_value is None, r.label.casefold()))
    total = ReportRow(label=_("All tickets"), group_value=None, is_total=True)
    if rows:
        _fill(total, population.aggregate(**aggregates))
    if not _in_sql():
        _python_percentiles(window, grouping, rows, total, tickets)
    for row in [*rows, total]:
        row.links = figure_links(window=window, grouping=grouping, row=row)
    return ServiceReport(window=window, grouping=grouping, rows=rows, total=total)


# --- drill-down links ---------------------------------------------------------------------------------


def figure_params(figure: str, *, window: ReportWindow) -> list[tuple[str, str]]:
    """The ticket-list query parameters that select the tickets one figure counts (before the group)."""
    first, last = window.start.isoformat(), window.end.isoformat()
    created = [("created_after", first), ("created_before", last)]
    responded = [("responded_after", first), ("responded_before", last)]
    resolved = [("resolved_after", first), ("resolved_before", last)]
    return {
        "created": created,
        "open_now": [("status", s) for s in OPEN_STATUSES],
        "open_at_end": [("open_at", last)],
        "responded": responded,
        "resolved": resolved,
        "sla_met": [*resolved, ("sla", "met")],
        "fcr": [*resolved, ("fcr", "true")],
        "reopened": [*resolved, ("reopened", "true")],
    }[figure]


def figure_links(*, window: ReportWindow, grouping: Grouping, row: ReportRow) -> dict[str, str]:
    base = reverse("tickets:list")
    group: list[tuple[str, str]] = []
    if not row.is_total:
        group = [grouping.none_param if row.group_value is None else (grouping.param, str(row.group_value))]
    return {
        figure: f"{base}?{urlencode([('queue', 'all'), *group, *figure_params(figure, window=window)])}"
        for figure in COUNTS
    }


# --- the page's input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportParams:
    window: ReportWindow
    by: str


class ReportForm(forms.Form):
    """window=7|30|90|365, or from=YYYY-MM-DD&to=YYYY-MM-DD; by=team|agent|channel|touchpoint.

    A bad value falls back to the default and is shown as an error; the page still renders.
    """

    window = forms.TypedChoiceField(
        choices=[(d, ngettext_lazy("%(count)d day", "%(count)d days", "count") % {"count": d}) for d in WINDOWS],
        coerce=int, required=False, label=_("Window"))
    by = forms.ChoiceField(choices=[(g.key, g.label) for g in GROUPINGS.values()], required=False,
                           label=_("Group by"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two are added here rather than declared above.
        self.fields["from"] = forms.DateField(required=False, label=_("From"),
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(required=False, label=_("To"),
                                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if (first is None) != (last is None) and not self.has_error("from") and not self.has_error("to"):
            self.add_error("to" if last is None else "from", _("Give both ends of the date range."))
        elif first and last:
            if first > last:
                self.add_error("to", _("The range ends before it starts."))
            elif (last - first).days + 1 > MAX_CUSTOM_DAYS:
                self.add_error("to", _("Choose at most %(count)d days.") % {"count": MAX_CUSTOM_DAYS})
        return data

    def params(self) -> ReportParams:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        by = data.get("by") or DEFAULT_GROUPING
        first, last = data.get("from"), data.get("to")
        if first and last and not (self.has_error("from") or self.has_error("to")):
            return ReportParams(ReportWindow(first, last), by)
        return ReportParams(ReportWindow.last(data.get("window") or DEFAULT_WINDOW), by)
