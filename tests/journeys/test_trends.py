"""Windows, previous periods, series by day/week/month, segment and channel filters, archived
touchpoints: every expected figure is worked out by hand from rows written here."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from journeys import rollup
from journeys.choices import Channel, SignalKind
from journeys.models import ScoreComponentDaily
from journeys.selectors import ScoreQuery, journey_scorecard, program_scorecards, scope_scorecard
from journeys.services import rollups_deferred, signal_record
from journeys.trends import (
    MAX_CUSTOM_DAYS,
    MONTH,
    WEEK,
    Bucket,
    ScoreFilter,
    Window,
    buckets,
    components_by_bucket,
    components_by_bucket_and_segment,
    components_by_segment,
    default_granularity,
    filter_from_params,
    parse_granularity,
    window_from_params,
)
from tests.journeys.factories import (
    CustomerFactory,
    JourneyFactory,
    ProgramFactory,
    StageFactory,
    TouchpointFactory,
)

D = dt.date
TODAY = D(2026, 11, 20)


def csat(touchpoint, day, responses, satisfied, segment=""):
    """A day of CSAT answers: with CSAT alone in the data, a touchpoint's score is its CSAT %."""
    return ScoreComponentDaily.objects.create(
        touchpoint=touchpoint, day=day, segment=segment, signals=responses,
        csat_responses=responses, csat_satisfied=satisfied, csat_score_sum=4 * responses)


@pytest.fixture
def journey(db):
    return JourneyFactory(name="Servicing", program=ProgramFactory(min_sample_size=1))


@pytest.fixture
def stage(journey):
    return StageFactory(journey=journey, name="Booking", position=1)


# --- Windows -----------------------------------------------------------------------------------------


def test_it_defaults_to_the_last_30_days_without_complaint():
    window, errors = window_from_params({}, today=TODAY)

    assert (window.days, window.start, window.end, window.custom) == (30, D(2026, 10, 22), TODAY, False)
    assert not errors


@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_it_takes_each_preset_window(days):
    window, errors = window_from_params({"window": str(days)}, today=TODAY)

    assert window.days == days and window.end == TODAY
    assert (window.end - window.start).days + 1 == days
    assert window.query == f"window={days}"
    assert not errors


@pytest.mark.parametrize("raw", ["9999", "abc", "-7", "30.5", "0"])
def test_an_unknown_window_falls_back_to_30_days_and_says_why(raw):
    window, errors = window_from_params({"window": raw}, today=TODAY)

    assert window == Window.last(30, today=TODAY)
    assert "window" in errors.errors


def test_a_custom_window_runs_from_start_to_end_both_included():
    window, errors = window_from_params({"start": "2026-03-01", "end": "2026-03-31"}, today=TODAY)

    assert not errors
    assert (window.start, window.end, window.days, window.custom) == (D(2026, 3, 1), D(2026, 3, 31), 31, True)
    assert window.query == "start=2026-03-01&end=2026-03-31"


def test_a_custom_window_may_span_exactly_three_years_but_not_a_day_more():
    end = D(2026, 11, 1)
    longest = end - dt.timedelta(days=MAX_CUSTOM_DAYS - 1)
    ok, ok_errors = window_from_params({"start": longest.isoformat(), "end": end.isoformat()}, today=TODAY)
    too_long, errors = window_from_params(
        {"start": (longest - dt.timedelta(days=1)).isoformat(), "end": end.isoformat()}, today=TODAY)

    assert not ok_errors and ok.days == MAX_CUSTOM_DAYS == 1096
    assert "start" in errors.errors and too_long == Window.last(30, today=TODAY)


