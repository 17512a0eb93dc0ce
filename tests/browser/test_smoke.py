"""The login page in a real browser: it renders, passes axe, and logs a person in."""

from __future__ import annotations

from tests.browser.conftest import log_in
from tests.cxhub.factories import manager_user


def test_a_person_logs_in_and_lands_on_their_start_page(browser_page, transactional_db):
    dana = manager_user(username="dana")
    dana.set_password("a long and Unusual passphrase 42")
    dana.save()

    browser_page.goto("/accounts/login/")
    assert browser_page.accessibility_violations() == []
    browser_page.screenshot("login")
    log_in(browser_page, "dana", "a long and Unusual passphrase 42")

    assert browser_page.page.url.endswith("/journeys/")
