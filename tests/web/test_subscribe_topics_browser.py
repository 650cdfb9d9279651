"""Headless Chromium: "Alert me on this search" opens the sign-up form filled in, the preview
comes before confirming, and a query's warning puts its suggestion into the field in one click
(issue #18 items 1, 4, 5)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subscription
from tests.chromium import BROWSER_MARKS
from tests.web.conftest import Corpus
from tests.web.test_browser import browser, live_url, page  # noqa: F401 (fixtures)

pytestmark = BROWSER_MARKS


def test_alert_me_on_this_search_opens_the_form_filled_in(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    corpus: Corpus,
) -> None:
    page.goto(f"{live_url}/search?scope=all")
    page.fill("input[name=q]", "pornography")
    page.check("input[name=jurisdiction][value=ca]")
    page.select_option("select[name=topic]", "age-assurance")
    page.click("form.search-form button[type=submit]")
    page.click("a#alert-me")
    assert page.url.startswith(f"{live_url}/subscribe?")
    expect(page.locator("input[name=query]")).to_have_value("pornography")
    expect(page.locator("input[name=jurisdiction][value=ca]")).to_be_checked()
    expect(page.locator("input[name=jurisdiction][value=uk]")).not_to_be_checked()
    expect(page.get_by_label("Age verification and age assurance")).to_be_checked()  # a label
    expect(page.locator("input[name=topic]:checked")).to_have_count(1)


def test_the_preview_comes_before_confirming(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    session: Session,
) -> None:
    page.goto(f"{live_url}/subscribe")
    page.fill("input[name=email]", "reader@example.org")
    page.fill("input[name=query]", "pornography")
    expect(page.locator("button#confirm-subscribe")).to_have_count(0)
    page.click("button#preview-button")
    expect(page.locator("#preview h2")).to_contain_text("in the last 90 days")
    expect(page.locator("input[name=query]")).to_have_value("pornography")
    assert session.scalars(select(Subscription)).all() == []  # nothing stored by a preview
    page.click("button#confirm-subscribe")
    expect(page.locator("h1")).to_contain_text("Check your email")
    session.expire_all()
    assert session.scalars(select(Subscription.query)).all() == ["pornography"]


def test_a_lower_case_or_is_warned_and_one_click_fixes_the_field(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
) -> None:
    page.goto(f"{live_url}/subscribe")
    page.fill("input[name=query]", "grooming or sextortion")  # fires the live check
    suggestion = page.locator("#query-check button.use-suggestion")
    expect(suggestion).to_have_text("Use: grooming OR sextortion")
    expect(page.locator("#query-check")).to_contain_text("'or' is searched as a word")
    suggestion.click()
    expect(page.locator("input[name=query]")).to_have_value("grooming OR sextortion")
    expect(page.locator("#query-check")).to_have_text("Query OK")


def test_the_previews_warning_fixes_the_field_before_confirming(
    page: Page,  # noqa: F811
    live_url: str,  # noqa: F811
    session: Session,
) -> None:
    page.goto(f"{live_url}/subscribe")
    page.fill("input[name=email]", "reader@example.org")
    page.fill("input[name=query]", "grooming or sextortion")
    page.click("button#preview-button")
    server_warning = page.locator(".query-warnings button.use-suggestion")
    expect(server_warning).to_have_text("Use: grooming OR sextortion")
    server_warning.click()
    expect(page.locator(".query-warnings")).to_have_count(0)
    expect(page.locator("input[name=query]")).to_have_value("grooming OR sextortion")
    page.click("button#confirm-subscribe")
    expect(page.locator("#check-email")).to_be_visible()
    assert session.scalars(select(Subscription.query)).all() == ["grooming OR sextortion"]
