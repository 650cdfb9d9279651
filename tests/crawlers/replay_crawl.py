"""Running crawls through the real Scrapy engine in a subprocess, and building test cassettes.

The reactor cannot restart, so each crawl is `python -m crawlers.process` in its own process.
Changed cassettes are built in tmp_path from the project's real ones, inside the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models import BillEvent, Change, CrawlRun, Document, DocumentVersion, Source
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes"


def crawl(
    db_url: str, cassette: Path, *slugs: str, record: Path | None = None, jobs: int = 1
) -> str:
    command = [sys.executable, "-m", "crawlers.process", "--database-url", db_url]
    command += ["--jobs", str(jobs)]
    if record is not None:
        command += ["--record", str(record)]
    done = subprocess.run(
        [*command, "--replay", str(cassette), *slugs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def copy_cassette(tmp_path: Path, slug: str) -> Path:
    target = tmp_path / "cassettes" / slug
    shutil.copytree(CASSETTES / slug, target)
    return target


def index_lines(cassette: Path) -> list[dict[str, Any]]:
    text = (cassette / "index.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def edit_index(
    cassette: Path, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> None:
    lines = edit(index_lines(cassette))
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (cassette / "index.jsonl").write_text(text, encoding="utf-8")


def edit_body(cassette: Path, url: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite the body served for `url` (derived from the real one by `edit`)."""
    line = next(line for line in index_lines(cassette) if line["url"] == url)
    path = cassette / line["body"]
    path.write_bytes(edit(path.read_bytes()))


def edit_json(edit: Callable[[Any], Any]) -> Callable[[bytes], bytes]:
    def rewrite(body: bytes) -> bytes:
        return json.dumps(edit(json.loads(body))).encode("utf-8")

    return rewrite


def last_run(engine: Engine, slug: str) -> CrawlRun:
    with Session(engine) as session:
        query = select(CrawlRun).join(Source).where(Source.slug == slug)
        run = session.scalars(query.order_by(CrawlRun.id.desc())).first()
        assert run is not None
        return run


def source(engine: Engine, slug: str) -> Source:
    with Session(engine) as session:
        return session.scalars(select(Source).where(Source.slug == slug)).one()


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            "documents": session.scalar(select(func.count(Document.id))) or 0,
            "events": session.scalar(select(func.count(BillEvent.id))) or 0,
            "versions": session.scalar(select(func.count(DocumentVersion.id))) or 0,
            "changes": session.scalar(select(func.count(Change.id))) or 0,
        }


def stored_documents(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored document's content, to compare before and after a bad run."""
    with Session(engine) as session:
        documents = session.scalars(select(Document).order_by(Document.id))
        return [(d.external_id, d.title, d.content_hash, d.current_stage) for d in documents]
