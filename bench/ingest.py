"""Ingestion throughput: a real cassette scaled to --bills bills, through the whole pipeline.

The scaled cassette (built in a temp dir) is DERIVED from real recorded bodies; only ids vary:
- list pages /Bills?...&Skip=N: the real first list page of cassettes/uk-bills (20 real bills);
  bill n (0-based) is item n % 20 cloned with billId = CLONE_BASE + n and shortTitle suffixed
  " [copy n]"; totalResults = --bills, so the spider pages through all of them.
- every bill's /Bills/{id} is bill 2818's real detail body and /Bills/{id}/Stages its real
  stages body (cassettes/uk-bills); /Bills/{id}/Publications is bill 512's real publications
  body (tests/fixtures/real/uk-publications). One file each, every URL of that kind points to it.
The crawl is `python -m crawlers.process --replay DIR uk-bills` in a subprocess (the real Scrapy
engine, replay middleware, validate + store pipelines), timed whole, into a fresh SQLite DB whose
uk-bills watermark is 1900: a backlog catch-up reads every page (a first run reads only two).
The baseline, in the same run: the same records (built by the spider's own bill_record) inserted
row by row into another fresh SQLite DB: one INSERT per row per table, a commit per row, no
change detection. Also timed, to show what the storing itself costs: the same records stored
as the store pipeline stores them (models.store.upsert_documents, STORE_BATCH per transaction,
with change detection) without the crawl. The last line printed is one JSON object.

    python -m bench.ingest [--bills 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crawlers.pipelines import STORE_BATCH
from crawlers.process import sync_sources
from crawlers.spiders.uk_bills import API, PAGE_SIZE, UkBillsSpider, bill_record, list_url
from crawlers.spiders.uk_publications import parse_publications
from models.db import make_engine, upgrade
from models.documents import BillEvent, Change, Document, DocumentVersion
from models.records import DocumentRecord
from models.sources import Source
from models.store import (
    apply_record,
    content_hash,
    new_event,
    upsert_documents,
    versioned_fields,
)

ROOT = Path(__file__).resolve().parent.parent
UK_BODIES = ROOT / "cassettes/uk-bills/bodies"
LIST_BODY = UK_BODIES / "bills_page1_snommoc.json"
DETAIL_BODY = UK_BODIES / "bill-2818_EDITED_snommoc.json"
STAGES_BODY = UK_BODIES / "bill-2818_stages_snommoc.json"
PUBLICATIONS_BODY = ROOT / "tests/fixtures/real/uk-publications/bill-512_publications_snommoc.json"
SLUG = UkBillsSpider.name
CLONE_BASE = 1_000_000  # above every real billId, so clones never collide with real bills
BACKLOG_WATERMARK = "1900-01-01T00:00:00+00:00"
# Bills a parliamentary session brings, per jurisdiction (orders of magnitude, DESIGN §1).
SESSION_BACKLOG = {"uk": 300, "us": 15_000, "ca": 400, "au": 250, "nz": 200}
TARGET_S = 60.0


@dataclass(frozen=True)
class Counts:
    documents: int
    events: int
    versions: int
    changes: int

    @property
    def rows(self) -> int:
        return self.documents + self.events + self.versions + self.changes


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cloned_bills(count: int) -> list[dict[str, Any]]:
    """`count` list entries: the real page's 20 cycled, each with its own id and title."""
    real = _read_json(LIST_BODY)["items"]
    return [
        {
            **real[n % len(real)],
            "billId": CLONE_BASE + n,
            "shortTitle": f"{real[n % len(real)]['shortTitle']} [copy {n}]",
        }
        for n in range(count)
    ]


def _exchange(url: str, body: str, recorded_url: str) -> dict[str, Any]:
    return {
        "method": "GET",
        "url": url,
        "status": 200,
        "headers": {"content-type": "application/json"},
        "body": body,
        "recorded_at": None,
        "recorded_url": recorded_url,
    }


