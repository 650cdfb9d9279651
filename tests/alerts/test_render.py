"""The alert email: both parts from the same data, highlighted, escaped, grouped."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.headers import SUBSCRIPTION_IDS_HEADER
from alerts.mail_links import Links, MissingSecretKey
from alerts.match import match_changes
from alerts.render import (
    MailContext,
    highlight_html,
    highlight_text,
    render_alerts,
    render_confirmation,
)
from alerts.subscriptions import follow, subscribe
from alerts.tokens import Purpose, read_token
from crawlers.spiders.ca.legisinfo_forms import bill_from_xml
from crawlers.spiders.ca.legisinfo_record import bill_record
from models import Alert, Subscriber
from models.records import DocumentRecord
from tests.alerts.conftest import NOW, Store
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"

BASE_URL = "https://fivewatch.example.org"
SECRET = "test-secret"
CONTEXT = MailContext("FiveWatch <alerts@fw.example>", Links(BASE_URL, SECRET, "u@fw.example"), NOW)


def render(alerts: list[Alert], digest: str = "", context: MailContext = CONTEXT) -> EmailMessage:
    subscriber = alerts[0].subscription.subscriber
    return render_alerts(
        alerts, subscriber=subscriber, context=context, delivery_id=7, digest=digest
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
        "FiveWatch: UK bill, new — Abolition of <b>Business</b> Rates Bill (+1 more)"
    )
    assert message[SUBSCRIPTION_IDS_HEADER] == str(alerts[0].subscription_id)
    reparsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert reparsed["Subject"] == message["Subject"]


def test_each_item_carries_its_facts_and_links(alerts: list[Alert]) -> None:
    text, html = parts(render(alerts))
    for body in (text, html):
        assert "United Kingdom — Bills (1)" in body
        assert "Canada — Bills (1)" in body
        assert "S-209" in body
        assert "At second reading in the House of Commons" in body
        # The day of the stage shown (the latest event's), not the introduction's.
        assert f"{alerts[1].change.document.stage_on}" in body
        assert alerts[1].change.document.stage_on != alerts[1].change.document.published_on
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


def test_a_digest_subject_counts_per_jurisdiction_and_type(alerts: list[Alert]) -> None:
    message = render(alerts, digest="daily")
    assert message["Subject"] == "FiveWatch daily digest: 2 alerts — 1 UK bill, 1 CA bill"
    text, html = parts(message)
    assert text.startswith("Your daily FiveWatch digest: 2 new alerts")
    assert "Your daily FiveWatch digest" in html


def test_unsubscribe_headers_and_footer_links_are_signed(alerts: list[Alert]) -> None:
    message = render(alerts)
    subscriber_id = alerts[0].subscription.subscriber_id
    https, mailto = message["List-Unsubscribe"].split(", ")
    token = https.removeprefix(f"<{BASE_URL}/unsubscribe/").removesuffix(">")
    assert read_token(SECRET, Purpose.UNSUBSCRIBE, token) == subscriber_id
    assert mailto == "<mailto:u@fw.example?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    manage = text.split("Manage your subscriptions: ")[1].split()[0]
    token = manage.removeprefix(f"{BASE_URL}/manage/")
    assert read_token(SECRET, Purpose.MANAGE, token) == subscriber_id
    assert f'href="{manage}"' in html
    assert f"Unsubscribe: {BASE_URL}/unsubscribe/" in text


def test_without_a_secret_key_no_unsigned_links_are_made(alerts: list[Alert]) -> None:
    context = MailContext("alerts@fw.example", Links(BASE_URL, ""), NOW)
    message = render(alerts, context=context)
    assert message["List-Unsubscribe"] is None
    text, _ = parts(message)
    assert f"Manage your subscriptions: {BASE_URL}\n" in text
    with pytest.raises(MissingSecretKey, match="FIVEWATCH_SECRET_KEY is not set"):
        render_confirmation(alerts[0].subscription.subscriber, [alerts[0].subscription], context)


def test_confirmation_has_one_signed_link_per_subscription(session: Session) -> None:
    first = subscribe(session, email="new@example.org", query="CSAM", name="Abuse material")
    second = subscribe(session, email="new@example.org", query="online safety", frequency="weekly")
    subscriber = session.get_one(Subscriber, first.subscriber_id)
    message = render_confirmation(subscriber, [first, second], CONTEXT)
    assert message["Subject"] == "Confirm your FiveWatch subscriptions"
    text, html = parts(message)
    links = [line.split("Confirm: ")[1] for line in text.splitlines() if "Confirm: " in line]
    tokens = [link.removeprefix(f"{BASE_URL}/confirm/") for link in links]
    assert [read_token(SECRET, Purpose.CONFIRM, t) for t in tokens] == [first.id, second.id]
    assert all(f'href="{link}"' in html for link in links)
    assert "alerts on a search (weekly)" in text
    # The address is unconfirmed: names and queries anyone could type are not mailed to it.
    for free_text in ("Abuse material", "CSAM", "online safety"):
        assert free_text not in text + html + str(message["Subject"])


def test_highlighting_escapes_before_marking() -> None:
    assert highlight_html("a <script>x</script> [[online & safe]]") == (
        'a &lt;script&gt;x&lt;/script&gt; <mark style="background:#fff3a3;">'
        "online &amp; safe</mark>"
    )
    assert highlight_text("the [[Online Safety]] Act") == "the *Online Safety* Act"


def real_c63() -> DocumentRecord:
    """C-63 (44-1) as the LEGISinfo spider reads its real recorded XML."""
    body = (CASSETTES / "ca-legisinfo-bills/bodies/bill_44-1_C-63_xml_civican.xml").read_bytes()
    url = "https://www.parl.ca/legisinfo/en/bill/44-1/C-63/xml"
    bill = bill_from_xml("ca-legisinfo-bills", url, body)
    return bill_record(bill, source="ca-legisinfo-bills", source_url=url, fetched_at=NOW)


def test_a_lapsed_bills_card_says_it_lapsed_and_when(session: Session, store: Store) -> None:
    subscribe(session, email="a@example.org", query="harms", confirmed=True)
    store(real_c63())
    match_changes(session, NOW)
    session.commit()
    alerts = list(session.scalars(select(Alert)))
    text, html = parts(render(alerts))
    for body in (text, html):
        assert "Lapsed — session 44-1 prorogued 2025-01-06" in body
        assert "C-63 (44-1)" in body
        # The card's date is its stage's (second reading debated 2024-09-23), not 2024-02-26.
        assert "2024-09-23" in body
        assert "2024-02-26" not in body


def test_a_new_stage_card_shows_that_stage_and_its_own_date(session: Session, store: Store) -> None:
    record = real_c63()
    document = store(dataclasses.replace(record, events=record.events[:1]))
    follow(session, email="a@example.org", document=document, confirmed=True)
    store(dataclasses.replace(record, events=record.events[:2]))
    match_changes(session, NOW)
    session.commit()
    [alert] = list(session.scalars(select(Alert)))
    second = record.events[1]
    text, _ = parts(render([alert]))
    assert f"Stage: {second.stage} ({second.chamber})" in text
    assert f"Date: {second.occurred_on}" in text