@pytest.mark.parametrize("params, field", [
    ({"start": "2026-03-31", "end": "2026-03-01"}, "end"),         # ends before it starts
    ({"start": "2026-11-01", "end": "2026-11-21"}, "end"),         # ends tomorrow
    ({"start": "2026-03-01"}, "end"),                               # no end
    ({"end": "2026-03-01"}, "start"),                               # no start
    ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),       # no such day
    ({"start": "yesterday", "end": "2026-03-01"}, "start"),
    ({"start": "2026-03-01", "end": "2026-03-01'; drop"}, "end"),
])
def test_a_bad_custom_window_falls_back_to_the_default_with_a_message(params, field):
    window, errors = window_from_params(params, today=TODAY)

    assert window == Window.last(30, today=TODAY)
    assert field in errors.errors and errors.messages


def test_a_one_day_custom_window_ending_today_is_fine():
    window, errors = window_from_params({"start": "2026-11-20", "end": "2026-11-20"}, today=TODAY)

    assert not errors and window.days == 1


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    window = Window.between(D(2026, 3, 1), D(2026, 3, 31))

    previous = window.previous()

    assert (previous.start, previous.end, previous.days) == (D(2026, 1, 29), D(2026, 2, 28), 31)
    assert Window.last(7, today=TODAY).previous() == Window(7, D(2026, 11, 7), D(2026, 11, 13))


def test_granularity_defaults_by_window_length_and_an_unknown_one_is_flagged():
    assert default_granularity(Window.last(7, today=TODAY)) == "day"
    assert default_granularity(Window.between(D(2026, 3, 1), D(2026, 3, 14))) == "day"
    assert default_granularity(Window.last(30, today=TODAY)) == "week"
    assert default_granularity(Window.last(90, today=TODAY)) == "week"
    assert default_granularity(Window.last(365, today=TODAY)) == "month"
    assert parse_granularity("month", Window.last(7, today=TODAY)) == ("month", False)
    assert parse_granularity("fortnight", Window.last(7, today=TODAY)) == ("day", True)
    assert parse_granularity("", Window.last(90, today=TODAY)) == ("week", False)


# --- Buckets -----------------------------------------------------------------------------------------


def test_weeks_run_monday_to_sunday_clipped_to_the_window():
    # Wednesday 4 March to Tuesday 17 March 2026
    window = Window.between(D(2026, 3, 4), D(2026, 3, 17))

    assert buckets(window, WEEK) == [
        Bucket(D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 8)),
        Bucket(D(2026, 3, 9), D(2026, 3, 9), D(2026, 3, 15)),
        Bucket(D(2026, 3, 16), D(2026, 3, 16), D(2026, 3, 17)),
    ]


def test_months_are_calendar_months_clipped_to_the_window():
    window = Window.between(D(2025, 12, 15), D(2026, 2, 10))

    assert [(b.start, b.end) for b in buckets(window, MONTH)] == [
        (D(2025, 12, 15), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 10)),
    ]


# --- Series ------------------------------------------------------------------------------------------


@pytest.fixture
def two_touchpoints(stage):
    """Phone (weight 1) and web (weight 3) in one stage, with CSAT on 2 to 10 March 2026."""
    phone = TouchpointFactory(stage=stage, name="Phone", channel=Channel.PHONE, weight=Decimal(1))
    web = TouchpointFactory(stage=stage, name="Web", channel=Channel.WEB, weight=Decimal(3))
    csat(phone, D(2026, 3, 2), 4, 3)    # Monday: 75%
    csat(phone, D(2026, 3, 3), 2, 1)    # Tuesday: 50%
    csat(phone, D(2026, 3, 9), 5, 5)    # next Monday: 100%
    csat(web, D(2026, 3, 3), 10, 2)     # Tuesday: 20%
    return phone, web


def test_the_series_by_day_blends_each_day_on_its_own(journey, two_touchpoints):
    window = Window.between(D(2026, 3, 2), D(2026, 3, 4))

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, granularity="day"))

    phone, web = card.stages[0].touchpoints
    assert phone.series_values == [75.0, 50.0, None]
    assert web.series_values == [None, 20.0, None]
    # Tuesday: (50 x 1 + 20 x 3) / 4; Monday: only the phone has data
    assert card.series_values == [75.0, 27.5, None]
    # the window as a whole: phone 4/6 = 66.67%, web 20%: (66.67 + 3 x 20) / 4
    assert card.score.value == pytest.approx((400 / 6 + 60) / 4)


