"""Headless Chromium: the search page's on-topic toggle and sort switch (issue #18 item 3)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.chromium import BROWSER_MARKS
from tests.web.conftest import Corpus
from tests.web.test_browser import browser, live_url, page  # noqa: F401 (fixtures)

pytestmark = BROWSER_MARKS


def test_show_all_reveals_off_topic_documents_and_back(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    corpus: Corpus,
) -> None:
    page.goto(f"{live_url}/search")
    toggle = page.locator("a.scope-toggle")
    expect(page.locator("p.scope")).to_contain_text("on-topic document")
    on_topic = int(page.locator("p.scope").inner_text().split()[1])
    everything = int(toggle.inner_text().split()[-1])
    assert everything > on_topic  # the corpus holds off-topic documents: stored, hidden
    toggle.click()
    expect(page.locator("p.scope")).to_contain_text(f"Showing all {everything} documents")
    page.locator("a.scope-toggle").click()
    expect(page.locator("p.scope")).to_contain_text(f"Showing {on_topic} on-topic")


def test_the_sort_switch_changes_the_order_and_keeps_the_query(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    corpus: Corpus,
) -> None:
    page.goto(f"{live_url}/search?scope=all&q=bill")
    chosen = page.locator("p.sort strong")
    expect(chosen).to_have_text("relevance")
    page.locator("a.sort-switch").click()
    expect(chosen).to_have_text("newest first")
    assert "sort=newest" in page.url
    expect(page.locator("input[name=q]")).to_have_value("bill")
    page.locator("a.sort-switch").click()
    expect(chosen).to_have_text("relevance")
