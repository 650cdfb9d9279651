"""`fivewatch demo` sends one subscription's alerts to a generic JSON webhook, not by email."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_demo_posts_the_team_channel_s_alerts_to_its_local_webhook(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "fivewatch", "demo", "--dir", str(tmp_path / "demo")]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True
    )
    assert "Webhook notifications: 1 received" in " ".join((done.stdout + done.stderr).split())
    [written] = sorted((tmp_path / "demo" / "webhooks").glob("*.json"))
    payload = json.loads(written.read_text(encoding="utf-8"))
    assert payload["subject"].startswith("FiveWatch: UK bill")
    assert payload["alerts"]
    assert {alert["jurisdiction"] for alert in payload["alerts"]} == {"uk"}
    assert all(
        alert["url"].startswith("https://bills.parliament.uk/") for alert in payload["alerts"]
    )
    to_team = [
        path.name
        for path in (tmp_path / "demo" / "outbox").glob("*.eml")
        if b"To: team.channel@example.org" in path.read_bytes()
    ]
    assert len(to_team) == 1  # its confirmation only: the alerts went to the webhook
