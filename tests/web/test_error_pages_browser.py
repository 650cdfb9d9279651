"""Headless Chromium on the API docs and the error pages, with no CSP or script error.

/docs is opened with every request off the app's host refused: Swagger UI still renders the
API from the app's own files. An error page offers the previous page once there is one."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.chromium import BROWSER_MARKS
from tests.web.conftest import Corpus
from tests.web.test_browser import browser, live_url, page  # noqa: F401  (fixtures)

pytestmark = BROWSER_MARKS


def test_the_api_docs_render_offline(page: Page, live_url: str, corpus: Corpus) -> None:  # noqa: F811
    app_host = urlsplit(live_url).netloc
    refused: list[str] = []

    def only_the_app(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == app_host or url.startswith("data:"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{live_url}/")
    page.click("header nav >> text=API")
    expect(page).to_have_url(f"{live_url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("FiveWatch")
    operation = page.locator(".opblock-get", has_text="/api/documents/{document_id}").first
    operation.locator(".opblock-summary").click()
    expect(operation.locator(".parameters")).to_contain_text("document_id")
    assert refused == []


@pytest.fixture
def error_page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """A fresh page whose console errors fail the test, but for the error status itself."""
    context = browser.new_context()
    errors: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield context.new_page()
    context.close()
    assert [error for error in errors if "status of 404" not in error] == []


def test_an_error_page_leads_back_to_the_previous_page(error_page: Page, live_url: str) -> None:  # noqa: F811
    error_page.goto(f"{live_url}/find")
    with error_page.expect_popup() as opened:  # a new tab: nothing to go back to
        error_page.evaluate("window.open('/no-such-page')")
    expect(opened.value.locator("h1")).to_contain_text("Not Found")
    expect(opened.value.locator("a[data-back]")).to_be_hidden()
    error_page.goto(f"{live_url}/no-such-page")
    previous = error_page.locator("a[data-back]")
    expect(previous).to_be_visible()
    previous.click()
    expect(error_page).to_have_url(f"{live_url}/find")
