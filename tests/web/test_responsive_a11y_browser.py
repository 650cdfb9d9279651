"""Every page in headless Chromium at a phone's 375 px and a desktop's 1280 px (issue #21 item 3):
no sideways page scrolling, no serious or critical axe-core violation, a skip link that is the
first thing Tab reaches, targets of at least 24x24 px, and on search the facets folded under a
toggle beside a readable results column on a phone.

axe-core (tests/web/vendor, see its README) is evaluated through the DevTools protocol, which
the page's CSP (script-src 'self') does not govern, so the pages run under their real CSP; its
target-size rule (WCAG 2.2 SC 2.5.8, off by default) is switched on.
Each page is saved to test-artifacts/pages/{page}-{width}.png for the docs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FloatRect, Page, ViewportSize
from sqlalchemy.orm import Session

from alerts.deliver import queue_confirmation
from alerts.subscriptions import subscribe
from alerts.tokens import Purpose, make_token
from tests.chromium import ARTIFACTS, BROWSER_MARKS
from tests.web.conftest import ADMIN_PASSWORD, NOW, SECRET
from tests.web.test_bill_page_compare import Recorded, recorded  # noqa: F401  (fixture)
from tests.web.test_browser import browser, live_url, page  # noqa: F401  (fixtures)

pytestmark = BROWSER_MARKS
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "pages"
WIDTHS = [375, 1280]
BLOCKING = {"serious", "critical"}
MIN_TARGET = 24  # px, WCAG 2.2 SC 2.5.8 (Target Size, Minimum)
# Controls that must be 24x24 px; links inside running text are exempt (SC 2.5.8 "inline").
TARGETS = (
    "button, input:not([type=hidden]), select, summary, .skip-link, header.site a, "
    ".facets a, .pager a, .way-back a"
)

# Each page's path, from the recorded bills and a real subscriber.
PAGES: dict[str, Callable[[Recorded, Session], str]] = {
    "home": lambda bills, _: "/",
    "search": lambda bills, _: "/search?q=safety&scope=all",
    "search-all": lambda bills, _: "/search?scope=all",  # 31 documents: the pager shows
    "bill": lambda bills, _: f"/bills/{bills.hr1500.id}",
    "compare": lambda bills, _: "/compare?scope=all",
    "subscribe": lambda bills, _: "/subscribe",
    "manage": lambda bills, session: _signed("manage", Purpose.MANAGE, session),
    "confirm": lambda bills, session: _signed("confirm", Purpose.CONFIRM, session),
    "unsubscribe": lambda bills, session: _signed("unsubscribe", Purpose.UNSUBSCRIBE, session),
    "error": lambda bills, _: "/no-such-page",
    "statement": lambda bills, _: f"/statements/{bills.corpus.mentioning.id}",
    "bill-text": lambda bills, _: f"/bills/{bills.hr1500.id}/text/eh",
    "bill-diff": lambda bills, _: f"/bills/{bills.hr1500.id}/diff?from=rh&to=eh",
    "find": lambda bills, _: "/find",
    "admin": lambda bills, _: "/admin",  # with the admin's password (console_errors)
}


def _signed(route: str, purpose: Purpose, session: Session) -> str:
    """A signed link of a real daily subscription just signed up for, its confirmation queued
    (the manage page then shows that email's preview and a row in its delivery record)."""
    subscription = subscribe(
        session, email="reader@example.org", query="pornography", frequency="daily"
    )
    queue_confirmation(session, subscription.subscriber_id, NOW)
    session.commit()
    signs = subscription.id if purpose is Purpose.CONFIRM else subscription.subscriber_id
    return f"/{route}/{make_token(SECRET, purpose, signs)}"


@pytest.fixture
def console_errors(browser: Browser) -> Iterator[tuple[Page, list[str]]]:  # noqa: F811
    """A fresh page and the errors its console reports (a CSP violation, a script error)."""
    context = browser.new_context(
        http_credentials={"username": "admin", "password": ADMIN_PASSWORD}
    )
    errors: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield context.new_page(), errors
    context.close()


def _overflow(page: Page) -> int:  # noqa: F811
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    extra: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return extra


def _axe_violations(page: Page) -> list[dict[str, Any]]:  # noqa: F811
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "axe.run(document, {rules: {'target-size': {enabled: true}}}).then((r) => r.violations)"
    )
    return [v for v in found if v["impact"] in BLOCKING]


def _described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
        for v in violations
    )


def _small_targets(page: Page) -> list[str]:  # noqa: F811
    """Visible controls under 24x24 px; a control inside a <label> is measured by its label,
    which is what a click lands on."""
    small: list[str] = page.evaluate(
        """([selector, least]) => [...document.querySelectorAll(selector)]
        .map((el) => [el, (el.closest("label") || el).getBoundingClientRect()])
        .filter(([el, box]) => box.width > 0 && el.checkVisibility()
            && (box.width < least || box.height < least))
        .map(([el, box]) => `${el.outerHTML.slice(0, 80)} ${box.width}x${box.height}`)""",
        [TARGETS, MIN_TARGET],
    )
    return small


def _skip_link_comes_first(page: Page) -> None:  # noqa: F811
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const el = document.activeElement;
        return [el.className, el.getAttribute("href"), getComputedStyle(el).outlineStyle]; }"""
    )
    assert focused == ["skip-link", "#content", "solid"]  # with a visible focus ring
    assert page.locator("main#content").count() == 1
    shown = page.locator(".skip-link").bounding_box()
    assert shown is not None
    assert shown["y"] >= 0  # off-screen until focused, then in view
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_and_is_accessible(
    console_errors: tuple[Page, list[str]],
    live_url: str,  # noqa: F811
    recorded: Recorded,  # noqa: F811
    session: Session,
    name: str,
    width: int,
) -> None:
    opened, errors = console_errors
    opened.set_viewport_size(ViewportSize(width=width, height=900))
    response = opened.goto(live_url + PAGES[name](recorded, session))
    assert response is not None
    assert response.status == (404 if name == "error" else 200)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    assert _overflow(opened) == 0
    _skip_link_comes_first(opened)
    assert _small_targets(opened) == []
    blocking = _axe_violations(opened)
    assert not blocking, _described(blocking)
    expected = ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    assert errors == (expected if name == "error" else [])


def _results_and_facets(page: Page) -> tuple[FloatRect, FloatRect | None]:  # noqa: F811
    """The results list's box, and the facet column's while it is shown."""
    results = page.locator("ol.results").bounding_box()
    assert results is not None
    facets = page.locator("aside.facets")
    return results, facets.bounding_box() if facets.is_visible() else None


def test_search_facets_fold_under_a_toggle_on_a_phone(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    recorded: Recorded,  # noqa: F811
) -> None:
    page.set_viewport_size(ViewportSize(width=375, height=900))
    page.goto(f"{live_url}/search?q=safety&scope=all")
    results, facets = _results_and_facets(page)
    assert results["width"] >= 300
    assert facets is None
    page.locator("details.facet-panel > summary").click()
    assert page.locator(".facets a").first.is_visible()
    page.set_viewport_size(ViewportSize(width=1280, height=900))
    page.reload()
    results, facets = _results_and_facets(page)
    assert facets is not None  # on a desktop the facets stand open, left of the results
    assert facets["x"] + facets["width"] <= results["x"]
    assert not page.locator("details.facet-panel > summary").is_visible()
