"""Topics and equivalents end to end: crawl the real LEGISinfo recording, search from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_end_to_end import CASSETTES, fivewatch


@pytest.fixture
def legisinfo(db_url: str, tmp_path: Path) -> str:
    source = "ca-legisinfo-bills"
    fivewatch("crawl", "--replay", str(CASSETTES), source, db_url=db_url, cwd=tmp_path)
    return db_url


def search(query: str, db_url: str, cwd: Path) -> list[dict[str, str]]:
    out = fivewatch("search", query, "--format", "json", db_url=db_url, cwd=cwd).stdout
    rows: list[dict[str, str]] = json.loads(out)
    return rows


def test_securite_en_ligne_with_its_equivalents_finds_c63(legisinfo: str, tmp_path: Path) -> None:
    assert search('"sécurité en ligne"', legisinfo, tmp_path) == []
    [c63] = [row for row in search('~"sécurité en ligne"', legisinfo, tmp_path)
             if row["reference"] == "C-63"]  # fmt: skip
    assert '"online safety" (the English for sécurité en ligne)' in c63["matched_terms"]


def test_topic_finds_the_bills_tagged_with_it_and_says_which_form(
    legisinfo: str, tmp_path: Path
) -> None:
    rows = search("topic:age-assurance", legisinfo, tmp_path)
    assert [row["reference"] for row in rows] == ["S-209"]
    assert "Age verification and age assurance" in rows[0]["matched_terms"]
