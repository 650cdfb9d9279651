"""Headless Chromium: the sign-up form's time zone is the browser's own, and the manage page
shows the digest times, the delivery record and the next email (issue #20 items 3, 5, 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.chromium import ARTIFACTS, BROWSER_MARKS
from tests.web.test_browser import browser, live_url  # noqa: F401 (fixtures)
from tests.web.test_subscription_pages import confirm_path

pytestmark = BROWSER_MARKS


@pytest.fixture
def sydney_page(
    browser: Browser,  # noqa: F811
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    """A browser in Sydney; any console message (a CSP violation, a script error) fails."""
    context = browser.new_context(timezone_id="Australia/Sydney")
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert messages == []


def test_the_time_zone_field_starts_as_the_browsers_zone(
    sydney_page: Page,
    live_url: str,  # noqa: F811
) -> None:
    sydney_page.goto(f"{live_url}/subscribe")
    field = sydney_page.locator("input[name=timezone]")
    expect(field).to_have_value("Australia/Sydney")
    field.fill("Pacific/Auckland")  # still the reader's to change
    expect(field).to_have_value("Pacific/Auckland")


def test_sign_up_in_sydney_then_manage(
    sydney_page: Page,
    live_url: str,  # noqa: F811
    outbox: Path,
) -> None:
    page = sydney_page
    page.goto(f"{live_url}/subscribe")
    page.fill("input[name=email]", "reader@example.org")
    page.fill("input[name=query]", "pornography")
    page.select_option("select[name=frequency]", "daily")
    page.select_option("select[name=digest_hour]", "18")
    page.click("form.subscribe button[type=submit]")
    page.click("#confirm-subscribe")  # after the preview of the last 90 days
    page.goto(live_url + confirm_path(outbox))
    page.click("#confirm")
    expect(page.locator(".rhythm")).to_have_text("Daily digest at 18:00 Australia/Sydney")
    expect(page.locator("#deliveries tbody tr")).to_have_count(1)  # the confirmation
    expect(page.locator("#deliveries tbody td").nth(1)).to_have_text(
        "Confirm your FiveWatch subscription"
    )
    expect(page.locator("#next-mail")).to_be_visible()
