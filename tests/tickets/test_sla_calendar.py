"""Business-hours arithmetic: pure, no database. Weekdays: Monday 0 .. Sunday 6."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tickets.sla.calendar import Calendar, CalendarError

ATHENS = zoneinfo.ZoneInfo("Europe/Athens")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
T = dt.time
NINE_TO_FIVE = {day: [(T(9), T(17))] for day in range(5)}


def local(tz: zoneinfo.ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def test_it_starts_the_clock_at_the_next_opening_when_created_outside_hours():
    cal = Calendar(time_zone="Europe/Athens", weekly=NINE_TO_FIVE)
    friday_evening = local(ATHENS, 2026, 11, 20, 19, 30)

    due = cal.add_business_minutes(friday_evening, 60)

    assert due == local(ATHENS, 2026, 11, 23, 10, 0)  # Monday 10:00
    assert cal.business_minutes_between(friday_evening, due) == 60


def test_it_carries_the_remainder_over_to_the_next_working_day():
    cal = Calendar(time_zone="Europe/Athens", weekly=NINE_TO_FIVE)

    due = cal.add_business_minutes(local(ATHENS, 2026, 11, 18, 16, 0), 3 * 60)  # Wednesday 16:00

    assert due == local(ATHENS, 2026, 11, 19, 11, 0)  # 1 h on Wednesday, 2 h on Thursday


def test_it_skips_a_holiday():
    # 25 March is a public holiday in Greece (a Wednesday in 2026)
    cal = Calendar(time_zone="Europe/Athens", weekly=NINE_TO_FIVE, holidays=frozenset({dt.date(2026, 3, 25)}))
    tuesday_afternoon = local(ATHENS, 2026, 3, 24, 16, 0)

    due = cal.add_business_minutes(tuesday_afternoon, 2 * 60)

    assert due == local(ATHENS, 2026, 3, 26, 10, 0)  # Thursday: Wednesday counts nothing
    assert cal.business_minutes_between(tuesday_afternoon, local(ATHENS, 2026, 3, 26, 9, 0)) == 60


def test_it_counts_nothing_over_a_weekend():
    cal = Calendar(time_zone="America/New_York", weekly=NINE_TO_FIVE)

    minutes = cal.business_minutes_between(local(NEW_YORK, 2026, 11, 20, 16, 0), local(NEW_YORK, 2026, 11, 23, 10, 0))

    assert minutes == 2 * 60  # Friday 16-17 and Monday 9-10


def test_it_counts_several_intervals_a_day_and_not_the_gap_between_them():
    lunch_break = {day: [(T(13), T(17)), (T(8), T(12))] for day in range(5)}  # given out of order on purpose
    cal = Calendar(time_zone="Europe/Athens", weekly=lunch_break)
    monday_eleven = local(ATHENS, 2026, 11, 23, 11, 0)

    assert cal.add_business_minutes(monday_eleven, 90) == local(ATHENS, 2026, 11, 23, 13, 30)
    assert cal.business_minutes_between(monday_eleven, local(ATHENS, 2026, 11, 23, 18, 0)) == 5 * 60


def test_overlapping_intervals_do_not_count_twice():
    cal = Calendar(weekly={0: [(T(9), T(13)), (T(12), T(17))]})
    monday = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)

    assert cal.business_minutes_between(monday, monday + dt.timedelta(days=1)) == 8 * 60


@pytest.mark.parametrize("day, hours", [
    (dt.date(2026, 3, 29), 11),  # spring forward at 03:00: the wall-clock 00:00-12:00 is 11 real hours
    (dt.date(2026, 10, 25), 13),  # fall back at 04:00: 03:00-04:00 happens twice, 13 real hours
    (dt.date(2026, 3, 22), 12),  # an ordinary Sunday
])
def test_a_daylight_saving_change_in_athens_shortens_or_lengthens_the_working_day(day, hours):
    cal = Calendar(time_zone="Europe/Athens", weekly={6: [(T(0), T(12))]})
    midnight = dt.datetime.combine(day, T(0), tzinfo=ATHENS)

    assert cal.business_minutes_between(midnight, midnight + dt.timedelta(days=1)) == hours * 60
    assert cal.add_business_minutes(midnight, hours * 60) == dt.datetime.combine(day, T(12), tzinfo=ATHENS)


def test_a_nine_to_five_day_after_spring_forward_in_new_york_keeps_its_wall_clock_hours():
    # DST starts on Sunday 8 March 2026 at 02:00; Monday still opens at 9:00 local, now UTC-4.
    cal = Calendar(time_zone="America/New_York", weekly=NINE_TO_FIVE)
    friday_four_pm = local(NEW_YORK, 2026, 3, 6, 16, 0)  # UTC-5

    due = cal.add_business_minutes(friday_four_pm, 2 * 60)

    assert due == local(NEW_YORK, 2026, 3, 9, 10, 0)
    assert due.astimezone(NEW_YORK).utcoffset() == dt.timedelta(hours=-4)
    assert due - friday_four_pm == dt.timedelta(days=2, hours=17)  # not 18: an hour went missing


def test_fall_back_in_new_york_counts_the_repeated_hour_once_per_pass():
    # DST ends on Sunday 1 November 2026 at 02:00 -> 01:00: an all-night Sunday shift works 25 real hours.
    cal = Calendar(time_zone="America/New_York", weekly={6: [(T(0), T(23, 59))]})
    start = local(NEW_YORK, 2026, 11, 1, 0, 0)

    assert cal.business_minutes_between(start, start + dt.timedelta(days=2)) == 24 * 60 + 59


def test_an_opening_time_skipped_by_spring_forward_opens_when_the_clock_jumps():
    cal = Calendar(time_zone="Europe/Athens", weekly={6: [(T(3, 30), T(5))]})  # 03:00-04:00 does not exist

    begin, end = next(cal.intervals(local(ATHENS, 2026, 3, 29, 0, 0)))

    assert begin == local(ATHENS, 2026, 3, 29, 4, 0)
    assert end - begin == dt.timedelta(hours=1)


def test_around_the_clock_is_plain_elapsed_time():
    cal = Calendar.always()
    start = dt.datetime(2026, 11, 21, 23, 0, tzinfo=dt.UTC)  # a Saturday night

    assert cal.add_business_minutes(start, 90) == start + dt.timedelta(minutes=90)
    assert cal.business_minutes_between(start, start + dt.timedelta(days=3)) == 3 * 24 * 60
    assert cal.is_open(start)


def test_adding_then_measuring_gives_back_the_minutes():
    cal = Calendar(time_zone="America/New_York", weekly={**NINE_TO_FIVE, 5: [(T(10), T(14))]},
                   holidays=frozenset({dt.date(2026, 11, 26)}))
    start = local(NEW_YORK, 2026, 10, 30, 12, 17)

    for minutes in (0, 1, 59, 480, 1000, 5000, 20000):
        due = cal.add_business_minutes(start, minutes)
        assert cal.business_minutes_between(start, due) == minutes


def test_zero_minutes_outside_hours_is_the_next_opening_and_a_reversed_span_is_empty():
    cal = Calendar(time_zone="Europe/Athens", weekly=NINE_TO_FIVE)
    saturday = local(ATHENS, 2026, 11, 21, 12, 0)

    assert cal.add_business_minutes(saturday, 0) == local(ATHENS, 2026, 11, 23, 9, 0)
    assert not cal.is_open(saturday)
    assert cal.business_minutes_between(saturday, saturday - dt.timedelta(days=3)) == 0


def test_it_refuses_what_cannot_run_a_clock():
    with pytest.raises(CalendarError):
        Calendar(time_zone="Europe/Atlantis", around_the_clock=True)
    with pytest.raises(CalendarError):
        Calendar(time_zone="UTC")  # no hours, not 24x7
    with pytest.raises(ValueError, match="aware"):
        Calendar.always().add_business_minutes(dt.datetime(2026, 1, 1), 5)


@pytest.mark.parametrize("name", ["Mars/Olympus", "x" * 300, "../etc/passwd"])
def test_a_time_zone_the_system_cannot_look_up_is_refused_with_a_clear_error(name):
    from django.core.exceptions import ValidationError

    from tickets.models.sla import validate_time_zone

    with pytest.raises(ValidationError, match="not a time zone name"):
        validate_time_zone(name)
    with pytest.raises(CalendarError, match="Unknown time zone"):
        Calendar(time_zone=name, weekly={})
