"""The program dashboard: headline figures with their change and sparkline, trend charts, journeys
ranked, worst and most improved touchpoints, filters, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journeys.choices import Channel
from journeys.models import Program, ScoreComponentDaily
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("journeys:dashboard")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def csat(touchpoint, day, responses, satisfied, segment=""):
    return ScoreComponentDaily.objects.create(
        touchpoint=touchpoint, day=day, segment=segment, signals=responses,
        csat_responses=responses, csat_satisfied=satisfied, csat_score_sum=4 * responses)


@pytest.fixture
def program(db):
    """Three touchpoints scored on CSAT over the last 7 days and the 7 before.

    Rising: 2/4 then 4/4 (50 -> 100). Falling: 3/4 then 1/4 (75 -> 25). New: nothing, then 3/4 (75).
    """
    program = ProgramFactory(name="Car ownership", min_sample_size=1)
    journey = JourneyFactory(program=program, name="Buying")
    stage = StageFactory(journey=journey, name="Showroom")
    rising = TouchpointFactory(stage=stage, name="Rising", channel=Channel.PHONE)
    falling = TouchpointFactory(stage=stage, name="Falling", channel=Channel.WEB)
    new = TouchpointFactory(stage=stage, name="New", channel=Channel.WEB)
    csat(rising, days_ago(9), 4, 2)
    csat(rising, days_ago(2), 4, 4)
    csat(falling, days_ago(10), 4, 3)
    csat(falling, days_ago(1), 4, 1, segment="fleet")
    csat(new, days_ago(0), 4, 3)
    return program


def test_it_sends_anonymous_visitors_to_log_in_and_refuses_people_without_a_role(client, program):
    assert client.get(DASHBOARD).status_code == 302
    client.force_login(UserFactory(username="dave"))
    assert client.get(DASHBOARD).status_code == 403


def test_headlines_carry_the_change_against_the_previous_period(manager_client, program):
    response = manager_client.get(DASHBOARD, {"window": 7})

    assert response.status_code == 200
    (card,) = response.context["programs"]
    headlines = {h.key: h for h in card.headlines}
    # score: mean of 100, 25, 75 now; of 50 and 75 before
    assert headlines["score"].value == pytest.approx(200 / 3)
    assert headlines["score"].previous == pytest.approx(62.5)
    assert headlines["score"].delta == pytest.approx(200 / 3 - 62.5)
    # CSAT: 8 of 12 now, 5 of 8 before
    assert headlines["csat"].value == pytest.approx(200 / 3)
    assert headlines["csat"].delta == pytest.approx(200 / 3 - 62.5)
    assert headlines["nps"].value is None and headlines["nps"].delta is None
    # one point per day of the window, the last three days with CSAT
    assert len(headlines["csat"].series) == 7
    assert headlines["csat"].series[-3:] == [100.0, 25.0, 75.0]
    html = response.content.decode()
    assert "+4.2 pts" in html            # CSAT 66.7% against 62.5%
    assert "not enough data" in html     # NPS, CES, SLA, FCR have no answers
    assert html.count('class="sparkline"') >= 6


def test_worst_and_most_improved_touchpoints_are_ordered(manager_client, program):
    response = manager_client.get(DASHBOARD, {"window": 7})

    (card,) = response.context["programs"]
    assert [tp.touchpoint.name for tp in card.worst] == ["Falling", "New", "Rising"]
    # only touchpoints with enough data in both periods that rose
    assert [(tp.touchpoint.name, tp.delta) for tp in card.most_improved] == [("Rising", 50.0)]
    html = response.content.decode()
    improved = html[html.index("Most improved"):]
    assert "Rising" in improved and "Falling" not in improved.split("</ol>")[0]


def test_the_trend_chart_has_a_table_row_per_bucket(manager_client, program):
    response = manager_client.get(DASHBOARD, {"window": 7})

    html = response.content.decode()
    figure = html[html.index('<figure class="chart"'):html.index("</figure>")]
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th><td data-value="([\d.]*)">', figure)
    assert [day for day, _ in rows] == [days_ago(n).isoformat() for n in range(6, -1, -1)]
    assert [value for _, value in rows][-3:] == ["100", "25", "75"]
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html


def test_the_page_has_no_inline_script_or_event_handler(manager_client, program):
    html = manager_client.get(DASHBOARD).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_a_custom_window_is_used_and_kept_in_links(manager_client, program):
    start, end = days_ago(2), days_ago(0)

    response = manager_client.get(DASHBOARD, {"start": start.isoformat(), "end": end.isoformat()})

    window = response.context["window"]
    assert (window.start, window.end, window.custom) == (start, end, True)
    assert response.context["previous_window"].end == days_ago(3)
    assert f"start={start.isoformat()}&amp;end={end.isoformat()}" in response.content.decode()


@pytest.mark.parametrize("params, words", [
    ({"window": "9999"}, "Choose a window"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, "YYYY-MM-DD"),
    ({"start": "2026-03-10", "end": "2026-03-01"}, "on or after"),
    ({"segment": "vip"}, "No customer segment"),
    ({"channel": "pigeon"}, "no channel"),
    ({"granularity": "fortnight"}, "Unknown granularity"),
])
def test_bad_input_falls_back_and_says_so(manager_client, program, params, words):
    response = manager_client.get(DASHBOARD, params)

    assert response.status_code == 200
    assert any(words in str(m) for m in response.context["messages"])
    assert words in response.content.decode()


def test_segment_and_channel_filters_change_every_figure(manager_client, program):
    fleet = manager_client.get(DASHBOARD, {"window": 7, "segment": "fleet"}).context["programs"][0]
    web = manager_client.get(DASHBOARD, {"window": 7, "channel": "web"}).context["programs"][0]

    assert fleet.score.value == 25.0 and fleet.score.sample_size == 4
    assert [tp.touchpoint.name for tp in web.touchpoints] == ["Falling", "New"]
    assert web.score.value == 50.0     # (25 + 75) / 2
    assert {b.key for b in web.by_channel} == {"web"}


def test_breakdowns_by_segment_and_channel(manager_client, program):
    (card,) = manager_client.get(DASHBOARD, {"window": 7}).context["programs"]

    assert {b.label: b.score.value for b in card.by_segment} == {"fleet": 25.0, "No segment": 87.5}
    assert {b.key: b.score.value for b in card.by_channel} == {"phone": 100.0, "web": 50.0}


def test_a_persian_page_renders_right_to_left(manager_client, program):
    response = manager_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="fa")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_programs_without_journeys_show_an_empty_state(manager_client):
    ProgramFactory(name="Empty program")

    html = manager_client.get(DASHBOARD).content.decode()

    assert "Empty program" in html and "has no journeys yet" in html


def _build(programs: int, journeys: int, touchpoints: int, days: int) -> None:
    for p in range(programs):
        program = ProgramFactory(min_sample_size=1)
        for j in range(journeys):
            stage = StageFactory(journey=JourneyFactory(program=program))
            for _ in range(touchpoints):
                tp = TouchpointFactory(stage=stage)
                for d in range(days):
                    csat(tp, days_ago(d * 3), 3, (p + j + d) % 4)


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{"window": 7}, {"window": 90, "segment": "-"}, {"window": 365}])
def test_the_query_count_does_not_grow_with_journeys_touchpoints_or_days(
    manager_client, params, django_assert_max_num_queries
):
    _build(1, 1, 1, 1)
    manager_client.get(DASHBOARD)   # the session and permissions are read once either way
    small = _count(manager_client, params)
    program = Program.objects.get()
    for j in range(3):
        stage = StageFactory(journey=JourneyFactory(program=program))
        for _ in range(4):
            tp = TouchpointFactory(stage=stage)
            for d in range(20):
                csat(tp, days_ago(d * 3), 3, (j + d) % 4)

    with django_assert_max_num_queries(30):
        response = manager_client.get(DASHBOARD, params)

    assert len(response.context["programs"]) == 1
    assert _count(manager_client, params) == small


def test_each_program_adds_the_same_few_queries(manager_client):
    # Scores of every program come from one read; each program's alerts, customers at risk, goals
    # and stored impact add a fixed handful of queries, whatever the program's size.
    _build(1, 1, 1, 1)
    manager_client.get(DASHBOARD)
    one = _count(manager_client, {})
    _build(1, 2, 3, 5)
    two = _count(manager_client, {})
    _build(2, 3, 4, 10)
    four = _count(manager_client, {})

    assert four - two == 2 * (two - one)
    assert two - one <= 10


def test_chart_tags_write_numbers_the_chart_can_read():
    html = Template(
        "{% load charts %}{{ v|chart_num }}|{{ none|chart_num }}|{% sparkline values 'Score' %}|"
        "{% delta up %}{% delta down 0 %}{% delta none %}"
    ).render(Context({"v": 71.256, "none": None, "values": [71, None, 74.5], "up": 3.25, "down": -5.4}))

    assert html.startswith("71.26||")
    assert 'data-values="71,,74.5"' in html and 'aria-label="Score: 71, –, 74.5"' in html
    assert "<bdi>+3.2</bdi>" in html or "<bdi>+3.3</bdi>" in html
    assert "<bdi>−5</bdi>" in html and "not enough data" in html
