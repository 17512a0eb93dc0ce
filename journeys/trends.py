"""Windows, previous periods, filters and time series of scores.

Everything here reads only the daily components (ScoreComponentDaily), in one GROUP BY per read
whatever the number of touchpoints or days: rows come back per touchpoint and bucket (a day, a week
or a month) and are blended in Python with the functions of journeys.scoring, so a bucket's score is
computed exactly as a window's.

A window is whole days in the reporting time zone (TIME_ZONE), both ends included. Its previous
period is the same number of days just before it.

Which touchpoints a window counts: active ones always; an archived one (is_active False with
archived_at set) when the window starts before it was archived. Archiving a touchpoint therefore
never rewrites the scores of the periods it was part of.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.choices import Channel
from journeys.models import ScoreComponentDaily, Touchpoint
from journeys.scoring import Components

WINDOWS = (7, 30, 90, 365)
DEFAULT_WINDOW = 30
# A custom window may span at most three years (one leap day included).
MAX_CUSTOM_DAYS = 3 * 365 + 1

DAY, WEEK, MONTH = "day", "week", "month"
GRANULARITIES = (DAY, WEEK, MONTH)
# How the pages name a granularity: "Experience score by week".
GRANULARITY_LABELS = {DAY: gettext_lazy("day"), WEEK: gettext_lazy("week"), MONTH: gettext_lazy("month")}
# The segment filter's value for signals of customers without a segment (stored as "").
NO_SEGMENT = "-"


# --- Windows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Whole days from `start` to `end` (in the reporting time zone), both ends included.

    `days` is the length; `custom` is set for a window chosen by dates rather than a preset length.
    """

    days: int
    start: dt.date
    end: dt.date
    custom: bool = False

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> Window:
        end = today or timezone.localdate()
        return cls(days, end - dt.timedelta(days=days - 1), end)

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Window:
        return cls((end - start).days + 1, start, end, custom=True)

    def previous(self) -> Window:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Window(self.days, end - dt.timedelta(days=self.days - 1), end, self.custom)

    @property
    def start_at(self) -> dt.datetime:
        """The window's first moment (midnight of its first day in the reporting time zone)."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min),
                                   timezone.get_default_timezone())

    def counts(self, touchpoint: Touchpoint) -> bool:
        """Whether the touchpoint's scores count in this window (see the module docstring)."""
        if touchpoint.is_active:
            return True
        return touchpoint.archived_at is not None and self.start_at < touchpoint.archived_at

    @property
    def params(self) -> list[tuple[str, str]]:
        """Query-string parameters that select this window again."""
        if self.custom:
            return [("start", self.start.isoformat()), ("end", self.end.isoformat())]
        return [("window", str(self.days))]

    @property
    def query(self) -> str:
        """`window=30` or `start=...&end=...`, for links that keep the window."""
        return "&".join(f"{key}={value}" for key, value in self.params)


def parse_window(raw: object) -> int:
    """A preset window length from user input; anything unknown falls back to the default."""
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW


@dataclass
class WindowErrors:
    """Why a requested window was not used, by query parameter."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


def window_from_params(
    params: Mapping[str, str], *, today: dt.date | None = None
) -> tuple[Window, WindowErrors]:
    """The window a query string asks for: `start` and `end` dates (custom) or `window` (7, 30, 90,
    365). Anything invalid gives the default window and says why; nothing given is the default."""
    today = today or timezone.localdate()
    errors = WindowErrors()
    raw_start = (params.get("start") or "").strip()
    raw_end = (params.get("end") or "").strip()
    if raw_start or raw_end:
        window = _custom_window(raw_start, raw_end, today, errors)
        if window is not None:
            return window, errors
        return Window.last(DEFAULT_WINDOW, today=today), errors
    raw = (params.get("window") or "").strip()
    if not raw:
        return Window.last(DEFAULT_WINDOW, today=today), errors
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days not in WINDOWS:
        errors.add("window", _("Choose a window of %(lengths)s days, or start and end dates.")
                   % {"lengths": ", ".join(map(str, WINDOWS))})
        days = DEFAULT_WINDOW
    return Window.last(days, today=today), errors


def _date(raw: str, name: str, errors: WindowErrors) -> dt.date | None:
    if not raw:
        errors.add(name, _("Give both a start and an end date."))
        return None
    try:
        value = parse_date(raw)
    except ValueError:  # well formed but impossible, such as 2026-02-30
        value = None
    if value is None:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
    return value


def _custom_window(raw_start: str, raw_end: str, today: dt.date,
                   errors: WindowErrors) -> Window | None:
    start = _date(raw_start, "start", errors)
    end = _date(raw_end, "end", errors)
    if start is None or end is None:
        return None
    if end > today:
        errors.add("end", _("The end date cannot be in the future."))
    if end < start:
        errors.add("end", _("The end date must be on or after the start date."))
    elif (end - start).days + 1 > MAX_CUSTOM_DAYS:
        errors.add("start", _("A window can span at most three years."))
    return None if errors else Window.between(start, end)


def default_granularity(window: Window) -> str:
    """Days for up to two weeks, weeks up to four months, months beyond: enough points to see a
    trend, each with enough answers to be scored."""
    if window.days <= 14:
        return DAY
    return WEEK if window.days <= 120 else MONTH


def parse_granularity(raw: object, window: Window) -> tuple[str, bool]:
    """The granularity asked for, or the window's default; the flag says whether `raw` was unknown."""
    value = str(raw or "").strip()
    if value in GRANULARITIES:
        return value, False
    return default_granularity(window), bool(value)


