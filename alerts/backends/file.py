"""The file backend: each message becomes one `.eml` file in an outbox folder (the default)."""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from alerts.backends.interface import Mail, SendResult, TemporaryFailure, as_email_message
from alerts.headers import SUBSCRIPTION_IDS_HEADER


class FileBackend:
    name = "file"

    def __init__(self, outbox_dir: str | os.PathLike[str]) -> None:
        self.outbox = Path(outbox_dir)

    def send(self, message: Mail, *, delivery_id: int, dry_run: bool = False) -> SendResult:
        """Write `<timestamp>-<delivery_id>.eml` atomically; a dry run writes nothing."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        file_name = f"{stamp}-{delivery_id}.eml"
        if not dry_run:
            self._write(self.outbox / file_name, _file_bytes(as_email_message(message)))
        return SendResult(provider=self.name, provider_message_id=file_name)

    def _write(self, target: Path, payload: bytes) -> None:
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.outbox, suffix=".tmp")
        except OSError as error:
            raise self._failure(target, error) from error
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(payload)
            os.replace(temporary, target)
        except OSError as error:  # disk full, quota, permissions: no half-written file left
            with contextlib.suppress(OSError):  # the write's error is the one to report
                Path(temporary).unlink(missing_ok=True)
            raise self._failure(target, error) from error

    def _failure(self, target: Path, error: OSError) -> TemporaryFailure:
        return TemporaryFailure(
            f"file outbox {self.outbox}: cannot write {target.name}: {error.strerror or error}"
        )


def _file_bytes(message: EmailMessage) -> bytes:
    """The message without our internal headers, as the other backends send it.

    Headers are not folded at 78 columns: a folded List-Unsubscribe URL reads back with a
    leading space, and RFC 5322 allows lines up to 998.
    """
    outgoing = copy.deepcopy(message)
    del outgoing[SUBSCRIPTION_IDS_HEADER]
    return outgoing.as_bytes(policy=outgoing.policy.clone(max_line_length=998))
