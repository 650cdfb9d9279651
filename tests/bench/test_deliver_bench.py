"""bench/deliver_bench.py at a tiny size: every digest is sent once and the JSON figures come
last."""

from __future__ import annotations

import json

import pytest

from bench import deliver_bench


def test_a_tiny_run_sends_each_digest_once_and_ends_with_the_json_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver_bench.main(
        ["--digests", "30", "--items", "3", "--workers", "2", "--baseline-digests", "10",
         "--webhooks", "20"]
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    figures = json.loads(lines[-1])
    assert figures["api_calls"] == 30  # the main run's; the baseline sent its own 10
    assert figures["baseline_emails_per_s"] > 0
    assert figures["ratio_vs_documented_client"] > 0
    assert figures["emails_per_s"] > 0
    assert figures["peak_rss_mb"] > 0
    assert figures["webhook_calls"] == 20  # one POST per notification, none refused
    assert figures["webhooks_per_s"] > 0
    assert "20 sent, 0 to retry, 0 failed" in "\n".join(lines)  # the webhooks
    assert "10 sent, 0 to retry, 0 failed" in "\n".join(lines)  # the baseline
    assert "30 sent, 0 to retry, 0 failed" in "\n".join(lines)
    assert "0 refused by the endpoint" in "\n".join(lines)
    assert any(line.endswith("ms CPU per email (senders and endpoint)") for line in lines)
