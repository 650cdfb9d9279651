import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from alerts.backends.interface import (
    PermanentFailure,
    SendResult,
    TemporaryFailure,
    UncertainDelivery,
)
from alerts.backends.sendgrid import MAX_REQUEST_BYTES, SendGridBackend, parse_retry_after
from alerts.headers import SUBSCRIPTION_IDS_HEADER, unsubscribe_headers
from tests.alerts.mailservers import (
    FRENCH_TITLE,
    LOOPBACK,
    MAORI_NAME,
    FakeSendGrid,
    Reply,
    build_alert_message,
    free_port,
    sendgrid_error_body,
)

API_KEY = "SG.test-key.do-not-leak-0123456789"
ACCEPTED = Reply(202, {"X-Message-Id": "sg-msg-1"})
UNSUBSCRIBE = unsubscribe_headers("https://fivewatch.example.org", "tok.en", "leave@example.org")


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    server = FakeSendGrid([]).start()
    yield server
    server.stop()
    assert server.problems == [], "the backend sent a payload SendGrid would refuse"


@pytest.fixture
def slept() -> list[float]:
    return []


def backend_for(fake: FakeSendGrid, slept: list[float], **options: Any) -> SendGridBackend:
    options.setdefault("timeout", 2.0)
    return SendGridBackend(API_KEY, host=fake.url, sleep=slept.append, **options)


def send(backend: SendGridBackend, **options: Any) -> SendResult:
    message = build_alert_message(extra_headers={**UNSUBSCRIBE, SUBSCRIPTION_IDS_HEADER: "4,9"})
    return backend.send(message, delivery_id=31, **options)


def test_accepted_keeps_the_message_id(fake, slept):
    fake.replies = [ACCEPTED]
    result = send(backend_for(fake, slept))
    assert (result.provider, result.provider_message_id) == ("sendgrid", "sg-msg-1")
    assert fake.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


def test_payload_carries_the_message(fake, slept):
    fake.replies = [ACCEPTED]
    send(backend_for(fake, slept, categories=["alert", "daily"]))
    payload = fake.requests[0].payload
    assert payload["from"] == {"email": "alerts@fivewatch.example.org", "name": "FiveWatch"}
    assert payload["personalizations"] == [{"to": [{"email": "reader@example.org"}]}]
    assert payload["subject"] == f"C-22 — {FRENCH_TITLE} · {MAORI_NAME}"
    assert [part["type"] for part in payload["content"]] == ["text/plain", "text/html"]
    assert MAORI_NAME in payload["content"][0]["value"]
    assert payload["categories"] == ["alert", "daily"]
    assert "mail_settings" not in payload


def test_unsubscribe_headers_pass_and_internal_header_moves_to_custom_args(fake, slept):
    fake.replies = [ACCEPTED]
    send(backend_for(fake, slept))
    payload = fake.requests[0].payload
    assert payload["headers"] == UNSUBSCRIBE
    assert payload["custom_args"] == {"delivery_id": "31", "subscription_ids": "4,9"}


def test_dry_run_uses_sandbox_mode(fake, slept):
    fake.replies = [Reply(200)]
    result = send(backend_for(fake, slept), dry_run=True)
    assert fake.requests[0].payload["mail_settings"] == {"sandbox_mode": {"enable": True}}
    assert result.provider == "sendgrid"


def test_429_honours_retry_after_then_succeeds(fake, slept):
    fake.replies = [Reply(429, {"Retry-After": "7"}), ACCEPTED]
    result = send(backend_for(fake, slept))
    assert slept == [7.0]
    assert result.provider_message_id == "sg-msg-1"
    assert len(fake.requests) == 2


def test_429_forever_is_temporary_with_retry_after(fake, slept):
    fake.replies = [Reply(429, {"Retry-After": "5"})] * 3
    with pytest.raises(TemporaryFailure, match="429") as caught:
        send(backend_for(fake, slept, max_retries=2))
    assert caught.value.retry_after == 5.0
    assert slept == [5.0, 5.0]


def test_retry_after_longer_than_the_cap_is_left_to_the_outbox(fake, slept):
    fake.replies = [Reply(429, {"Retry-After": "3600"})]
    with pytest.raises(TemporaryFailure) as caught:
        send(backend_for(fake, slept, backoff_cap=60))
    assert caught.value.retry_after == 3600.0
    assert slept == []