def test_the_series_by_week_sums_the_days_of_each_week_before_blending(journey, two_touchpoints):
    window = Window.between(D(2026, 3, 2), D(2026, 3, 15))

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, granularity=WEEK))

    phone, web = card.stages[0].touchpoints
    assert phone.series_values == pytest.approx([100 * 4 / 6, 100.0])
    assert web.series_values == [20.0, None]
    assert card.series_values == pytest.approx([(100 * 4 / 6 + 3 * 20) / 4, 100.0])


def test_the_series_by_month_and_the_window_total_agree(journey, two_touchpoints):
    window = Window.between(D(2026, 2, 20), D(2026, 3, 31))

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, granularity=MONTH))

    phone, _ = card.stages[0].touchpoints
    # February has no data; March holds all eleven phone answers, 9 satisfied
    assert phone.series_values == [None, pytest.approx(100 * 9 / 11)]
    assert phone.score.value == pytest.approx(100 * 9 / 11)
    assert phone.score.components.csat_responses == 11


def test_series_read_a_constant_number_of_queries_whatever_the_days(
        journey, stage, django_assert_num_queries):
    touchpoints = [TouchpointFactory(stage=stage) for _ in range(4)]
    for tp, offset in itertools.product(touchpoints, range(0, 60, 3)):
        csat(tp, D(2026, 1, 1) + dt.timedelta(days=offset), 2, 1)
    window = Window.between(D(2026, 1, 1), D(2026, 3, 1))

    with django_assert_num_queries(4):  # journey, stages, touchpoints, one GROUP BY
        card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, granularity="day"))

    assert len(card.series) == 60
    assert sum(v is not None for v in card.series_values) == 20


def test_components_by_bucket_is_one_group_by(two_touchpoints, django_assert_num_queries):
    phone, web = two_touchpoints
    window = Window.between(D(2026, 3, 1), D(2026, 3, 31))

    with django_assert_num_queries(1):
        rows = components_by_bucket([phone.pk, web.pk], window, WEEK)

    assert {day: c.csat_responses for day, c in rows[phone.pk].items()} == {D(2026, 3, 2): 6, D(2026, 3, 9): 5}


def test_the_series_and_the_segment_breakdown_read_together_match_their_separate_reads(
    two_touchpoints, django_assert_num_queries
):
    phone, web = two_touchpoints
    csat(phone, D(2026, 3, 4), 2, 2, segment="fleet")
    csat(phone, D(2026, 3, 10), 3, 1, segment="retail")
    csat(web, D(2026, 3, 10), 4, 4, segment="fleet")
    window = Window.between(D(2026, 3, 1), D(2026, 3, 31))
    ids = [phone.pk, web.pk]

    with django_assert_num_queries(1):
        by_bucket, by_segment = components_by_bucket_and_segment(ids, window, WEEK)

    assert by_bucket == components_by_bucket(ids, window, WEEK)
    assert by_segment == components_by_segment(ids, window)
    assert by_segment[phone.pk]["fleet"].csat_responses == 2
    assert by_bucket[phone.pk][D(2026, 3, 9)].csat_responses == 5 + 3


# --- Previous period ---------------------------------------------------------------------------------


def test_the_previous_period_scores_the_same_touchpoints_before(journey, two_touchpoints):
    phone, _ = two_touchpoints
    csat(phone, D(2026, 3, 10), 4, 4)   # this week: 4/4
    window = Window.between(D(2026, 3, 10), D(2026, 3, 16))  # previous: 3 to 9 March

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, compare=True))

    phone_card, web_card = card.stages[0].touchpoints
    assert phone_card.score.value == 100.0
    assert phone_card.previous.value == pytest.approx(100 * 6 / 7)   # 1/2 on the 3rd, 5/5 on the 9th
    assert phone_card.delta == pytest.approx(100 - 600 / 7)
    assert web_card.score.value is None and web_card.previous.value == 20.0
    assert web_card.delta is None


