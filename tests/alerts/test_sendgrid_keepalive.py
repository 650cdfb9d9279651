"""The SendGrid backend keeps one HTTP connection open, and sends what the plain client sends."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from python_http_client import Client
from python_http_client.exceptions import BadRequestsError

from alerts.backends.interface import UncertainDelivery
from alerts.backends.keepalive import KeepAliveClient
from alerts.backends.sendgrid import SendGridBackend
from alerts.headers import SUBSCRIPTION_IDS_HEADER, unsubscribe_headers
from tests.alerts.mailservers import FakeSendGrid, Reply, build_alert_message

API_KEY = "SG.keepalive-test"
HEADERS = {"Authorization": f"Bearer {API_KEY}", "User-Agent": "sendgrid/6;python"}
UNSUBSCRIBE = unsubscribe_headers("https://fivewatch.example.org", "tok.en", "leave@example.org")


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    server = FakeSendGrid([], keep_alive=True, idle_timeout=0.3).start()
    yield server
    server.stop()
    assert server.problems == []


def accepted(count: int) -> list[Reply]:
    return [Reply(202, {"X-Message-Id": f"sg-{n}"}) for n in range(count)]


def send(backend: SendGridBackend, delivery_id: int) -> str:
    message = build_alert_message(extra_headers={**UNSUBSCRIBE, SUBSCRIPTION_IDS_HEADER: "4"})
    return backend.send(message, delivery_id=delivery_id).provider_message_id


def wait_until_closed(fake: FakeSendGrid, port: int) -> None:
    deadline = time.monotonic() + 10
    while port not in fake.closed:
        assert time.monotonic() < deadline, "the server never closed the idle connection"
        time.sleep(0.01)


def test_successive_sends_share_one_connection(fake: FakeSendGrid) -> None:
    fake.replies = accepted(3)
    backend = SendGridBackend(API_KEY, host=fake.url, timeout=5)
    assert [send(backend, n) for n in (1, 2, 3)] == ["sg-0", "sg-1", "sg-2"]
    assert len({request.client_port for request in fake.requests}) == 1


def test_after_close_the_next_send_opens_a_new_connection(fake: FakeSendGrid) -> None:
    fake.replies = accepted(2)
    backend = SendGridBackend(API_KEY, host=fake.url, timeout=5, max_retries=0)
    send(backend, 1)
    backend.close()
    assert send(backend, 2) == "sg-1"
    first, second = (request.client_port for request in fake.requests)
    assert first != second


def test_a_connection_the_server_closed_is_reopened_not_uncertain(fake: FakeSendGrid) -> None:
    fake.replies = accepted(2)
    backend = SendGridBackend(API_KEY, host=fake.url, timeout=5, max_retries=0)
    send(backend, 1)
    wait_until_closed(fake, fake.requests[0].client_port)
    # Neither a failure to retry nor an UncertainDelivery on the stale socket.
    assert send(backend, 2) == "sg-1"
    first, second = (request.client_port for request in fake.requests)
    assert first != second


def test_after_a_lost_answer_the_next_send_uses_a_new_connection(fake: FakeSendGrid) -> None:
    fake.replies = [Reply(202, {"X-Message-Id": "late"}, delay=1.0), *accepted(1)]
    backend = SendGridBackend(API_KEY, host=fake.url, timeout=0.3, max_retries=0)
    with pytest.raises(UncertainDelivery):
        send(backend, 1)
    assert send(backend, 2) == "sg-0"  # the late 202 is never read as this one's answer
    first, second = (request.client_port for request in fake.requests)
    assert first != second


def test_the_request_is_the_plain_clients_request(fake: FakeSendGrid) -> None:
    """Same body bytes and the same headers but `Connection: close`, as python_http_client."""
    fake.replies = accepted(2)
    body = {"personalizations": [{"to": [{"email": "a@example.org"}]}],
            "from": {"email": "alerts@fw.example"}, "subject": "Māori · légal",
            "content": [{"type": "text/plain", "value": "Pāremata\n"}]}  # fmt: skip
    plain = Client(host=fake.url, request_headers=dict(HEADERS), version=3)
    plain.mail.send.post(request_body=body, timeout=5)
    kept = KeepAliveClient(
        fake.url, request_headers=dict(HEADERS), version=3, url_path=["mail", "send"]
    )
    kept.post(request_body=body, timeout=5)
    by_plain, by_kept = fake.requests
    assert by_kept.body == by_plain.body
    assert by_plain.headers.pop("Connection") == "close"
    assert by_kept.headers == by_plain.headers


def test_a_refusal_is_the_clients_own_exception(fake: FakeSendGrid) -> None:
    fake.replies = [Reply(400, {"Content-Type": "application/json"}, b'{"errors": []}')]
    kept = KeepAliveClient(
        fake.url, request_headers=dict(HEADERS), version=3, url_path=["mail", "send"]
    )
    body = {"personalizations": [{"to": [{"email": "a@example.org"}]}],
            "from": {"email": "alerts@fw.example"}, "subject": "s",
            "content": [{"type": "text/plain", "value": "t"}]}  # fmt: skip
    with pytest.raises(BadRequestsError) as caught:
        kept.post(request_body=body, timeout=5)
    assert (caught.value.status_code, caught.value.body) == (400, b'{"errors": []}')
