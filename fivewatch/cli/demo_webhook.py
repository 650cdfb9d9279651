"""DEMO-ONLY: a local generic-webhook receiver for `fivewatch demo`.

The demo's sample subscription with `channel = "demo_webhook"` notifies a generic JSON webhook
destination instead of email. This receiver stands in for the team's endpoint: it listens on
127.0.0.1 for the demo's run, answers 200 and writes each POSTed payload, as received, to
`<demo dir>/webhooks/<n>.json`. The notification goes through the real outbox and
alerts.backends.webhook over real HTTP; only the far end is ours.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from typing import Any

import click

from fivewatch.config import Config, Secret

DEMO_CHANNEL = "demo_webhook"


def with_demo_webhook(config: Config, folder: Path) -> Config:
    """Start the receiver (stopped when the command ends); the config with its destination."""
    folder.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _writer(folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.get_current_context().call_on_close(server.shutdown)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    channels = {**config.channels, DEMO_CHANNEL: Secret(f"webhook:{url}")}
    return replace(config, channels=channels)


def _writer(folder: Path) -> type[BaseHTTPRequestHandler]:
    numbers = count(1)

    class Writer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            (folder / f"{next(numbers)}.json").write_bytes(body)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the demo reports what was written."""

    return Writer