# --- Segment and channel -----------------------------------------------------------------------------


def test_the_segment_filter_reads_only_that_segments_rows(journey, stage):
    tp = TouchpointFactory(stage=stage)
    csat(tp, D(2026, 3, 2), 4, 4, segment="fleet")
    csat(tp, D(2026, 3, 2), 4, 0, segment="retail")
    csat(tp, D(2026, 3, 3), 2, 1, segment="")
    window = Window.between(D(2026, 3, 1), D(2026, 3, 7))

    def score(segment):
        query = ScoreQuery(window, ScoreFilter(segment=segment), granularity="day")
        return journey_scorecard(journey_id=journey.pk, query=query)

    assert score(None).score.value == pytest.approx(50.0)   # 5 of 10
    assert score("fleet").score.value == 100.0
    assert score("retail").score.value == 0.0
    assert score("").score.value == 50.0                    # customers without a segment
    assert score("fleet").series_values[:3] == [None, 100.0, None]


def test_the_channel_filter_keeps_only_touchpoints_on_that_channel(journey, two_touchpoints):
    window = Window.between(D(2026, 3, 2), D(2026, 3, 8))

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, ScoreFilter(channel=Channel.WEB)))

    assert [tp.touchpoint.name for tp in card.stages[0].touchpoints] == ["Web"]
    assert card.score.value == 20.0


def test_filters_from_a_query_string_fall_back_on_unknown_values():
    ok, ok_problems = filter_from_params({"segment": "fleet", "channel": "phone"}, segments=["", "fleet"])
    none, _ = filter_from_params({"segment": "-"}, segments=["", "fleet"])
    bad, problems = filter_from_params({"segment": "vip", "channel": "pigeon"}, segments=["fleet"])

    assert ok == ScoreFilter("fleet", "phone") and not ok_problems
    assert none == ScoreFilter("", None)
    assert bad == ScoreFilter() and len(problems) == 2


def test_program_breakdowns_by_segment_and_channel(journey, two_touchpoints):
    phone, _ = two_touchpoints
    csat(phone, D(2026, 3, 4), 2, 2, segment="fleet")
    window = Window.between(D(2026, 3, 2), D(2026, 3, 8))

    (program,) = program_scorecards(query=ScoreQuery(window), breakdowns=True)

    segments = {b.key: b.score.value for b in program.by_segment}
    channels = {b.key: b.score.value for b in program.by_channel}
    # no segment: phone 4/6, web 2/10 -> (66.67 + 3 x 20) / 4; fleet: phone only, 2/2
    assert segments == {"fleet": 100.0, "": pytest.approx((400 / 6 + 60) / 4)}
    assert channels == {"phone": 75.0, "web": 20.0}   # phone 6/8 over the window


# --- Archived touchpoints ----------------------------------------------------------------------------


def test_an_archived_touchpoint_counts_in_windows_that_start_before_its_archive_date(journey, stage):
    active = TouchpointFactory(stage=stage, name="Active")
    archived = TouchpointFactory(stage=stage, name="Retired", is_active=False,
                                 archived_at=timezone.make_aware(dt.datetime(2026, 3, 10, 12)))
    csat(active, D(2026, 3, 5), 2, 2)
    csat(active, D(2026, 3, 12), 2, 2)
    csat(archived, D(2026, 3, 5), 2, 0)

    def journey_score(start, end):
        return journey_scorecard(journey_id=journey.pk,
                                 query=ScoreQuery(Window.between(start, end))).score.value

    assert journey_score(D(2026, 3, 1), D(2026, 3, 15)) == 50.0    # (100 + 0) / 2
    assert journey_score(D(2026, 3, 10), D(2026, 3, 15)) == 100.0  # starts before noon on the 10th
    assert journey_score(D(2026, 3, 11), D(2026, 3, 15)) == 100.0  # not counted: 100 alone
    csat(archived, D(2026, 3, 12), 2, 0)                            # even with data after archiving
    assert journey_score(D(2026, 3, 11), D(2026, 3, 15)) == 100.0
    assert journey_score(D(2026, 3, 1), D(2026, 3, 15)) == 50.0


