"""`fivewatch match` or `fivewatch send`, run for real, that signals itself at a chosen point.

The kill matrix (test_kill_matrix.py) runs it in a child process:

    python -m tests.alerts.signalled --signal TERM --after 3 -- send

`--after N` for `match`: once N alerts have been inserted (in the middle of a batch); for
`send`: right after the provider accepted the N-th message, before its outcome is committed
(the uncertain window). `--signal none` runs the command plainly (the re-run). The rest is
the real CLI, configured from the environment as in production, with three test knobs:
small batches (so a signal lands mid-way), a clock shifted forward (a later run, past the
lease of a crashed one) and the local SendGrid endpoint.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import alerts.deliver
import alerts.match
import fivewatch.cli.alert_commands
import fivewatch.mailer
from alerts.backends.interface import SendResult
from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.smtp import SmtpBackend
from fivewatch.cli import cli
from models import utcnow


def main() -> None:
    parser = argparse.ArgumentParser(prog="signalled")
    parser.add_argument("--signal", default="none", help="TERM, KILL or none")
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--batch", type=int, help="match and claim batch size")
    parser.add_argument("--clock-shift", type=float, default=0.0, help="seconds")
    parser.add_argument("--sendgrid-host", help="the local SendGrid v3 endpoint")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- fivewatch arguments")
    options = parser.parse_args()
    if options.batch:
        alerts.match.BATCH = alerts.deliver.CLAIM_BATCH = options.batch
    shift = timedelta(seconds=options.clock_shift)
    for clocked in (fivewatch.cli.alert_commands, fivewatch.mailer):  # match's clock, send's clock
        _replace(clocked, "utcnow", lambda: utcnow() + shift)
    if options.sendgrid_host:
        _use_local_sendgrid(options.sendgrid_host)
    if options.signal != "none":
        fire = _once_after(options.after, signal.Signals[f"SIG{options.signal}"])
        _signal_after_inserts(fire)
        _signal_after_accepted(fire)
    cli.main(args=[arg for arg in options.command if arg != "--"], prog_name="fivewatch")


def _replace(owner: object, name: str, value: object) -> None:
    """Swap a module's function or class for the run (setattr: mypy checks no signatures)."""
    setattr(owner, name, value)


def _once_after(threshold: int, signum: signal.Signals) -> Callable[[int], None]:
    """A counter that sends `signum` to this process when it reaches `threshold`, once."""
    count = 0

    def add(n: int) -> None:
        nonlocal count
        before, count = count, count + n
        if before < threshold <= count:
            os.kill(os.getpid(), signum)

    return add


def _signal_after_inserts(fire: Callable[[int], None]) -> None:
    insert = alerts.match._insert_alerts

    def counted(*args: Any) -> int:
        inserted = insert(*args)
        fire(inserted)
        return inserted

    _replace(alerts.match, "_insert_alerts", counted)


def _signal_after_accepted(fire: Callable[[int], None]) -> None:
    for backend in (SmtpBackend, SendGridBackend):
        send = backend.send

        def counted(self: Any, *args: Any, _send: Any = send, **kwargs: Any) -> SendResult:
            result: SendResult = _send(self, *args, **kwargs)
            fire(1)
            return result

        _replace(backend, "send", counted)


def _use_local_sendgrid(host: str) -> None:
    class LocalSendGrid(SendGridBackend):
        def __init__(self, api_key: str) -> None:
            super().__init__(api_key, host=host, timeout=10, max_retries=0)

    _replace(fivewatch.mailer, "SendGridBackend", LocalSendGrid)


if __name__ == "__main__":
    main()
