"""Headless Chromium on the bill page and compare (issue #21) at 375 and 1280 px, on the real
recorded bills of tests/web/test_bill_page_compare.py: the page never scrolls sideways (the
compare table scrolls inside its own box), the progress bar and the chart render."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize

from tests.chromium import BROWSER_MARKS
from tests.web.test_bill_page_compare import Recorded, recorded  # noqa: F401  (fixture)
from tests.web.test_browser import browser, live_url, page  # noqa: F401  (fixtures)

pytestmark = BROWSER_MARKS
WIDTHS = [375, 1024, 1280]


def assert_fits(page: Page) -> None:  # noqa: F811
    wide: int = page.evaluate("document.documentElement.scrollWidth")
    viewport: int = page.evaluate("window.innerWidth")
    assert wide <= viewport


def assert_visible_box(page: Page, selector: str) -> None:  # noqa: F811
    locator = page.locator(selector).first
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0


@pytest.mark.parametrize("width", WIDTHS)
def test_bill_page_fits_and_shows_its_progress(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    recorded: Recorded,  # noqa: F811
    width: int,
) -> None:
    page.set_viewport_size(ViewportSize(width=width, height=900))
    for bill in (recorded.hr1500, recorded.c63):
        page.goto(f"{live_url}/bills/{bill.id}")
        assert_visible_box(page, "ol.progress-bar li.reached")
        assert_visible_box(page, "#outcome")
        assert_fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_fits_and_draws_its_chart(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    recorded: Recorded,  # noqa: F811
    width: int,
) -> None:
    page.set_viewport_size(ViewportSize(width=width, height=900))
    page.goto(f"{live_url}/compare?scope=all")
    assert_visible_box(page, "svg.progress-chart")
    assert_visible_box(page, "svg.progress-chart circle")
    assert_visible_box(page, "table.compare")
    assert_fits(page)
