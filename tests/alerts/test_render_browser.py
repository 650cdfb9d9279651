"""The rendered email in headless Chromium: readable at phone (375px) and desktop (1024px) width.

Each width is checked for a horizontal scroll and saved as a screenshot in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.render import MailContext, render_alerts
from alerts.subscriptions import subscribe
from models import Alert
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.chromium import ARTIFACTS, BROWSER_MARKS, headless_chromium

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as launched:
        yield launched


@pytest.fixture
def digest_html(session: Session, store: Store) -> str:
    """A daily digest of the real UK and Canadian bills, as the HTML part a reader opens."""
    subscribe(session, email="reader@example.org", query="bill OR act", confirmed=True)
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
    context = MailContext("alerts@fw.example", Links("https://fivewatch.example.org", "k"), NOW)
    message = render_alerts(
        alerts, subscriber=alerts[0].subscription.subscriber, context=context, delivery_id=1,
        digest="daily",
    )  # fmt: skip
    html = message.get_body(("html",))
    assert html is not None
    return str(html.get_content())


@pytest.mark.parametrize("width", [375, 1024])
def test_the_email_fits_the_screen_without_horizontal_scroll(
    browser: Browser, digest_html: str, width: int, request: pytest.FixtureRequest
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.set_content(digest_html)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"email-digest-{width}px-{request.node.callspec.id}.png"
    page.screenshot(path=shot, full_page=True)
    page.close()
    assert scroll_width <= width
    assert widest <= width
    assert shot.stat().st_size > 0
