"""FileBackend writes each message as a parseable .eml, atomically."""

from __future__ import annotations

import errno
import os
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from alerts.backends.file import FileBackend
from alerts.backends.interface import TemporaryFailure
from alerts.headers import SUBSCRIPTION_IDS_HEADER


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "alerts@fw.example"
    mail["To"] = "a@example.org"
    mail["Subject"] = "FiveWatch: 1 new alert — CA Loi sur la protection des jeunes"
    mail[SUBSCRIPTION_IDS_HEADER] = "3"
    mail.set_content("Sécurité des enfants en ligne")
    mail.add_alternative("<p>Sécurité</p>", subtype="html")
    return mail


def test_writes_a_parseable_eml_named_after_the_delivery(tmp_path: Path) -> None:
    result = FileBackend(tmp_path / "outbox").send(message(), delivery_id=42)
    assert result.provider == "file"
    assert result.provider_message_id.endswith("-42.eml")
    [written] = (tmp_path / "outbox").iterdir()
    assert written.name == result.provider_message_id
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == message()["Subject"]
    assert parsed[SUBSCRIPTION_IDS_HEADER] is None
    body = parsed.get_body(("plain",))
    assert body is not None
    assert body.get_content().strip() == "Sécurité des enfants en ligne"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    FileBackend(tmp_path).send(message(), delivery_id=1, dry_run=True)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_outbox_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TemporaryFailure, match=r"file outbox .*outbox: cannot write"):
        FileBackend(blocker).send(message(), delivery_id=1)


def test_a_failed_write_leaves_no_temporary_file_and_can_be_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk (ENOSPC, provoked here) mid-write: nothing half-written stays behind."""
    backend = FileBackend(tmp_path)
    real_fdopen = os.fdopen

    class FullDisk:
        """The temporary file takes a few bytes, then the disk is full."""

        def __init__(self, descriptor: int, mode: str) -> None:
            self.handle = real_fdopen(descriptor, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, payload: bytes) -> None:
            self.handle.write(payload[:10])
            self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr("alerts.backends.file.os.fdopen", FullDisk)
        with pytest.raises(TemporaryFailure, match="No space left on device"):
            backend.send(message(), delivery_id=7)
    assert list(tmp_path.iterdir()) == []
    result = backend.send(message(), delivery_id=7)  # space again: the retry writes it
    assert [path.name for path in tmp_path.iterdir()] == [result.provider_message_id]
