"""A local receiving server for chat and webhook destinations: records each POST's JSON and
answers as its script says (status and body in turn, then 200; "hang" holds the answer back
past the client's timeout)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"


@dataclass
class Receiver:
    url: str
    answers: list[tuple[int, str] | str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    pause: float = 0.0  # per request, so concurrent senders overlap
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, body: dict[str, Any]) -> tuple[int, str] | str:
        with self.lock:
            self.received.append(body)
            return self.answers.pop(0) if self.answers else (200, "ok")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(receiver.pause)
            answer = receiver.next_answer(body)
            if isinstance(answer, str):  # HANG
                time.sleep(2)  # past the client's timeout; the request was received
                return
            status, text = answer
            self.send_response(status)
            self.send_header("Content-Length", str(len(text.encode())))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read `received`."""

    return Handler


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 at a free port, stopped afterwards."""
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
