"""bench/billtext_bench.py at a tiny size: it runs and ends with its JSON figures."""

from __future__ import annotations

import json

import pytest

from bench import billtext_bench


def test_a_small_run_ends_with_the_json_figures(capsys: pytest.CaptureFixture[str]) -> None:
    billtext_bench.main(["--repeat", "1", "--diff-repeat", "1", "--baseline-repeat", "1"])
    lines = capsys.readouterr().out.splitlines()
    figures = json.loads(lines[-1])
    assert (figures["versions"], figures["repeat"]) == (5, 1)
    assert figures["bytes"] == 400_254  # the five real bodies, byte for byte
    assert figures["versions_per_s"] > 0
    for pair in ("eh_rfs", "ih_eh"):
        assert figures[f"diff_{pair}_ms"] > 0
        assert figures[f"naive_{pair}_ms"] > 0
        assert figures[f"speedup_{pair}_vs_naive"] > 0
    assert "ih -> eh: 10 sections added (SEC. 8. Discretionary surplus funds," in "\n".join(lines)