def test_500_backs_off_exponentially_then_is_temporary(fake, slept):
    fake.replies = [Reply(500, body=b"Internal Server Error")] * 4
    with pytest.raises(TemporaryFailure, match="500 Internal Server Error") as caught:
        send(backend_for(fake, slept, max_retries=3, backoff_base=2, backoff_cap=5))
    assert slept == [2.0, 4.0, 5.0]
    assert caught.value.retry_after == 5.0
    assert len(fake.requests) == 4


def test_400_is_permanent_with_the_error_body_and_no_api_key(fake, slept):
    body = sendgrid_error_body(f"The provided authorization grant is invalid: {API_KEY}", None)
    fake.replies = [Reply(400, {"Content-Type": "application/json"}, body)]
    with pytest.raises(PermanentFailure, match="400 The provided authorization grant") as caught:
        send(backend_for(fake, slept))
    assert API_KEY not in str(caught.value)
    assert slept == []


def test_timeout_after_sending_is_uncertain(fake, slept):
    fake.replies = [Reply(202, {"X-Message-Id": "late"}, delay=1.5)]
    with pytest.raises(UncertainDelivery, match="answer lost"):
        send(backend_for(fake, slept, timeout=0.5))
    assert len(fake.requests) == 1  # never retried: it may have been sent
    assert slept == []


def test_endpoint_down_is_temporary(slept):
    backend = SendGridBackend(API_KEY, host=f"http://{LOOPBACK}:{free_port()}", sleep=slept.append)
    with pytest.raises(TemporaryFailure, match="cannot connect") as caught:
        send(backend)
    assert len(slept) == backend.max_retries
    assert API_KEY not in str(caught.value)


def test_too_many_recipients_is_refused_before_sending(fake, slept):
    message = build_alert_message(to=", ".join(f"r{n}@example.org" for n in range(1001)))
    with pytest.raises(PermanentFailure, match="1001 recipients"):
        backend_for(fake, slept).send(message, delivery_id=1)
    assert fake.requests == []


def test_request_of_30_mb_is_refused_before_sending(fake, slept):
    message = build_alert_message()
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    html.set_content("<p>" + "x" * MAX_REQUEST_BYTES + "</p>", subtype="html")
    with pytest.raises(PermanentFailure, match="bytes"):
        backend_for(fake, slept).send(message, delivery_id=1)
    assert fake.requests == []


def test_message_without_text_parts_is_permanent(fake, slept):
    message = build_alert_message()
    message.clear_content()
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="c22.pdf")
    with pytest.raises(PermanentFailure, match="no text or HTML part"):
        backend_for(fake, slept).send(message, delivery_id=1)


def test_api_key_not_in_repr_or_debug_logs(fake, slept, caplog):
    caplog.set_level(logging.DEBUG)
    fake.replies = [ACCEPTED]
    backend = backend_for(fake, slept)
    send(backend)
    assert API_KEY not in repr(backend)
    assert API_KEY not in caplog.text


def test_empty_api_key_is_refused():
    with pytest.raises(ValueError, match="API key"):
        SendGridBackend("")


def test_retry_after_as_http_date():
    when = datetime.now(UTC) + timedelta(seconds=120)
    assert parse_retry_after(format_datetime(when, usegmt=True)) == pytest.approx(120, abs=2)
    assert parse_retry_after("not a date") is None


def test_connection_closed_without_an_answer_is_uncertain(fake, slept):
    fake.replies = [Reply(202, hang_up=True)]
    with pytest.raises(UncertainDelivery, match="RemoteDisconnected"):
        send(backend_for(fake, slept))
    assert len(fake.requests) == 1


def test_message_without_extra_headers_sends_no_headers_object(fake, slept):
    fake.replies = [ACCEPTED]
    backend_for(fake, slept).send(build_alert_message(), delivery_id=2)
    assert "headers" not in fake.requests[0].payload
    assert fake.requests[0].payload["custom_args"] == {"delivery_id": "2"}


@pytest.mark.parametrize("categories", [[f"c{n}" for n in range(11)], ["x" * 256]])
def test_categories_over_sendgrid_limits_are_refused(categories):
    with pytest.raises(ValueError, match="at most 10 categories"):
        SendGridBackend(API_KEY, categories=categories)
