"""Business-hours arithmetic: pure functions over a calendar description, no database.

A calendar is a time zone, opening intervals per weekday (wall-clock times, several a day allowed) and
closed dates, or "around the clock". Every opening interval is computed on the local wall clock of its
day and converted to UTC on its own, so a day on which daylight saving starts is an hour shorter and a
day on which it ends an hour longer, exactly as the people working it experience them.

All datetimes in and out are aware (results are in UTC). Minutes may be fractional.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

UTC = dt.UTC
# A calendar that opens less often than this is treated as never opening: it would otherwise loop forever.
SEARCH_HORIZON_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar cannot run a clock (no opening hours at all, or none within the search horizon)."""


def _merge(intervals: Iterable[tuple[dt.time, dt.time]]) -> tuple[tuple[dt.time, dt.time], ...]:
    """Sorted, overlapping or touching intervals joined: overlapping hours must not count twice."""
    merged: list[tuple[dt.time, dt.time]] = []
    for opens, closes in sorted(intervals):
        if opens >= closes:
            raise CalendarError(f"An interval must open before it closes ({opens}-{closes}).")
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(closes, merged[-1][1]))
        else:
            merged.append((opens, closes))
    return tuple(merged)


def _local_to_utc(day: dt.date, wall: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant the local clock first reads `wall` on `day`.

    An ambiguous time (the repeated hour when daylight saving ends) is its first occurrence. A time that
    does not exist (skipped when daylight saving starts) is the moment the clock jumps past it, so an
    office "opening at 03:30" on such a day opens when the clock shows 04:00.
    """
    local = dt.datetime.combine(day, wall, tzinfo=tz)  # fold=0: the first occurrence
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # In a gap. fold=0 reads the wall time with the offset before the jump (an instant after it),
    # fold=1 with the offset after (an instant before it): the jump lies between; find it to the second.
    low = local.replace(fold=1).astimezone(UTC)
    high = instant
    after = high.astimezone(tz).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class Calendar:
    """Opening hours in one time zone. `weekly` maps weekday (Monday 0 .. Sunday 6) to intervals."""

    time_zone: str = "UTC"
    weekly: Mapping[int, Sequence[tuple[dt.time, dt.time]]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    around_the_clock: bool = False

    def __post_init__(self) -> None:
        try:
            tz = zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise CalendarError(f"Unknown time zone {self.time_zone!r}.") from None
        object.__setattr__(self, "_tz", tz)
        merged = {day: _merge(spans) for day, spans in self.weekly.items() if spans}
        if any(day not in range(7) for day in merged):
            raise CalendarError("Weekdays run from 0 (Monday) to 6 (Sunday).")
        object.__setattr__(self, "_weekly", merged)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.around_the_clock and not merged:
            raise CalendarError("A calendar needs opening hours or to run around the clock.")

    @classmethod
    def always(cls) -> Calendar:
        """24x7 in UTC: business time is elapsed time."""
        return cls(around_the_clock=True)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return self._tz  # type: ignore[attr-defined]

    def intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Opening intervals in UTC, in order, from the one containing `start` (or the next) onwards."""
        _require_aware(start)
        if self.around_the_clock:
            yield start.astimezone(UTC), dt.datetime.max.replace(tzinfo=UTC)
            return
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)  # a DST edge can shift a day
        closed_days = 0
        while closed_days <= SEARCH_HORIZON_DAYS:
            closed_days += 1
            if day not in self.holidays:
                for opens, closes in self._weekly.get(day.weekday(), ()):  # type: ignore[attr-defined]
                    begin = _local_to_utc(day, opens, self.tz)
                    end = _local_to_utc(day, closes, self.tz)
                    if end > start and end > begin:
                        closed_days = 0
                        yield max(begin, start.astimezone(UTC)), end
            day += dt.timedelta(days=1)
        raise CalendarError(f"The calendar does not open within {SEARCH_HORIZON_DAYS} days after {day}.")

    def add_business_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The instant `minutes` of business time after `start`. Outside hours the clock starts at the
        next opening, so adding 0 minutes outside hours gives the next opening."""
        _require_aware(start)
        if minutes < 0:
            raise ValueError("Business minutes to add cannot be negative.")
        if self.around_the_clock:
            return start + dt.timedelta(minutes=minutes)
        remaining = dt.timedelta(minutes=minutes)
        for begin, end in self.intervals(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable: intervals() raises when it runs out")  # pragma: no cover

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time in [start, end); zero when end is not after start."""
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return dt.timedelta(0)
        if self.around_the_clock:
            return end - start
        total = dt.timedelta(0)
        for begin, close in self.intervals(start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total

    def business_minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business minutes in [start, end); zero when end is not after start."""
        return self.business_time_between(start, end).total_seconds() / 60

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the clock runs at this instant."""
        begin, _ = next(self.intervals(at))
        return begin <= at.astimezone(UTC)


def _require_aware(value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Business-hours arithmetic needs aware datetimes.")
