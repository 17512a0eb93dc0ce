"""A CX manager's morning in a real browser: the dashboard, the journey map, a touchpoint's figures."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from journeys.alerts import alerts_evaluate
from journeys.analysis import analysis_refresh
from journeys.choices import SignalKind
from journeys.health import health_recompute
from journeys.rollup import rollup_new_signals
from journeys.services import signal_record
from tests.browser.conftest import log_in
from tests.cxhub.factories import manager_user
from tests.journeys.factories import (
    CustomerFactory,
    JourneyFactory,
    ProgramFactory,
    StageFactory,
    TouchpointFactory,
)

PASSWORD = "a long and Unusual passphrase 42"


def a_program_with_answers():
    program = ProgramFactory(name="Car ownership", min_sample_size=2)
    journey = JourneyFactory(program=program, name="Buying a car")
    showroom = StageFactory(journey=journey, name="Showroom", position=0)
    delivery = StageFactory(journey=journey, name="Delivery", position=1)
    test_drive = TouchpointFactory(stage=showroom, name="Test drive", target_score=70)
    hand_over = TouchpointFactory(stage=delivery, name="Hand-over", target_score=90)
    now = timezone.now()
    for n in range(8):
        customer = CustomerFactory(name=f"Πελάτης {n}", segment="retail" if n % 2 else "fleet")
        for touchpoint, value in ((test_drive, 9 if n % 3 else 7), (hand_over, 3 + n % 4)):
            signal_record(touchpoint=touchpoint, kind=SignalKind.NPS_ANSWER, value=value,
                          source="browser", source_id=f"{touchpoint.pk}-{n}", customer=customer,
                          occurred_at=now - dt.timedelta(days=n * 3 + 1))
    rollup_new_signals()
    analysis_refresh()
    health_recompute()
    alerts_evaluate(notify=False)
    manager = manager_user(username="alice", first_name="Alice")
    manager.set_password(PASSWORD)
    manager.save()
    return journey, hand_over


def test_a_manager_reads_the_dashboard_the_journey_map_and_a_touchpoint(browser_page, transactional_db):
    journey, hand_over = a_program_with_answers()
    page = browser_page.page

    log_in(browser_page, "alice", PASSWORD)
    assert page.url.endswith("/journeys/")
    assert page.get_by_role("heading", name="Car ownership").is_visible()
    assert page.locator(".chart canvas").count() >= 1  # charts drawn from their tables
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("manager-dashboard")

    page.get_by_role("link", name="Buying a car").first.click()
    page.wait_for_url(re.compile(rf"/journeys/{journey.pk}/"))
    assert page.get_by_text("Hand-over").first.is_visible()
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("manager-journey-map")

    page.get_by_role("link", name="Hand-over").first.click()
    page.wait_for_url(re.compile(rf"/journeys/touchpoints/{hand_over.pk}/"))
    page.get_by_text("How is this computed?").first.click()  # the score shows its math
    assert page.locator("details[open]").count() >= 1
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("manager-touchpoint")


def test_the_pages_work_on_a_phone(browser_page, transactional_db):
    a_program_with_answers()
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(browser_page, "alice", PASSWORD)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the dashboard is {overflow}px wider than a phone"
    browser_page.screenshot("manager-dashboard-phone")
