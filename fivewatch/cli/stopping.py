"""A graceful stop for `match` and `send`: SIGTERM (systemd's stop) or Ctrl-C asks the work to
stop at its next safe point instead of killing it between a send and its record.

Without this, Python dies on SIGTERM at once, like SIGKILL: the message the provider had just
accepted stays "sending" and is sent again after the lease (at-least-once). With it, that
message is recorded, the rest of the claim is released, and the command exits 128 + signal.
A second signal acts as it did before (Ctrl-C interrupts, SIGTERM kills).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import click

from fivewatch.cli.common import console

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], Any] | int | None


@dataclass
class StopRequest:
    """Called, says whether a stop was asked (the `stop` that alerts' loops take)."""

    signum: int | None = None
    previous: dict[int, Handler] = field(default_factory=dict)

    def __call__(self) -> bool:
        return self.signum is not None

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            self.previous[signum] = signal.signal(signum, self._on_signal)

    def restore(self, signum: int | None = None) -> None:
        """The handlers from before (a None one was not set from Python: the default)."""
        for number, handler in self.previous.items():
            if signum in (None, number):
                signal.signal(number, signal.SIG_DFL if handler is None else handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        self.restore(signum)  # a second one acts as before


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """SIGTERM and SIGINT set the request during the block."""
    request = StopRequest()
    request.install()
    try:
        yield request
    finally:
        request.restore()


def exit_if_stopped(request: StopRequest, left: str) -> None:
    """After a stop: say what is left for the next run, and exit 128 + signal (not a success)."""
    if request.signum is None:
        return
    console.print(f"[yellow]stopped by {signal.Signals(request.signum).name}: {left}[/yellow]")
    raise click.exceptions.Exit(128 + request.signum)
