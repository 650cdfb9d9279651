"""The rendered email before MIME (OutgoingMail): the same email, the same SendGrid payload."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from alerts.backends.interface import OutgoingMail, mime_text
from alerts.backends.sendgrid import build_payload
from alerts.headers import SUBSCRIPTION_IDS_HEADER
from alerts.mail_links import Links
from alerts.render import MailContext, alerts_mail, confirmation_mail, render_alerts
from alerts.subscriptions import subscribe
from models import Alert, Subscriber
from tests.alerts.conftest import NOW

BASE_URL = "https://fivewatch.example.org"
CONTEXT = MailContext(
    "FiveWatch <alerts@fw.example>", Links(BASE_URL, "test-secret", "u@fw.example"), NOW
)


def mail_for(alerts: list[Alert], digest: str = "") -> OutgoingMail:
    subscriber = alerts[0].subscription.subscriber
    return alerts_mail(alerts, subscriber=subscriber, context=CONTEXT, delivery_id=7, digest=digest)


@pytest.mark.parametrize("digest", ["", "daily"])
def test_sendgrid_payload_is_the_same_with_or_without_mime(
    alerts: list[Alert], digest: str
) -> None:
    mail = mail_for(alerts, digest)
    for dry_run in (False, True):
        direct = build_payload(mail, 7, ["alerts"], dry_run=dry_run)
        assert direct == build_payload(mail.as_message(), 7, ["alerts"], dry_run=dry_run)
    assert direct["custom_args"]["subscription_ids"] == str(alerts[0].subscription_id)
    assert list(direct["headers"]) == ["Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"]


def test_headers_are_looked_up_as_email_message_looks_them_up(alerts: list[Alert]) -> None:
    mail = mail_for(alerts, "daily")
    assert mail[SUBSCRIPTION_IDS_HEADER] == str(alerts[0].subscription_id)
    assert mail["subject"] == mail.subject  # header names are case-insensitive
    assert mail["Cc"] is None


def test_render_alerts_is_the_same_email_as_mime(alerts: list[Alert]) -> None:
    subscriber = alerts[0].subscription.subscriber
    message = render_alerts(alerts, subscriber=subscriber, context=CONTEXT, delivery_id=7)
    mail = mail_for(alerts)
    assert [name for name, _ in message.items()] == [
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        SUBSCRIPTION_IDS_HEADER, "List-Unsubscribe", "List-Unsubscribe-Post",
    ]  # fmt: skip
    assert message["Subject"] == mail.subject
    text = message.get_body(("plain",))
    assert text is not None
    assert text.get_content() == mail.text


def test_footer_and_list_unsubscribe_carry_the_same_link(alerts: list[Alert]) -> None:
    mail = mail_for(alerts)
    https = str(mail["List-Unsubscribe"]).split(", ")[0].strip("<>")
    assert f"Unsubscribe: {https}\n" in mail.text
    assert f'href="{https}"' in str(mail.html)


def test_confirmation_payload_is_the_same_with_or_without_mime(session: Session) -> None:
    subscription = subscribe(session, email="new@example.org", query="CSAM")
    subscriber = session.get_one(Subscriber, subscription.subscriber_id)
    mail = confirmation_mail(subscriber, [subscription], CONTEXT)
    payload = build_payload(mail, 3, [], dry_run=False)
    assert payload == build_payload(mail.as_message(), 3, [], dry_run=False)
    assert "headers" in payload
    assert SUBSCRIPTION_IDS_HEADER not in str(payload)


@pytest.mark.parametrize("subject", ["two\nlines", "carriage\rreturn", "line\u2028separator"])
def test_a_header_with_a_line_break_is_refused_as_email_message_refuses_it(subject: str) -> None:
    with pytest.raises(ValueError, match="line"):
        EmailMessage()["Subject"] = subject
    with pytest.raises(ValueError, match="line breaks"):
        OutgoingMail("a@fw.example", "b@example.org", subject, "d", "<m@fw.example>", "text")


def test_a_body_that_is_not_utf8_encodable_is_a_rendering_error() -> None:
    with pytest.raises(UnicodeEncodeError):
        OutgoingMail("a@fw.example", "b@example.org", "s", "d", "<m@fw.example>", "bad \udc80")


# Text that never looks like an RFC 2047 encoded word: EmailMessage decodes "=?utf-8?q?…?="
# in a subject, OutgoingMail keeps the text as written.
header_text = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029=",
    ),
    max_size=80,
)
body_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["FiveWatch", "Pāremata Aotearoa", '"Doe, J."', ""]),
    subject=header_text,
    text=body_text,
    html=st.none() | body_text,
)
def test_any_text_gives_the_same_payload_and_the_same_bodies(
    name: str, subject: str, text: str, html: str | None
) -> None:
    sender = f"{name} <alerts@fw.example>" if name else "alerts@fw.example"
    mail = OutgoingMail(sender, "r@example.org", subject, "d", "<m@fw.example>", text, html)
    message = mail.as_message()
    assert build_payload(mail, 1, [], dry_run=False) == build_payload(message, 1, [], dry_run=False)
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content() == mail.text == mime_text(text)
