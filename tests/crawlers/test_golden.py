"""Golden output per recorded body, juriscraper's way: what a spider yields from every real
body in the cassettes is compared with `golden/<slug>/<body>.json`.

A record is compared field by field (everything a user sees: titles, stages, dates, summaries,
outcome...), and so are the requests a body leads to. A body from which its spider yields
nothing fails. After a deliberate change, `pytest tests/crawlers/test_golden.py --regen`
rewrites the files; review their diff before committing it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.crawlers.replay_crawl import CASSETTES, index_lines

GOLDEN = Path(__file__).resolve().parent / "golden"
NOTHING: dict[str, list[Any]] = {"records": [], "requests": []}


def recorded_bodies() -> list[tuple[str, str, list[str]]]:
    """(source slug, body file, the URLs the cassette serves it for), for every real body."""
    found: dict[tuple[str, str], list[str]] = {}
    for cassette in sorted(path.parent for path in CASSETTES.glob("*/index.jsonl")):
        for line in index_lines(cassette):
            if line.get("body"):
                found.setdefault((cassette.name, line["body"]), []).append(line["url"])
    return [(slug, body, urls) for (slug, body), urls in found.items()]


BODIES = recorded_bodies()


def golden_path(slug: str, body: str) -> Path:
    return GOLDEN / slug / f"{Path(body).name}.json"


@pytest.fixture(scope="session")
def captured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[Any]]]:
    """One replay of every cassette through the real engine, outputs per response URL."""
    out = tmp_path_factory.mktemp("golden") / "captured.json"
    command = [sys.executable, "-m", "tests.crawlers.golden_capture"]
    done = subprocess.run(
        [*command, "--replay", str(CASSETTES), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, dict[str, list[Any]]] = json.loads(out.read_text(encoding="utf-8"))
    return result


def differences(expected: Any, found: Any, where: str = "") -> Iterator[str]:
    """Each place the two differ, as `path: expected -> found` (a missing field included)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found), key=str):
            if key not in found:
                yield f"{where}.{key}: missing (expected {expected[key]!r:.120})"
            elif key not in expected:
                yield f"{where}.{key}: not in the golden file (found {found[key]!r:.120})"
            else:
                yield from differences(expected[key], found[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(found, list):
        if len(expected) != len(found):
            yield f"{where}: {len(expected)} expected, {len(found)} found"
        for index, (old, new) in enumerate(zip(expected, found, strict=False)):
            yield from differences(old, new, f"{where}[{index}]")
    elif expected != found:
        yield f"{where}: {expected!r:.120} -> {found!r:.120}"


def outputs(captured: dict[str, dict[str, list[Any]]], urls: list[str]) -> dict[str, Any]:
    return {url: captured.get(url, NOTHING) for url in urls}


@pytest.mark.parametrize(
    ("slug", "body", "urls"), BODIES, ids=[f"{slug}/{Path(body).name}" for slug, body, _ in BODIES]
)
def test_a_recorded_body_yields_its_golden_output(
    slug: str,
    body: str,
    urls: list[str],
    captured: dict[str, dict[str, list[Any]]],
    request: pytest.FixtureRequest,
) -> None:
    found = outputs(captured, urls)
    assert any(entry != NOTHING for entry in found.values()), f"{slug} yields nothing from {body}"
    path = golden_path(slug, body)
    document = {"source": slug, "body": body, "responses": found}
    if request.config.getoption("--regen"):
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path.relative_to(ROOT)}: run with --regen, review"
    expected = json.loads(path.read_text(encoding="utf-8"))
    diffs = list(differences(expected["responses"], found))
    assert not diffs, f"{slug} {body}: {len(diffs)} difference(s)\n" + "\n".join(diffs[:40])


def test_every_output_is_under_a_recorded_body(captured: dict[str, dict[str, list[Any]]]) -> None:
    """A record or request from a URL no body is served for would escape the golden files."""
    served = {url for _, _, urls in BODIES for url in urls}
    assert sorted(set(captured) - served) == []


def test_every_golden_file_belongs_to_a_recorded_body() -> None:
    expected = {golden_path(slug, body) for slug, body, _ in BODIES}
    assert sorted(set(GOLDEN.glob("*/*.json")) - expected) == []


def test_a_field_gone_from_a_record_is_a_difference() -> None:
    """What makes a spider that stops filling a field fail its golden test."""
    goldens = (
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(GOLDEN.glob("*/*.json"))
    )
    # the first golden file holding a record (a day page yields only a request)
    responses = next(
        g["responses"] for g in goldens if any(e["records"] for e in g["responses"].values())
    )
    changed = json.loads(json.dumps(responses))
    url = next(url for url, entry in responses.items() if entry["records"])
    del changed[url]["records"][0]["title"]
    title = responses[url]["records"][0]["title"]
    found = list(differences(responses, changed))
    assert found == [f".{url}.records[0].title: missing (expected {title!r:.120})"]
