"""Browser tests: a real headless Chromium, driven by Playwright, against the live test server.

Every page a test opens is watched for console errors and uncaught exceptions (the test fails on any),
can be checked with axe-core for accessibility, and is saved as a screenshot under build/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import chromium_path

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def chromium() -> Iterator[object]:
    """One browser for the browser tests, closed when they are done.

    Django's ORM refuses to run while Playwright's sync API keeps its event loop in this thread; the
    tests call it between browser steps, never concurrently with them, so the check is off for as
    long as the browser runs (and only then: it must never leak into other tests or subprocesses).
    """
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def _launch(sync_playwright) -> Iterator[object]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


class Watched:
    """A page with the problems it reported so far."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request) -> None:
        # A request the browser itself abandoned (the page moved on before, say, the favicon arrived) is
        # not a failure of the app; anything else (refused, reset, timed out) is.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.problems.append(f"console: {message.text} {where}".strip())

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        return response

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def accessibility_violations(self) -> list[str]:
        """Serious and critical axe-core violations of WCAG 2 A/AA on the current page."""
        found = self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']});
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3)
                        .map(n => n.target.join(' ')).join(', ')}`);
            }"""
        )
        return list(found)


@pytest.fixture
def browser_page(chromium, live_server, request) -> Iterator[Watched]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    # axe is added by the browser itself before any page script, so the page's CSP does not apply.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    watched = Watched(page, live_server.url)
    yield watched
    context.close()
    assert watched.problems == [], "\n".join(watched.problems)


def log_in(page: Watched, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.page.get_by_label("Username").fill(username)
    page.page.get_by_label("Password").fill(password)
    page.page.get_by_role("button", name="Log in").click()
    page.page.wait_for_load_state()
