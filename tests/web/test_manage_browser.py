"""Headless Chromium: the sign-up form's time zone is the browser's own (issue #20 item 3)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.chromium import ARTIFACTS, BROWSER_MARKS
from tests.web.test_browser import browser, live_url  # noqa: F401 (fixtures)

pytestmark = BROWSER_MARKS


def test_the_time_zone_field_starts_as_the_browsers_zone(
    browser: Browser,  # noqa: F811
    live_url: str,  # noqa: F811
) -> None:
    context = browser.new_context(timezone_id="Australia/Sydney")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))
    page.goto(f"{live_url}/subscribe")
    field = page.locator("input[name=timezone]")
    expect(field).to_have_value("Australia/Sydney")
    field.fill("Pacific/Auckland")  # still the reader's to change
    expect(field).to_have_value("Pacific/Auckland")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "subscribe_time_zone.png", full_page=True)
    context.close()
    assert errors == []  # no CSP violation, no script error
