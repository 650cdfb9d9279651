"""Headless Chromium through the pages people click; each test saves a screenshot.

Needs /usr/bin/chromium (the Makefile installs Debian's chromium); skipped without it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from fivewatch.web import create_app
from tests.chromium import ARTIFACTS, BROWSER_MARKS, headless_chromium
from tests.web.conftest import Corpus, web_config
from tests.web.test_subscription_pages import confirm_path

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as launched:
        yield launched


@pytest.fixture
def live_url(db_url: str, outbox: Path, corpus: Corpus) -> Iterator[str]:
    """The app under a real uvicorn on a free loopback port."""
    config = uvicorn.Config(
        create_app(web_config(db_url, outbox)), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context; console errors (a CSP violation, a script error) fail the test."""
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if _is_error(m) else None)
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert errors == []


def _is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"


def test_search_then_open_a_bill_and_see_its_timeline(
    page: Page, live_url: str, corpus: Corpus
) -> None:
    page.goto(f"{live_url}/search")
    page.fill("input[name=q]", "pornograph* AND young")
    page.check("input[name=type][value=bill]")
    page.click("form.search-form button[type=submit]")
    expect(page.locator("p.total strong")).to_have_text("1")
    expect(page.locator("p.snippet mark").first).to_be_visible()
    page.click("li.hit > a")
    expect(page.locator("h1")).to_contain_text("S-209")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(len(corpus.ca.events))
    expect(page.locator("#timeline h3")).to_have_text(["Senate", "House of Commons"])


def test_subscribe_confirm_from_the_email_manage_and_unsubscribe(
    page: Page, live_url: str, outbox: Path, corpus: Corpus
) -> None:
    page.goto(f"{live_url}/subscribe")
    page.fill("input[name=email]", "reader@example.org")
    page.fill("input[name=query]", '"online access" AND (')
    expect(page.locator("#query-check")).to_contain_text("^")  # the live check, at the column
    page.fill("input[name=query]", '"online access" OR pornography')
    expect(page.locator("#query-check")).to_have_text("Query OK")
    page.check("input[name=jurisdiction][value=ca]")
    page.click("form.subscribe button[type=submit]")
    page.click("#confirm-subscribe")  # after the preview of the last 90 days
    expect(page.locator("#check-email")).to_be_visible()

    page.goto(live_url + confirm_path(outbox))
    page.click("#confirm")
    expect(page.locator("h1")).to_have_text("Alerts for reader@example.org")
    expect(page.locator(".subscription .status")).to_have_text("active")
    page.click("button[value=pause]")
    expect(page.locator(".subscription .status")).to_have_text("paused")

    page.click("#unsubscribe-link")
    page.click("#unsubscribe")
    expect(page.locator("#unsubscribed")).to_contain_text("reader@example.org")