# --- Filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreFilter:
    """Which part of the experience a read counts: one customer segment, one channel, or all."""

    segment: str | None = None  # None: every segment; "" : customers without a segment
    channel: str | None = None  # None: every channel

    @property
    def active(self) -> bool:
        return self.segment is not None or self.channel is not None

    @property
    def params(self) -> list[tuple[str, str]]:
        params = []
        if self.segment is not None:
            params.append(("segment", self.segment or NO_SEGMENT))
        if self.channel is not None:
            params.append(("channel", self.channel))
        return params


def segment_choices() -> list[str]:
    """Every customer segment the daily components know of ("" for none), in name order.

    A loose index scan: each step asks the segment index for the smallest segment after the last one,
    so the cost is a few probes per segment, not a read of every component row as DISTINCT would be.
    """
    table = connection.ops.quote_name(ScoreComponentDaily._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE segments(name) AS ("
            f" SELECT min(segment) FROM {table}"
            f" UNION ALL"
            f" SELECT (SELECT min(segment) FROM {table} WHERE segment > segments.name)"
            f" FROM segments WHERE segments.name IS NOT NULL"
            f") SELECT name FROM segments WHERE name IS NOT NULL"
        )
        return [name for (name,) in cursor.fetchall()]


def filter_from_params(
    params: Mapping[str, str], *, segments: Iterable[str]
) -> tuple[ScoreFilter, list[str]]:
    """The segment and channel filters of a page; an unknown one is ignored, with a message."""
    problems = []
    segment: str | None = (params.get("segment") or "").strip() or None
    if segment == NO_SEGMENT:
        segment = ""
    if segment and segment not in set(segments):
        problems.append(_("No customer segment is called “%(segment)s”: showing every segment.")
                        % {"segment": segment})
        segment = None
    channel: str | None = (params.get("channel") or "").strip() or None
    if channel is not None and channel not in Channel.values:
        problems.append(_("There is no channel “%(channel)s”: showing every channel.")
                        % {"channel": channel})
        channel = None
    return ScoreFilter(segment, channel), problems


# --- Buckets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """One point of a series: a day, or the part of a week or month inside the window."""

    key: dt.date  # the first day of the day, ISO week (Monday) or month
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return self.start.isoformat()


def bucket_key(day: dt.date, granularity: str) -> dt.date:
    if granularity == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if granularity == MONTH:
        return day.replace(day=1)
    return day


def _next_key(key: dt.date, granularity: str) -> dt.date:
    if granularity == WEEK:
        return key + dt.timedelta(days=7)
    if granularity == MONTH:
        return (key.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return key + dt.timedelta(days=1)


def buckets(window: Window, granularity: str) -> list[Bucket]:
    """The window cut into days, weeks (Monday to Sunday) or calendar months, clipped to the window."""
    result = []
    key = bucket_key(window.start, granularity)
    while key <= window.end:
        following = _next_key(key, granularity)
        result.append(Bucket(key, max(key, window.start),
                             min(following - dt.timedelta(days=1), window.end)))
        key = following
    return result


# --- Reads -------------------------------------------------------------------------------------------


def _rows(touchpoint_ids: Iterable[int], window: Window, score_filter: ScoreFilter | None):
    rows = ScoreComponentDaily.objects.filter(
        touchpoint_id__in=list(touchpoint_ids), day__gte=window.start, day__lte=window.end
    )
    if score_filter is not None:
        if score_filter.segment is not None:
            rows = rows.filter(segment=score_filter.segment)
        if score_filter.channel is not None:
            rows = rows.filter(touchpoint__channel=score_filter.channel)
    return rows


_SUMS = {name: Sum(name) for name in Components.names()}


def components_by_touchpoint(
    touchpoint_ids: Iterable[int], window: Window, score_filter: ScoreFilter | None = None
) -> dict[int, Components]:
    """Each touchpoint's components summed over the window (one query)."""
    ids = list(touchpoint_ids)
    if not ids:
        return {}
    rows = _rows(ids, window, score_filter).values("touchpoint_id").annotate(**_SUMS).order_by()
    return {row["touchpoint_id"]: Components.from_mapping(row) for row in rows}


def _bucketed(rows: QuerySet[ScoreComponentDaily], granularity: str
              ) -> tuple[QuerySet[ScoreComponentDaily], str]:
    """The rows with their bucket (the day truncated to week or month), and the bucket's field name."""
    if granularity in (WEEK, MONTH):
        return rows.annotate(bucket=TruncWeek("day") if granularity == WEEK else TruncMonth("day")), "bucket"
    return rows, "day"


def _bucket_key(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # some backends give a datetime


def components_by_bucket(
    touchpoint_ids: Iterable[int], window: Window, granularity: str,
    score_filter: ScoreFilter | None = None,
) -> dict[int, dict[dt.date, Components]]:
    """Each touchpoint's components per bucket key (one query, grouped by touchpoint and the day
    truncated to the bucket)."""
    ids = list(touchpoint_ids)
    if not ids:
        return {}
    rows, field_name = _bucketed(_rows(ids, window, score_filter), granularity)
    grouped = rows.values("touchpoint_id", field_name).annotate(**_SUMS).order_by()
    result: dict[int, dict[dt.date, Components]] = defaultdict(dict)
    for row in grouped:
        result[row["touchpoint_id"]][_bucket_key(row[field_name])] = Components.from_mapping(row)
    return dict(result)


def components_by_bucket_and_segment(
    touchpoint_ids: Iterable[int], window: Window, granularity: str,
    score_filter: ScoreFilter | None = None,
) -> tuple[dict[int, dict[dt.date, Components]], dict[int, dict[str, Components]]]:
    """components_by_bucket and components_by_segment of the same window from one query, grouped by
    touchpoint, bucket and segment: a page showing both a series and a segment breakdown reads the
    daily table once."""
    ids = list(touchpoint_ids)
    if not ids:
        return {}, {}
    rows, field_name = _bucketed(_rows(ids, window, score_filter), granularity)
    grouped = rows.values("touchpoint_id", field_name, "segment").annotate(**_SUMS).order_by()
    buckets: dict[int, dict[dt.date, list[Components]]] = defaultdict(lambda: defaultdict(list))
    segments: dict[int, dict[str, list[Components]]] = defaultdict(lambda: defaultdict(list))
    for row in grouped:
        components = Components.from_mapping(row)
        buckets[row["touchpoint_id"]][_bucket_key(row[field_name])].append(components)
        segments[row["touchpoint_id"]][row["segment"]].append(components)
    return (
        {tp: {key: Components.total(parts) for key, parts in by_key.items()} for tp, by_key in buckets.items()},
        {tp: {key: Components.total(parts) for key, parts in by_key.items()} for tp, by_key in segments.items()},
    )


def components_by_segment(
    touchpoint_ids: Iterable[int], window: Window, score_filter: ScoreFilter | None = None
) -> dict[int, dict[str, Components]]:
    """Each touchpoint's components per customer segment over the window (one query)."""
    ids = list(touchpoint_ids)
    if not ids:
        return {}
    rows = (_rows(ids, window, score_filter).values("touchpoint_id", "segment")
            .annotate(**_SUMS).order_by())
    result: dict[int, dict[str, Components]] = defaultdict(dict)
    for row in rows:
        result[row["touchpoint_id"]][row["segment"]] = Components.from_mapping(row)
    return dict(result)
