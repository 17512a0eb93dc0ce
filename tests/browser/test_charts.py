"""Charts in a real browser: figure.chart tables become canvases with the table folded beneath,
sparklines become SVGs, without console errors or serious accessibility problems, left to right
and right to left."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from journeys.models import ScoreComponentDaily
from tests.browser.conftest import log_in
from tests.cxhub.factories import manager_user
from tests.journeys.factories import JourneyFactory, ProgramFactory, StageFactory, TouchpointFactory

PASSWORD = "a long and Unusual passphrase 42"


def _scored_journey():
    journey = JourneyFactory(name="Buying a car", program=ProgramFactory(name="Car ownership", min_sample_size=1))
    for position, name in enumerate(["Discovery", "Purchase", "Delivery"]):
        stage = StageFactory(journey=journey, name=name, position=position)
        tp = TouchpointFactory(stage=stage, name=f"{name} desk")
        for days_ago in range(0, 30, 2):
            ScoreComponentDaily.objects.create(
                touchpoint=tp, day=timezone.localdate() - dt.timedelta(days=days_ago), signals=4,
                csat_responses=4, csat_satisfied=(days_ago + position) % 5, csat_score_sum=14,
                nps_responses=2, nps_promoters=1)
    return journey


def _manager(browser_page):
    user = manager_user(username="dana")
    user.set_password(PASSWORD)
    user.save()
    log_in(browser_page, "dana", PASSWORD)


def test_the_dashboard_draws_its_charts_and_sparklines(browser_page, transactional_db):
    _scored_journey()
    _manager(browser_page)

    browser_page.goto("/journeys/?window=30")
    page = browser_page.page
    page.wait_for_selector("figure.chart canvas")

    assert page.locator("figure.chart canvas").count() == page.locator("figure.chart").count() == 2
    assert page.locator("figure.chart details.chart-table table.chart-data").count() == 2
    # score, NPS and CSAT have points, and so has the journey's row; CES, SLA and FCR have none
    assert page.locator(".sparkline svg").count() == 4
    assert page.locator(".sparkline[role=img][aria-label]").count() == 7
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("dashboard")


def test_the_journey_map_draws_the_emotion_curve_right_to_left_too(browser_page, transactional_db):
    journey = _scored_journey()
    _manager(browser_page)

    browser_page.goto(f"/journeys/{journey.pk}/?window=30")
    browser_page.page.wait_for_selector("figure.chart canvas")
    browser_page.screenshot("journey-map")
    browser_page.page.context.add_cookies(
        [{"name": "django_language", "value": "fa", "url": browser_page.base_url}])
    browser_page.goto(f"/journeys/{journey.pk}/?window=30")
    page = browser_page.page
    page.wait_for_selector("figure.chart canvas")

    assert page.locator("html[dir=rtl]").count() == 1
    assert page.locator(".sparkline svg").count() == 3
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("journey-map-rtl")
