"""The alert email: both parts from the same data, highlighted, escaped, grouped."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.headers import SUBSCRIPTION_IDS_HEADER
from alerts.match import match_changes
from alerts.render import highlight_html, highlight_text, render_alerts
from alerts.subscriptions import subscribe
from models import Alert
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818

BASE_URL = "https://fivewatch.example.org"


@pytest.fixture
def alerts(session: Session, store: Store) -> list[Alert]:
    subscribe(session, email="a@example.org", query="bill OR act", confirmed=True)
    # The real UK record with markup in its title, as a hostile source could send it.
    store(dataclasses.replace(uk_bill_2818(), title="Abolition of <b>Business</b> Rates Bill"))
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    return list(session.scalars(select(Alert).order_by(Alert.id)))


def render(alerts: list[Alert], **extra: str) -> EmailMessage:
    return render_alerts(
        alerts,
        to="a@example.org",
        mail_from="FiveWatch <alerts@fw.example>",
        base_url=BASE_URL,
        now=NOW,
        delivery_id=7,
        extra_headers=extra,
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_email_has_headers_and_both_parts(alerts: list[Alert]) -> None:
    message = render(alerts)
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "a@example.org"
    assert message["Date"] == "Sun, 29 Nov 2026 06:00:00 +0000"
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@fw.example>")
    assert message["Subject"] == (
        "FiveWatch: 2 new alerts — UK Abolition of <b>Business</b> Rates Bill …"
    )
    assert message[SUBSCRIPTION_IDS_HEADER] == str(alerts[0].subscription_id)
    reparsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert reparsed["Subject"] == message["Subject"]


def test_each_item_carries_its_facts_and_links(alerts: list[Alert]) -> None:
    text, html = parts(render(alerts))
    for body in (text, html):
        assert "United Kingdom" in body
        assert "Canada" in body
        assert "S-209" in body
        assert "At second reading in the House of Commons" in body
        assert "2025-05-28" in body
        assert "https://www.parl.ca/legisinfo/en/bill/45-1/s-209" in body
        assert f"{BASE_URL}/documents/{alerts[1].change.document_id}" in body
        assert "new bill; matched act in title" in body
    assert text.index("United Kingdom") < text.index("Canada")


def test_snippet_is_highlighted_and_html_is_escaped(alerts: list[Alert]) -> None:
    text, html = parts(render(alerts))
    assert "*Bill*" in text
    assert '<mark style="background:#fff3a3;">Bill</mark>' in html
    assert "<b>Business</b>" not in html
    assert "Abolition of &lt;b&gt;Business&lt;/b&gt; Rates" in html
    assert "max-width:600px" in html
    assert "<table" not in html


def test_extra_headers_are_added(alerts: list[Alert]) -> None:
    message = render(alerts, **{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_highlighting_escapes_before_marking() -> None:
    assert highlight_html("a <script>x</script> [[online & safe]]") == (
        'a &lt;script&gt;x&lt;/script&gt; <mark style="background:#fff3a3;">'
        "online &amp; safe</mark>"
    )
    assert highlight_text("the [[Online Safety]] Act") == "the *Online Safety* Act"