def test_the_previous_period_keeps_an_archived_touchpoint_the_current_one_drops(journey, stage):
    active = TouchpointFactory(stage=stage, name="Active")
    archived = TouchpointFactory(stage=stage, name="Retired", is_active=False,
                                 archived_at=timezone.make_aware(dt.datetime(2026, 3, 10, 12)))
    csat(active, D(2026, 3, 5), 2, 2)
    csat(active, D(2026, 3, 12), 2, 2)
    csat(archived, D(2026, 3, 5), 2, 0)

    card = journey_scorecard(journey_id=journey.pk,
                             query=ScoreQuery(Window.between(D(2026, 3, 11), D(2026, 3, 20)), compare=True))

    assert [tp.touchpoint.name for tp in card.stages[0].touchpoints] == ["Active"]
    assert card.score.value == 100.0
    assert card.previous.value == 50.0 and card.delta == 50.0


def test_an_inactive_touchpoint_without_an_archive_date_never_counts(journey, stage):
    csat(TouchpointFactory(stage=stage, is_active=False), D(2026, 3, 5), 2, 0)
    csat(TouchpointFactory(stage=stage), D(2026, 3, 5), 2, 2)

    card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(Window.between(D(2026, 3, 1), D(2026, 3, 7))))

    assert card.score.value == 100.0 and card.touchpoint_count == 1


def test_a_touchpoints_own_score_always_counts_it(journey, stage):
    archived = TouchpointFactory(stage=stage, is_active=False,
                                 archived_at=timezone.make_aware(dt.datetime(2026, 3, 1)))
    csat(archived, D(2026, 3, 5), 4, 1)

    card = scope_scorecard(scope="touchpoint", pk=archived.pk,
                           query=ScoreQuery(Window.between(D(2026, 3, 2), D(2026, 3, 8)), compare=True))

    assert card.score.value == 25.0 and card.previous.value is None


# --- From the ledger ---------------------------------------------------------------------------------


def test_series_of_recorded_signals_after_the_rollup(journey, stage):
    tp = TouchpointFactory(stage=stage)
    fleet = CustomerFactory(segment="fleet")
    ids = itertools.count(1)
    now = timezone.localtime()
    with rollups_deferred():
        for days_ago, value in [(0, 10), (0, 9), (0, 3), (1, 10), (1, 0)]:
            signal_record(touchpoint=tp, kind=SignalKind.NPS_ANSWER, source="test", source_id=next(ids),
                          occurred_at=now - dt.timedelta(days=days_ago), value=value, customer=fleet)
        signal_record(touchpoint=tp, kind=SignalKind.NPS_ANSWER, source="test", source_id=next(ids),
                      occurred_at=now, value=0)
    rollup.rollup_new_signals()
    window = Window.last(7)

    all_card = journey_scorecard(journey_id=journey.pk, query=ScoreQuery(window, granularity="day"))
    fleet_card = journey_scorecard(journey_id=journey.pk,
                                   query=ScoreQuery(window, ScoreFilter("fleet"), granularity="day"))

    nps = [point.metrics["nps"].value for point in fleet_card.stages[0].touchpoints[0].series]
    # yesterday: one promoter, one detractor -> 0; today: 2 promoters, 1 detractor of 3 -> 33.3
    assert nps[-2:] == [0.0, pytest.approx(100 / 3)]
    # today without the filter also counts the segment-less detractor: 2 - 2 of 4 -> 0
    assert all_card.stages[0].touchpoints[0].series[-1].metrics["nps"].value == 0.0
