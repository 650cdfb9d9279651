"""`fivewatch demo` ends with a daily digest that names a source down in the replay."""

from __future__ import annotations

import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import ROOT

# au-bills was built from documentation: the replay reads no real body for it, so it stays
# unverified and its incident opens (never a fake failing body).
NOTICE = "Parliament of Australia bills (APH)</strong> has not been verified since"


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_the_demos_daily_digest_names_the_source_down_in_the_replay(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "fivewatch", "demo", "--dir", str(tmp_path / "demo")]
    subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((tmp_path / "demo" / "outbox").glob("*.eml"))
    ]
    [digest] = [m for m in messages if str(m["Subject"]).startswith("FiveWatch daily digest")]
    assert digest["To"] == "au.analyst@example.org"
    text = body(digest, "plain")
    assert "Sources that were down:" in text
    assert "- Parliament of Australia bills (APH) has not been verified since" in text
    assert "anything it publishes meanwhile will come in a later email" in text
    assert NOTICE in body(digest, "html")
    others = [body(m, "plain") for m in messages if m is not digest]
    assert not any("Sources that were down" in other for other in others)  # immediate: none