def _list_exchanges(folder: Path, bills: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for skip in range(0, len(bills), PAGE_SIZE):
        page = {"items": bills[skip : skip + PAGE_SIZE], "totalResults": len(bills)}
        name = f"bodies/list_skip{skip}.json"
        (folder / name).write_text(json.dumps({**page, "itemsPerPage": PAGE_SIZE}))
        yield _exchange(list_url(skip), name, f"{API} (real page 1, ids and titles varied)")


def _bill_exchanges(bill_id: int) -> Iterator[dict[str, Any]]:
    yield _exchange(f"{API}/{bill_id}", "bodies/detail.json", f"{API}/2818")
    yield _exchange(f"{API}/{bill_id}/Stages", "bodies/stages.json", f"{API}/2818/Stages")
    yield _exchange(
        f"{API}/{bill_id}/Publications", "bodies/publications.json", f"{API}/512/Publications"
    )


def build_cassette(folder: Path, bills: list[dict[str, Any]]) -> int:
    """Write the scaled cassette; returns how many exchanges it holds."""
    (folder / "bodies").mkdir(parents=True)
    for source, name in (
        (DETAIL_BODY, "detail"),
        (STAGES_BODY, "stages"),
        (PUBLICATIONS_BODY, "publications"),
    ):
        (folder / f"bodies/{name}.json").write_bytes(source.read_bytes())
    lines = [*_list_exchanges(folder, bills)]
    lines += [line for bill in bills for line in _bill_exchanges(int(bill["billId"]))]
    (folder / "index.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / "PROVENANCE.md").write_text(f"Derived by bench/ingest.py:\n{__doc__}")
    return len(lines)


def fresh_database(path: Path, watermark: str | None = None) -> str:
    """A migrated SQLite DB with every source row; uk-bills' watermark set when given."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_sources(session)
        if watermark is not None:
            session.execute(update(Source).where(Source.slug == SLUG).values(watermark=watermark))
        session.commit()
    engine.dispose()
    return url


def count_rows(url: str) -> Counts:
    engine = make_engine(url)
    with Session(engine) as session:
        counts = Counts(
            *(
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Document, BillEvent, DocumentVersion, Change)
            )
        )
    engine.dispose()
    return counts


def crawl(cassette: Path, url: str, log: Path) -> float:
    """Seconds the whole crawl process takes (start-up included); raises when it fails."""
    command = [sys.executable, "-m", "crawlers.process", "--database-url", url]
    started = time.perf_counter()
    with log.open("w") as stderr:
        subprocess.run(
            [*command, "--replay", str(cassette), SLUG],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return time.perf_counter() - started


def expected_records(bills: list[dict[str, Any]]) -> list[DocumentRecord]:
    """The records the spider makes of the cloned bills, from the same real bodies."""
    detail = _read_json(DETAIL_BODY)
    stages = _read_json(STAGES_BODY)["items"]
    publications = parse_publications(_read_json(PUBLICATIONS_BODY))
    return [
        bill_record(
            bill,
            detail,
            stages,
            source_url=f"{API}/{bill['billId']}/Publications",
            publications=publications,
        )
        for bill in bills
    ]


def _commit(session: Session, row: Any) -> Any:
    session.add(row)
    session.commit()
    return row


def insert_row_by_row(session: Session, source_id: int, record: DocumentRecord) -> None:
    """The naive store: each row its own INSERT and commit; nothing looked up or compared."""
    now = datetime.now(UTC)
    document = Document(source_id=source_id, external_id=record.external_id, first_seen_at=now)
    apply_record(document, record, now)
    fields = versioned_fields(record)
    document.content_hash = content_hash(fields)
    _commit(session, document)
    for sequence, event in enumerate(record.events):
        _commit(session, new_event(document, event, sequence, now))
    version = DocumentVersion(
        document=document, number=1, content_hash=document.content_hash, fields=fields
    )
    _commit(session, version)
    _commit(session, Change(key=f"doc:{document.id}", kind="new_document", document=document))


def baseline(url: str, records: list[DocumentRecord]) -> float:
    """Seconds to insert `records` row by row into the DB at `url`."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        source_id = session.scalars(select(Source.id).where(Source.slug == SLUG)).one()
        started = time.perf_counter()
        for record in records:
            insert_row_by_row(session, source_id, record)
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def store_in_batches(url: str, records: list[DocumentRecord]) -> float:
    """Seconds to store `records` as the store pipeline does, without the crawl around it."""
    engine = make_engine(url)
    with Session(engine) as session:
        source = session.scalars(select(Source).where(Source.slug == SLUG)).one()
        started = time.perf_counter()
        for start in range(0, len(records), STORE_BATCH):
            upsert_documents(
                session, source, records[start : start + STORE_BATCH], datetime.now(UTC)
            )
            session.commit()
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def backlog_lines(bills_per_s: float) -> tuple[list[str], float]:
    total = sum(SESSION_BACKLOG.values())
    parts = ", ".join(f"{place.upper()} ~{n:,}" for place, n in SESSION_BACKLOG.items())
    seconds = total / bills_per_s
    verdict = "MET" if seconds < TARGET_S else "MISSED"
    lines = [
        f"a session's backlog: {parts} = {total:,} bills -> {seconds:.1f} s at the measured rate",
        f"target (< {TARGET_S:.0f} s): {verdict}",
    ]
    return lines, seconds


def run(bill_count: int, workdir: Path) -> dict[str, Any]:
    bills = cloned_bills(bill_count)
    exchanges = build_cassette(workdir / "cassette", bills)
    crawl_url = fresh_database(workdir / "crawl.db", BACKLOG_WATERMARK)
    crawl_s = crawl(workdir / "cassette", crawl_url, workdir / "crawl.log")
    crawled = count_rows(crawl_url)
    records = expected_records(bills)
    baseline_url = fresh_database(workdir / "baseline.db")
    baseline_s = baseline(baseline_url, records)
    inserted = count_rows(baseline_url)
    batched_url = fresh_database(workdir / "batched.db")
    batched_s = store_in_batches(batched_url, records)
    assert count_rows(batched_url) == inserted, "the batched store and the baseline disagree"
    return {
        "bills": bill_count,
        "exchanges": exchanges,
        "crawl_s": round(crawl_s, 3),
        "bills_per_s": round(crawled.documents / crawl_s, 1),
        "documents": crawled.documents,
        "events": crawled.events,
        "versions": crawled.versions,
        "changes": crawled.changes,
        "baseline_s": round(baseline_s, 3),
        "baseline_rows": inserted.rows,
        "baseline_rows_per_s": round(inserted.rows / baseline_s, 1),
        "baseline_bills_per_s": round(inserted.documents / baseline_s, 1),
        "ratio_vs_row_by_row": round((crawled.documents / crawl_s) / (bill_count / baseline_s), 2),
        "store_only_bills_per_s": round(bill_count / batched_s, 1),
        "store_only_ratio_vs_row_by_row": round(baseline_s / batched_s, 2),
    }


def report(figures: dict[str, Any]) -> None:
    print(
        f"pipeline: {figures['documents']:,} of {figures['bills']:,} bills stored "
        f"({figures['events']:,} events, {figures['changes']:,} changes) from "
        f"{figures['exchanges']:,} replayed exchanges in {figures['crawl_s']:.1f} s: "
        f"{figures['bills_per_s']:,.1f} bills/s"
    )
    print(
        f"row-by-row baseline: {figures['baseline_rows']:,} rows in "
        f"{figures['baseline_s']:.1f} s: {figures['baseline_rows_per_s']:,.1f} rows/s "
        f"({figures['baseline_bills_per_s']:,.1f} bills/s)"
    )
    print(f"ratio pipeline / row-by-row: {figures['ratio_vs_row_by_row']:.2f}x")
    print(
        f"storing alone, in the pipeline's batches: {figures['store_only_bills_per_s']:,.1f} "
        f"bills/s ({figures['store_only_ratio_vs_row_by_row']:.2f}x row-by-row); the rest of "
        "the pipeline's time is the crawl (Scrapy, replay, parsing)"
    )
    lines, seconds = backlog_lines(figures["bills_per_s"])
    print("\n".join(lines))
    print(json.dumps({**figures, "session_backlog_s": round(seconds, 1), "target_s": TARGET_S}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--bills", type=int, default=20_000, help="bills in the scaled cassette")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        report(run(args.bills, Path(folder)))


if __name__ == "__main__":
    main()
