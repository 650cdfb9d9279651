"""Real servers on 127.0.0.1 for the mail backend tests: aiosmtpd, and a SendGrid v3 stand-in.

Neither mocks the protocol: the SMTP backend talks real SMTP to aiosmtpd, and the real `sendgrid`
client sends real HTTP to `FakeSendGrid`, which validates the v3 payload the way the API does
before answering from a per-test script.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"


def read_outbox(folder: Path) -> list[EmailMessage]:
    """The .eml files the file backend wrote to `folder`, parsed, in name order."""
    messages = []
    for path in sorted(folder.glob("*.eml")):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def free_port() -> int:
    """A port nothing listens on (aiosmtpd's Controller cannot bind port 0 itself)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class SmtpScript:
    """What the SMTP server answers: per-recipient RCPT replies, and whether to hang up on DATA
    or refuse it."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    drop_after_data: bool = False
    data_reply: str = ""  # answer DATA with this instead of accepting the message
    received: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)


class RecordingHandler:
    def __init__(self, script: SmtpScript) -> None:
        self.script = script

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.script.rcpt_replies.get(address)
        if reply is None:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.script.drop_after_data:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if self.script.data_reply:
            return self.script.data_reply
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.script.received.append((envelope, parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    controller: Controller
    script: SmtpScript

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def url(self, scheme: str = "smtp", credentials: str = "") -> str:
        return f"{scheme}://{credentials}{LOOPBACK}:{self.port}"


def start_smtp_server(
    script: SmtpScript,
    *,
    tls: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    accounts: dict[str, str] | None = None,
) -> SmtpServer:
    """aiosmtpd on a free loopback port; `tls` enables STARTTLS (or implicit TLS)."""
    options: dict[str, Any] = {}
    if tls is not None and not implicit_tls:
        options.update(tls_context=tls, require_starttls=True)
    if accounts is not None:
        options.update(
            authenticator=_authenticator(script, accounts),
            auth_require_tls=True,
        )
    controller = Controller(
        RecordingHandler(script),
        hostname=LOOPBACK,
        port=free_port(),
        ssl_context=tls if implicit_tls else None,
        server_hostname=LOOPBACK if implicit_tls else None,
        **options,
    )
    controller.start()
    return SmtpServer(controller, script)


def _authenticator(script: SmtpScript, accounts: dict[str, str]) -> Callable[..., AuthResult]:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        script.logins.append(data.login)
        expected = accounts.get(data.login.decode())
        success = expected is not None and expected.encode() == data.password
        return AuthResult(success=success, handled=False)  # handled=False: aiosmtpd answers 535

    return authenticate


# --- SendGrid v3 ----------------------------------------------------------------------------

MAIL_SEND_PATH = "/v3/mail/send"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (longer than the client timeout = lost)
    hang_up: bool = False  # read the request, then close the connection without answering


@dataclass(frozen=True)
class ReceivedRequest:
    headers: dict[str, str]
    payload: dict[str, Any]
    body: bytes = b""  # as it came over the wire
    client_port: int = 0  # one per TCP connection


def validate_v3_payload(payload: Any, headers: dict[str, str]) -> list[str]:
    """What SendGrid would refuse in a /v3/mail/send request (the subset our sender uses)."""
    problems = _auth_problems(headers)
    if not isinstance(payload, dict):
        return [*problems, "body is not a JSON object"]
    problems += [
        f"missing {key}" for key in ("personalizations", "from", "content") if key not in payload
    ]
    problems += _personalization_problems(payload.get("personalizations", []))
    problems += _content_problems(payload.get("content", []))
    problems += _string_map_problems(payload, "custom_args")
    problems += _string_map_problems(payload, "headers")
    if "subject" not in payload and not all(
        "subject" in p for p in payload.get("personalizations", [])
    ):
        problems.append("missing subject")
    if not isinstance(payload.get("from", {}).get("email"), str):
        problems.append("from.email must be a string")
    return problems


def _auth_problems(headers: dict[str, str]) -> list[str]:
    auth = headers.get("Authorization", "")
    return [] if auth.startswith("Bearer ") and len(auth) > len("Bearer ") else ["no Bearer token"]


def _personalization_problems(personalizations: Any) -> list[str]:
    if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= 1000:
        return ["personalizations must be a list of 1 to 1000"]
    problems = []
    for index, item in enumerate(personalizations):
        to = item.get("to")
        if (
            not isinstance(to, list)
            or not to
            or not all(isinstance(r.get("email"), str) for r in to)
        ):
            problems.append(f"personalizations[{index}].to needs recipients with an email")
    return problems


def _content_problems(content: Any) -> list[str]:
    if not isinstance(content, list) or not content:
        return ["content must be a non-empty list"]
    types = [part.get("type") for part in content]
    if "text/plain" in types and types.index("text/plain") != 0:
        return [f"text/plain must come first, got {types}"]
    if not all(isinstance(part.get("value"), str) and part["value"] for part in content):
        return ["every content part needs a non-empty string value"]
    return []


def _string_map_problems(payload: dict[str, Any], key: str) -> list[str]:
    values = payload.get(key, {})
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        return [f"{key} values must be strings"]
    return []


class QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the timeout test) breaks the pipe: expected, not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeSendGrid:
    """Answers /v3/mail/send from `replies`, in order; every request is validated and kept."""

    def __init__(
        self, replies: list[Reply], *, keep_alive: bool = False, idle_timeout: float | None = None
    ) -> None:
        """`keep_alive`: answer in HTTP/1.1 and keep the connection open, as SendGrid does,
        closing it after `idle_timeout` seconds without a request."""
        self.keep_alive = keep_alive
        self.idle_timeout = idle_timeout
        self.closed: list[int] = []  # client ports of the connections the server has closed
        self.replies = list(replies)
        self.requests: list[ReceivedRequest] = []
        self.problems: list[str] = []
        self._server = QuietHTTPServer((LOOPBACK, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSendGrid:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self, path: str, headers: dict[str, str], body: bytes, client_port: int = 0
    ) -> Reply:
        if path != MAIL_SEND_PATH:
            return self._refuse(404, f"unexpected path {path}")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse(400, "body is not JSON")
        self.requests.append(ReceivedRequest(headers, payload, body, client_port))
        problems = validate_v3_payload(payload, headers)
        if problems:
            return self._refuse(400, "; ".join(problems))
        if not self.replies:
            return self._refuse(500, "more requests than the test scripted")
        return self.replies.pop(0)

    def _refuse(self, status: int, problem: str) -> Reply:
        self.problems.append(problem)
        body = json.dumps({"errors": [{"message": problem, "field": None, "help": None}]})
        return Reply(status, {"Content-Type": "application/json"}, body.encode())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"
            timeout = fake.idle_timeout

            def finish(self) -> None:
                super().finish()
                fake._server.shutdown_request(self.connection)  # closed before it is counted
                fake.closed.append(self.client_address[1])

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                port = self.client_address[1]
                reply = fake.answer(self.path, dict(self.headers.items()), body, port)
                time.sleep(reply.delay)
                if reply.hang_up:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read `fake.requests` instead."""

        return Handler


def sendgrid_error_body(message: str, field_name: str | None = None) -> bytes:
    """The shape SendGrid's v3 API uses for errors (docs: "Errors" in the v3 API reference)."""
    return json.dumps(
        {"errors": [{"message": message, "field": field_name, "help": None}]}
    ).encode()


# --- messages -------------------------------------------------------------------------------

# Real strings from LEGISinfo, bill 45-1 C-22 (/work/shared/fixtures/ca/legisinfo-bill/
# bill_45-1_C-22_json_UNWRAPPED-REINDENTED_ingenium-bcf.json: ShortTitleFr, StatusNameFr,
# ShortLegislativeSummaryFr) and the New Zealand Parliament's name in te reo Māori.
FRENCH_TITLE = "Loi de 2026 sur l'accès légal"
FRENCH_STATUS = "À l'examen en comité à la Chambre des communes"
FRENCH_SUMMARY = "Les Service d’information, d’éducation et de recherche parlementaires"
MAORI_NAME = "Pāremata Aotearoa"


def build_alert_message(
    to: str = "reader@example.org", extra_headers: dict[str, str] | None = None
) -> EmailMessage:
    """A multipart/alternative message built with the stdlib, like the renderer's output."""
    message = EmailMessage()
    message["From"] = "FiveWatch <alerts@fivewatch.example.org>"
    message["To"] = to
    message["Subject"] = f"C-22 — {FRENCH_TITLE} · {MAORI_NAME}"
    for name, value in (extra_headers or {}).items():
        message[name] = value
    text = f"{FRENCH_TITLE}\n{FRENCH_STATUS}\n{FRENCH_SUMMARY}\n{MAORI_NAME}\n"
    message.set_content(text)
    message.add_alternative(
        f"<p><b>{FRENCH_TITLE}</b><br>{FRENCH_STATUS}</p><p>{MAORI_NAME}</p>", subtype="html"
    )
    return message
