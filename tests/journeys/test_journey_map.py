"""The journey map: stages as columns, touchpoint cards against their target with sample, change and
sparkline, the emotion curve, filters, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journeys.choices import Channel
from journeys.models import ScoreComponentDaily
from tests.cxhub.factories import UserFactory
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def csat(touchpoint, day, responses, satisfied, segment=""):
    return ScoreComponentDaily.objects.create(
        touchpoint=touchpoint, day=day, segment=segment, signals=responses,
        csat_responses=responses, csat_satisfied=satisfied, csat_score_sum=4 * responses)


@pytest.fixture
def journey(db):
    """Discovery (one touchpoint at 80 now, 60 the week before) and Purchase (two touchpoints: 50
    and nothing now; 100 and 40 before), scored on CSAT; Delivery has no touchpoints."""
    journey = JourneyFactory(name="Buying a car", program=ProgramFactory(min_sample_size=1))
    discovery = StageFactory(journey=journey, name="Discovery", position=1)
    purchase = StageFactory(journey=journey, name="Purchase", position=2)
    StageFactory(journey=journey, name="Delivery", position=3)
    ads = TouchpointFactory(stage=discovery, name="Adverts", channel=Channel.WEB, target_score=Decimal(75))
    showroom = TouchpointFactory(stage=purchase, name="Showroom", position=1, target_score=Decimal(75))
    phone = TouchpointFactory(stage=purchase, name="Sales call", position=2, channel=Channel.PHONE)
    csat(ads, days_ago(1), 5, 4)
    csat(ads, days_ago(8), 5, 3)
    csat(showroom, days_ago(2), 4, 2)
    csat(showroom, days_ago(9), 2, 2)
    csat(phone, days_ago(10), 5, 2)
    return journey


def url(journey):
    return reverse("journeys:detail", args=[journey.pk])


def test_anonymous_visitors_log_in_and_people_without_a_role_are_refused(client, journey):
    assert client.get(url(journey)).status_code == 302
    client.force_login(UserFactory(username="dave"))
    assert client.get(url(journey)).status_code == 403


def test_unknown_journeys_are_404(manager_client):
    assert manager_client.get(reverse("journeys:detail", args=[999])).status_code == 404


def test_cards_carry_score_target_sample_and_change(agent_client, journey):
    response = agent_client.get(url(journey), {"window": 7})

    card = response.context["card"]
    assert [s.stage.name for s in card.stages] == ["Discovery", "Purchase", "Delivery"]
    ads = card.stages[0].touchpoints[0]
    assert (ads.score.value, ads.previous.value, ads.delta, ads.meets_target) == (80.0, 60.0, 20.0, True)
    showroom, phone = card.stages[1].touchpoints
    assert (showroom.score.value, showroom.delta, showroom.meets_target) == (50.0, -50.0, False)
    assert phone.score.value is None and phone.delta is None
    html = response.content.decode()
    assert "tone-good" in html and "tone-bad" in html and "tone-none" in html
    assert "<bdi>+20.0</bdi>" in html and "<bdi>−50.0</bdi>" in html
    assert "n=5" in html and "No touchpoints in this stage yet." in html
    assert html.count('class="sparkline"') == 3


def test_the_emotion_curve_follows_the_stages_in_order(agent_client, journey):
    response = agent_client.get(url(journey), {"window": 7})

    html = response.content.decode()
    curve = html[html.index("Emotion curve"):]
    curve = curve[:curve.index("</figure>")]
    rows = re.findall(r'<th scope="row">\d+\. (\w+)</th>\s*<td data-value="([\d.]*)">.*?</td>\s*'
                      r'<td data-value="([\d.]*)">', curve)
    # Purchase before: (100 + 40) / 2 = 70; Delivery has no data either time
    assert rows == [("Discovery", "80", "60"), ("Purchase", "50", "70"), ("Delivery", "", "")]


def test_each_card_links_to_its_touchpoint_keeping_the_window_and_filters(agent_client, journey):
    start, end = days_ago(6), days_ago(0)
    response = agent_client.get(url(journey), {"start": start.isoformat(), "end": end.isoformat(),
                                               "channel": "web"})

    html = response.content.decode()
    ads = journey.stages.get(name="Discovery").touchpoints.get()
    link = reverse("journeys:touchpoint", args=[ads.pk])
    assert f'href="{link}?start={start.isoformat()}&amp;end={end.isoformat()}&amp;channel=web"' in html


def test_the_channel_filter_keeps_only_that_channels_touchpoints(agent_client, journey):
    card = agent_client.get(url(journey), {"window": 7, "channel": "phone"}).context["card"]

    assert [tp.touchpoint.name for tp in card.touchpoints] == ["Sales call"]
    assert card.score.value is None and card.previous.value == 40.0


def test_the_segment_filter_reads_only_that_segment(agent_client, journey):
    ads = journey.stages.get(name="Discovery").touchpoints.get()
    csat(ads, days_ago(0), 2, 0, segment="fleet")

    everyone = agent_client.get(url(journey), {"window": 7}).context["card"]
    fleet = agent_client.get(url(journey), {"window": 7, "segment": "fleet"}).context["card"]

    assert everyone.stages[0].score.value == pytest.approx(400 / 7)   # 4 of 7
    assert fleet.stages[0].score.value == 0.0


def test_an_archived_touchpoint_shows_in_windows_from_before_its_archiving(agent_client, journey):
    showroom = TouchpointFactory(stage=journey.stages.get(name="Purchase"), name="Old showroom",
                                 is_active=False, archived_at=timezone.now() - dt.timedelta(days=3))
    csat(showroom, days_ago(5), 4, 0)

    week = agent_client.get(url(journey), {"window": 7})
    today = agent_client.get(url(journey), {"start": days_ago(1).isoformat(), "end": days_ago(0).isoformat()})

    assert "Old showroom" in week.content.decode() and "archived" in week.content.decode()
    assert week.context["card"].stages[1].score.value == 25.0   # (50 + 0) / 2
    assert "Old showroom" not in today.content.decode()


def test_the_page_shows_the_journey_score_math_and_loads_the_charts(agent_client, journey):
    html = agent_client.get(url(journey)).content.decode()

    assert "How is this computed?" in html
    assert 'data-chart="line"' in html and "js/charts.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


@pytest.mark.parametrize("params", [{"window": "abc"}, {"start": "2026-13-01", "end": "x"},
                                    {"segment": "nobody"}, {"channel": "fax"}])
def test_bad_filters_fall_back_with_a_message(agent_client, journey, params):
    response = agent_client.get(url(journey), params)

    assert response.status_code == 200
    assert list(response.context["messages"])


def _count(client, journey, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(journey), params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{"window": 30}, {"window": 365, "granularity": "day"}])
def test_the_query_count_does_not_grow_with_stages_touchpoints_or_days(agent_client, journey, params):
    agent_client.get(url(journey))
    small = _count(agent_client, journey, params)
    for i in range(6):
        stage = StageFactory(journey=journey, name=f"More {i}", position=10 + i)
        for _ in range(4):
            tp = TouchpointFactory(stage=stage)
            for d in range(0, 300, 7):
                csat(tp, days_ago(d), 2, 1)

    assert _count(agent_client, journey, params) == small <= 12
