"""Headless Chromium at 1280 px through the pages docs/user-guide.md shows, checking each shows
what the guide says, and saving the guide's screenshots (issue #21 item 6).

The PNGs go to docs/images/ only with FIVEWATCH_WRITE_DOC_SCREENSHOTS=1 (`make
docs-screenshots`); otherwise to test-artifacts/, so a normal test run never changes the repo.
The data is the web tests' recorded corpus (tests/web/conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from models.taxonomy import topic_labels
from tests.chromium import ARTIFACTS, BROWSER_MARKS
from tests.conftest import ROOT
from tests.web.conftest import Corpus
from tests.web.test_browser import browser, live_url  # noqa: F401 (fixtures)
from tests.web.test_subscription_pages import confirm_path

DOC_IMAGES = ROOT / "docs" / "images"
VIEWPORT = ViewportSize(width=1280, height=860)
READER = "policy.officer@example.org"
AGE_ASSURANCE = topic_labels()["age-assurance"]

# One database is enough for pictures; the same pages run on PostgreSQL in the other tests.
pytestmark = [*BROWSER_MARKS, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def _shots_folder() -> Path:
    if os.environ.get("FIVEWATCH_WRITE_DOC_SCREENSHOTS") == "1":
        return DOC_IMAGES
    return ARTIFACTS / "user-guide"


def _shoot(page: Page, name: str, scroll_to: str | None = None) -> None:
    """One viewport-sized PNG (small enough to commit), from the top or from `scroll_to`."""
    if scroll_to:
        page.locator(scroll_to).scroll_into_view_if_needed()
    folder = _shots_folder()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png")


@pytest.fixture
def guide_page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """A 1280 px browser in London; a console error (a CSP violation, a script error) fails."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id="Europe/London")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if _is_error(m) else None)
    yield page
    context.close()
    assert errors == []


def _is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"


def test_search_with_a_topic_and_alert_me(guide_page: Page, live_url: str, corpus: Corpus) -> None:  # noqa: F811
    page = guide_page
    page.goto(f"{live_url}/search")
    page.fill("input[name=q]", "topic:age-assurance")
    page.click("form.search-form button[type=submit]")
    expect(page.locator("p.scope")).to_contain_text("on-topic document")
    expect(page.locator("p.sort")).to_contain_text("Sorted by")
    expect(page.locator("li.hit").first).to_contain_text("S-209")
    expect(page.locator("a#alert-me")).to_have_text("Alert me on this search")
    _shoot(page, "search")

    page.fill("input[name=q]", "grooming or sextortion")  # the live check warns
    expect(page.locator("#query-check")).to_contain_text("'or' is searched as a word")
    expect(page.locator("#query-check button.use-suggestion")).to_have_text(
        "Use: grooming OR sextortion"
    )
    _shoot(page, "query-warning")


def test_subscribe_with_the_topic_picker_and_the_preview(
    guide_page: Page,
    live_url: str,  # noqa: F811
) -> None:
    page = guide_page
    page.goto(f"{live_url}/search?q=pornography&topic=age-assurance")
    page.click("a#alert-me")
    expect(page.locator("h1")).to_have_text("Get alerts by email")
    picker = page.locator("fieldset.topics")
    expect(picker.locator("legend")).to_have_text("Topics (none = any document the query matches)")
    expect(picker).to_contain_text("Any online child protection topic")
    expect(page.get_by_label(AGE_ASSURANCE)).to_be_checked()
    expect(page.locator("fieldset.digest-times legend")).to_have_text("Daily and weekly digests")
    page.fill("input[name=email]", READER)
    page.select_option("select[name=frequency]", "weekly")
    _shoot(page, "subscribe")

    page.click("button#preview-button")
    expect(page.locator("#preview h2")).to_contain_text("in the last 90 days")
    expect(page.locator("button#confirm-subscribe")).to_have_text("Confirm and subscribe")
    _shoot(page, "subscribe-preview", scroll_to="#preview")


def test_follow_a_bill(guide_page: Page, live_url: str, corpus: Corpus) -> None:  # noqa: F811
    page = guide_page
    page.goto(f"{live_url}/bills/{corpus.ca.id}")
    expect(page.locator("h1")).to_contain_text("S-209")
    expect(page.locator("#follow h2")).to_have_text("Follow this bill")
    expect(page.locator("#follow button[type=submit]")).to_have_text("Follow")
    _shoot(page, "bill-follow", scroll_to="#follow")


def test_manage_digests_and_the_delivery_record(
    guide_page: Page,
    live_url: str,  # noqa: F811
    outbox: Path,
) -> None:
    page = guide_page
    page.goto(f"{live_url}/subscribe?topic=age-assurance")
    page.fill("input[name=email]", READER)
    page.fill("input[name=name]", "Age assurance, all five")
    page.select_option("select[name=frequency]", "daily")
    page.select_option("select[name=digest_hour]", "8")
    page.click("button#preview-button")
    page.click("button#confirm-subscribe")
    page.goto(live_url + confirm_path(outbox))
    page.click("#confirm")
    expect(page.locator("h1")).to_have_text(f"Alerts for {READER}")
    expect(page.locator(".rhythm")).to_have_text("Daily digest at 08:00 Europe/London")
    expect(page.get_by_label(AGE_ASSURANCE)).to_be_checked()
    expect(page.locator("#digest-times h2")).to_have_text("When digests arrive")
    expect(page.locator("#next-mail h2")).to_have_text("Next to be sent")
    expect(page.locator("#deliveries h2")).to_have_text("Sent to you")
    expect(page.locator("#deliveries tbody td").nth(1)).to_have_text(
        "Confirm your FiveWatch subscription"
    )
    _shoot(page, "manage", scroll_to="#deliveries")
