"""Headless Chromium on a bill's text pages: the diff reads on a phone (375 px) without
scrolling sideways, its sections fold and unfold, and the CSP is never violated."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy.orm import Session

from models import Document
from tests.chromium import BROWSER_MARKS
from tests.hr1500_texts import store_hr1500
from tests.web.test_browser import browser, live_url, page  # noqa: F401  (fixtures)

pytestmark = BROWSER_MARKS
PHONE = ViewportSize(width=375, height=812)


@pytest.fixture
def bill(session: Session) -> Document:
    return store_hr1500(session)


def _overflow(page: Page) -> int:  # noqa: F811
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    width: int = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def test_the_diff_fits_a_phone(page: Page, live_url: str, bill: Document) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(f"{live_url}/bills/{bill.id}/diff?from=rh&to=eh")
    expect(page.locator(".diff-sentence")).to_contain_text("10 sections added")
    expect(page.locator(".change-reworded ins").first).to_be_visible()
    unchanged = page.locator(".change-unchanged details").first
    expect(unchanged).not_to_have_attribute("open", "")
    unchanged.locator("summary").click()
    expect(unchanged).to_have_attribute("open", "")
    assert _overflow(page) == 0


def test_a_version_and_the_diff_form_fit_a_phone(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    bill: Document,
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_url}/bills/{bill.id}/text/eh")
    page.locator("details.section").nth(2).locator("summary").click()
    expect(page.locator("details.section").nth(2).locator("figcaption")).to_have_text("Amended law")
    assert _overflow(page) == 0
    page.goto(f"{live_url}/bills/{bill.id}")
    page.select_option("select[name=from]", "ih")
    page.click("form.diff-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("What changed from ih to rfs")
    assert _overflow(page) == 0
