import re
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import trustme
from aiosmtpd.smtp import Envelope

from alerts.backends.interface import PermanentFailure, TemporaryFailure, UncertainDelivery
from alerts.backends.smtp import SmtpBackend, SmtpTarget
from alerts.headers import SUBSCRIPTION_IDS_HEADER, unsubscribe_headers
from tests.alerts.mailservers import (
    FRENCH_STATUS,
    FRENCH_SUMMARY,
    FRENCH_TITLE,
    LOOPBACK,
    MAORI_NAME,
    SmtpScript,
    build_alert_message,
    free_port,
    start_smtp_server,
)

PASSWORD = "s3cret-pa55word"
UNSUBSCRIBE = unsubscribe_headers("https://fivewatch.example.org", "tok.en", "leave@example.org")


@pytest.fixture
def script() -> SmtpScript:
    return SmtpScript()


@pytest.fixture
def plain_server(script: SmtpScript) -> Iterator[str]:
    server = start_smtp_server(script)
    yield server.url()
    server.controller.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(LOOPBACK).configure_cert(context)
    return context


@pytest.fixture
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def only_message(script: SmtpScript) -> tuple[Envelope, EmailMessage]:
    assert len(script.received) == 1
    return script.received[0]


def body_text(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part arrived"
    return str(part.get_content())


def test_both_parts_arrive_with_french_and_maori_text_intact(plain_server, script):
    SmtpBackend(plain_server, timeout=5).send(build_alert_message(), delivery_id=1)
    _, received = only_message(script)
    plain, html = body_text(received, "plain"), body_text(received, "html")
    assert plain.splitlines() == [FRENCH_TITLE, FRENCH_STATUS, FRENCH_SUMMARY, MAORI_NAME]
    assert f"<b>{FRENCH_TITLE}</b>" in html
    assert MAORI_NAME in html
    assert received["Subject"] == f"C-22 — {FRENCH_TITLE} · {MAORI_NAME}"


def test_envelope_and_headers_are_kept(plain_server, script):
    message = build_alert_message(extra_headers=UNSUBSCRIBE)
    SmtpBackend(plain_server, timeout=5).send(message, delivery_id=1)
    envelope, received = only_message(script)
    assert envelope.mail_from == "alerts@fivewatch.example.org"
    assert envelope.rcpt_tos == ["reader@example.org"]
    assert received["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["From"] == "FiveWatch <alerts@fivewatch.example.org>"


def test_message_id_is_set_when_missing_and_returned(plain_server, script):
    message = build_alert_message()
    result = SmtpBackend(plain_server, timeout=5).send(message, delivery_id=1)
    _, received = only_message(script)
    assert result.provider == "smtp"
    assert result.provider_message_id == received["Message-ID"]
    assert result.provider_message_id.endswith("@fivewatch.example.org>")


def test_existing_message_id_is_kept(plain_server, script):
    message = build_alert_message(
        extra_headers={"Message-ID": "<delivery-77@fivewatch.example.org>"}
    )
    result = SmtpBackend(plain_server, timeout=5).send(message, delivery_id=77)
    assert result.provider_message_id == "<delivery-77@fivewatch.example.org>"
    assert only_message(script)[1]["Message-ID"] == "<delivery-77@fivewatch.example.org>"


def test_internal_and_bcc_headers_are_not_sent(plain_server, script):
    message = build_alert_message(
        extra_headers={SUBSCRIPTION_IDS_HEADER: "4,9", "Bcc": "audit@example.org"}
    )
    SmtpBackend(plain_server, timeout=5).send(message, delivery_id=1)
    envelope, received = only_message(script)
    assert received[SUBSCRIPTION_IDS_HEADER] is None
    assert received["Bcc"] is None
    assert envelope.rcpt_tos == ["reader@example.org", "audit@example.org"]
    assert message[SUBSCRIPTION_IDS_HEADER] == "4,9"  # the caller's message is left alone


def test_recipient_refused_with_5xx_is_permanent(plain_server, script):
    script.rcpt_replies["reader@example.org"] = "550 5.1.1 No such user here"
    with pytest.raises(
        PermanentFailure, match=re.escape("550 RCPT TO <reader@example.org>: 5.1.1 No such user")
    ):
        SmtpBackend(plain_server, timeout=5).send(build_alert_message(), delivery_id=1)
    assert script.received == []


def test_recipient_deferred_with_4xx_is_temporary(plain_server, script):
    script.rcpt_replies["reader@example.org"] = "452 4.2.2 Mailbox full, try later"
    with pytest.raises(TemporaryFailure, match="452"):
        SmtpBackend(plain_server, timeout=5).send(build_alert_message(), delivery_id=1)


def test_connection_lost_after_data_is_uncertain(plain_server, script):
    script.drop_after_data = True
    with pytest.raises(UncertainDelivery, match="no answer after DATA"):
        SmtpBackend(plain_server, timeout=5).send(build_alert_message(), delivery_id=1)


def test_server_down_is_temporary():
    url = f"smtp://user:{PASSWORD}@{LOOPBACK}:{free_port()}"
    with pytest.raises(TemporaryFailure, match="ConnectionRefusedError") as caught:
        SmtpBackend(url, timeout=2).send(build_alert_message(), delivery_id=1)
    assert PASSWORD not in str(caught.value)
    assert "user:***@" in str(caught.value)


def test_dry_run_checks_recipients_without_sending(plain_server, script):
    backend = SmtpBackend(plain_server, timeout=5)
    result = backend.send(build_alert_message(), delivery_id=1, dry_run=True)
    assert result.provider_message_id
    assert script.received == []
    script.rcpt_replies["reader@example.org"] = "550 No such user"
    with pytest.raises(PermanentFailure):
        backend.send(build_alert_message(), delivery_id=1, dry_run=True)


def test_message_without_recipients_is_permanent(plain_server):
    message = build_alert_message()
    del message["To"]
    with pytest.raises(PermanentFailure, match="no recipients"):
        SmtpBackend(plain_server, timeout=5).send(message, delivery_id=1)


def test_password_never_in_repr():
    backend = SmtpBackend(f"smtp+starttls://alerts%40example.org:{PASSWORD}@mail.example.org")
    assert PASSWORD not in repr(backend)
    assert repr(backend) == (
        "SmtpBackend('smtp+starttls://alerts@example.org:***@mail.example.org:587', timeout=30.0)"
    )


def test_password_refused_without_tls(plain_server, script):
    url = plain_server.replace("smtp://", f"smtp://user:{PASSWORD}@")
    with pytest.raises(TemporaryFailure, match="without TLS") as caught:
        SmtpBackend(url, timeout=5).send(build_alert_message(), delivery_id=1)
    assert PASSWORD not in str(caught.value)
    assert script.received == []


@pytest.mark.parametrize(
    ("url", "scheme", "port"),
    [
        ("smtp://mail.example.org", "smtp", 25),
        ("smtp://u:p@mail.example.org:587", "smtp", 587),
        ("smtp+starttls://u:p@mail.example.org", "smtp+starttls", 587),
        ("smtps://u:p@mail.example.org", "smtps", 465),
    ],
)
def test_url_scheme_selects_tls_mode_and_default_port(url, scheme, port):
    target = SmtpTarget.from_url(url)
    assert (target.scheme, target.host, target.port) == (scheme, "mail.example.org", port)


def test_unknown_scheme_is_refused_without_showing_the_password():
    with pytest.raises(ValueError, match="not an SMTP URL") as caught:
        SmtpTarget.from_url(f"http://u:{PASSWORD}@mail.example.org")
    assert PASSWORD not in str(caught.value)


def test_starttls_with_login(script, server_tls, client_tls):
    server = start_smtp_server(script, tls=server_tls, accounts={"alerts": PASSWORD})
    try:
        url = server.url("smtp+starttls", f"alerts:{PASSWORD}@")
        SmtpBackend(url, timeout=5, ssl_context=client_tls).send(
            build_alert_message(), delivery_id=1
        )
    finally:
        server.controller.stop()
    assert script.logins == [b"alerts"]
    assert only_message(script)[1]["To"] == "reader@example.org"


def test_wrong_password_is_temporary_and_not_shown(script, server_tls, client_tls):
    server = start_smtp_server(script, tls=server_tls, accounts={"alerts": "other"})
    try:
        url = server.url("smtp+starttls", f"alerts:{PASSWORD}@")
        with pytest.raises(TemporaryFailure, match="login refused") as caught:
            SmtpBackend(url, timeout=5, ssl_context=client_tls).send(
                build_alert_message(), delivery_id=1
            )
    finally:
        server.controller.stop()
    assert PASSWORD not in str(caught.value)
    assert script.received == []


def test_starttls_required_but_not_offered(plain_server):
    url = plain_server.replace("smtp://", "smtp+starttls://")
    with pytest.raises(TemporaryFailure, match="does not offer STARTTLS"):
        SmtpBackend(url, timeout=5).send(build_alert_message(), delivery_id=1)


def test_untrusted_certificate_is_refused(script, server_tls):
    server = start_smtp_server(script, tls=server_tls)
    try:
        with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpBackend(server.url("smtp+starttls"), timeout=5).send(
                build_alert_message(), delivery_id=1
            )
    finally:
        server.controller.stop()
    assert script.received == []


def test_implicit_tls(script, server_tls, client_tls):
    server = start_smtp_server(script, tls=server_tls, implicit_tls=True)
    try:
        backend = SmtpBackend(server.url("smtps"), timeout=5, ssl_context=client_tls)
        backend.send(build_alert_message(), delivery_id=1)
    finally:
        server.controller.stop()
    assert only_message(script)[1]["Subject"].startswith("C-22")


def test_plain_smtp_url_upgrades_when_starttls_is_offered(script, server_tls, client_tls):
    server = start_smtp_server(script, tls=server_tls)  # refuses MAIL before STARTTLS
    try:
        backend = SmtpBackend(server.url("smtp"), timeout=5, ssl_context=client_tls)
        backend.send(build_alert_message(), delivery_id=1)
    finally:
        server.controller.stop()
    assert len(script.received) == 1


def test_password_echoed_by_the_server_is_masked(script, server_tls, client_tls):
    script.rcpt_replies["reader@example.org"] = f"550 user alerts:{PASSWORD} is not allowed"
    server = start_smtp_server(script, tls=server_tls, accounts={"alerts": PASSWORD})
    try:
        url = server.url("smtp+starttls", f"alerts:{PASSWORD}@")
        with pytest.raises(PermanentFailure, match=r"alerts:\*\*\* is not allowed") as caught:
            SmtpBackend(url, timeout=5, ssl_context=client_tls).send(
                build_alert_message(), delivery_id=1
            )
    finally:
        server.controller.stop()
    assert PASSWORD not in str(caught.value)


def test_server_that_never_greets_times_out_as_temporary():
    with socket.socket() as silent:  # accepts connections (backlog) but never says 220
        silent.bind((LOOPBACK, 0))
        silent.listen()
        url = f"smtp://{LOOPBACK}:{silent.getsockname()[1]}"
        with pytest.raises(TemporaryFailure, match="timed out"):
            SmtpBackend(url, timeout=0.5).send(build_alert_message(), delivery_id=1)
