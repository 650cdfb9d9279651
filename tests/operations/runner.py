"""`fivewatch run` as a real child process, its JSON log lines read as they come."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from tests.conftest import ROOT

CASSETTE = ROOT / "cassettes" / "ca-gc-news"
FEED_URL = (
    "https://api.io.canada.ca/io-server/gc/news/en/v2"
    "?sort=publishedDate&orderBy=desc&pick=100&format=atom"
)
Event = dict[str, Any]


def copy_cassette(target: Path) -> Path:
    """A writable copy of the real ca-gc-news cassette (the originals are read-only)."""
    shutil.copytree(CASSETTE, target, copy_function=shutil.copyfile)
    return target


def replace_atomically(path: Path, data: bytes) -> None:
    """A crawl running now reads the old file or the new one, never half of one."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def feed_body(cassette: Path) -> Path:
    line = next(
        json.loads(text)
        for text in (cassette / "index.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(text)["url"] == FEED_URL
    )
    return cassette / str(line["body"])


class RunProcess:
    """One `python -m fivewatch run …`; `wait_for` blocks until a matching log event."""

    started: ClassVar[list[RunProcess]] = []  # killed by the tests' teardown if still alive

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fivewatch", "run", *args],
            env={**os.environ, **env},
            cwd=cwd,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.events: list[Event] = []
        self.other_lines: list[str] = []
        self._arrived: queue.Queue[Event] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        RunProcess.started.append(self)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            try:
                event = json.loads(line)
            except ValueError:
                self.other_lines.append(line)
                continue
            self.events.append(event)
            self._arrived.put(event)

    def wait_for(self, wanted: Callable[[Event], bool], timeout: float = 60) -> Event:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._arrived.get(timeout=left)
            except queue.Empty:
                break
            if wanted(event):
                return event
        raise AssertionError(f"no such event in {timeout}s; got {self.events} {self.other_lines}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def named(self, msg: str) -> list[Event]:
        return [event for event in self.events if event["msg"] == msg]


def message(msg: str, **fields: Any) -> Callable[[Event], bool]:
    return lambda event: event["msg"] == msg and all(event.get(k) == v for k, v in fields.items())
