"""Real recorded bodies from the project's cassettes, looked up by the URL they answer."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"


def cassette_body(slug: str, url: str) -> bytes:
    cassette = CASSETTES / slug
    for line in (cassette / "index.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line) if line.strip() else {}
        if entry.get("url") == url and entry.get("body"):
            return (cassette / entry["body"]).read_bytes()
    raise LookupError(f"{slug} cassette has no body for {url}")


def cassette_json(slug: str, url: str) -> Any:
    return json.loads(cassette_body(slug, url))
