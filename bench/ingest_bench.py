"""Ingestion throughput: a cassette shaped like a session's backlog, through the whole pipeline.

A session brings ~16,150 bills (SESSION_BACKLOG), 93% of them US. The scaled cassette (built in
a temp dir) holds --bills bills in that proportion. It is DERIVED from real recorded bodies;
only ids vary:
- US (us-govinfo-billstatus, the key-free bulk source a catch-up reads): the real sitemap index
  (cassettes/us-govinfo-billstatus), unchanged; the four congress+type sitemaps it lists that
  our files belong to (117hr, 117s, 117sconres, 114s) are urlsets in the index's own sitemaps.org
  schema listing the clones (the other 92 sitemaps are declared gaps); bill n is the real file
  n % 4 (GPO's samples hr6658, s35, sconres7, legacy s1300: 24-63 KB, heavier than most bills)
  with its bill number set to CLONE_BASE + n. One request per bill.
- Everyone else (UK, Canada, Australia, New Zealand: ~7% of the backlog) as uk-bills, the
  costliest bill path we have (three requests a bill, 41 publications): list pages
  /Bills?...&Skip=N from the real first list page of cassettes/uk-bills (20 real bills, bill n
  is item n % 20 with billId = CLONE_BASE + n, shortTitle suffixed " [copy n]"); every
  /Bills/{id} is bill 2818's real detail, /Stages its real stages, /Publications bill 512's real
  publications (tests/fixtures/real/uk-publications).
The crawl is `python -m crawlers.process --jobs J --replay DIR uk-bills us-govinfo-billstatus`
(`fivewatch crawl --jobs J`: the real Scrapy engine, replay middleware, validate + store
pipelines; with J = 2 each source in its own process), timed whole, into a fresh SQLite DB whose
watermarks are 1900: a backlog catch-up reads everything. Measured with --jobs (default 2)
and with one process.
The baseline, in the same run: the same records (built by the spiders' own functions from the
same bodies) inserted row by row into another fresh SQLite DB: one INSERT per row per table, a
commit per row, no change detection. Also timed: the same records stored as the store pipeline
stores them (models.store.upsert_documents, STORE_BATCH per transaction, with change
detection) without the crawl.
Same-instant statements (issue #15): a SYNTHETIC ca-gc-news feed (tests/crawlers/synthetic_feed.py)
of --same-instant entries that all share one publication instant, each with its full text (no
page to fetch), crawled the same way into a fresh DB: translation pairing looks up statements by
instant, and once loaded every same-instant statement per entry (quadratic). The last line
printed is one JSON object.

    python -m bench.ingest_bench [--bills 20000] [--jobs 2] [--same-instant 2000]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crawlers.pipelines import STORE_BATCH
from crawlers.process import sync_sources
from crawlers.spiders.uk.bill_publications import parse_publications
from crawlers.spiders.uk.bills_api import API, PAGE_SIZE, UkBillsSpider, bill_record, list_url
from crawlers.spiders.us.bill_mapping import bill_record as us_bill_record
from crawlers.spiders.us.billstatus_xml import FILE_URL, INDEX_URL, parse_billstatus
from crawlers.spiders.us.govinfo_billstatus import UsGovinfoBillstatusSpider
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
from tests.crawlers.synthetic_feed import SLUG as FEED_SLUG
from tests.crawlers.synthetic_feed import Entry
from tests.crawlers.synthetic_feed import build_cassette as build_feed_cassette

ROOT = Path(__file__).resolve().parent.parent
UK_BODIES = ROOT / "cassettes/uk-bills/bodies"
LIST_BODY = UK_BODIES / "bills_page1_snommoc.json"
DETAIL_BODY = UK_BODIES / "bill-2818_EDITED_snommoc.json"
STAGES_BODY = UK_BODIES / "bill-2818_stages_snommoc.json"
PUBLICATIONS_BODY = ROOT / "tests/fixtures/real/uk-publications/bill-512_publications_snommoc.json"
US_BODIES = ROOT / "cassettes/us-govinfo-billstatus/bodies"
US_INDEX_BODY = US_BODIES / "BILLSTATUS_sitemapindex_Kourpa-cache_2025-02.xml"
# The real bill files (GPO's samples): congress, type, and the tag holding the bill's number.
US_FILES = (
    ("v3_BILLSTATUS-117hr6658.xml", "117", "hr", "number"),
    ("v3_BILLSTATUS-117s35.xml", "117", "s", "number"),
    ("v3_BILLSTATUS-117sconres7.xml", "117", "sconres", "number"),
    ("legacy_BILLSTATUS-114s1300.xml", "114", "s", "billNumber"),
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
UK_SLUG = UkBillsSpider.name
US_SLUG = UsGovinfoBillstatusSpider.name
CLONE_BASE = 1_000_000  # above every real bill number, so clones never collide with real bills
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


def backlog_split(bills: int) -> tuple[int, int]:
    """(US bills, the others') in a session backlog's proportion."""
    us = round(bills * SESSION_BACKLOG["us"] / sum(SESSION_BACKLOG.values()))
    return us, bills - us


# --- the UK part: list pages, and three requests a bill ---------------------------------------


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


def _exchange(url: str, body: str, recorded_url: str, kind: str = "json") -> dict[str, Any]:
    return {
        "method": "GET",
        "url": url,
        "status": 200,
        "headers": {"content-type": f"application/{kind}"},
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


def build_uk_cassette(folder: Path, bills: list[dict[str, Any]]) -> int:
    """Write the UK cassette; returns how many exchanges it holds."""
    (folder / "bodies").mkdir(parents=True)
    for source, name in (
        (DETAIL_BODY, "detail"),
        (STAGES_BODY, "stages"),
        (PUBLICATIONS_BODY, "publications"),
    ):
        (folder / f"bodies/{name}.json").write_bytes(source.read_bytes())
    lines = [*_list_exchanges(folder, bills)]
    lines += [line for bill in bills for line in _bill_exchanges(int(bill["billId"]))]
    return _write_index(folder, lines)


def _write_index(folder: Path, lines: list[dict[str, Any]]) -> int:
    (folder / "index.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / "PROVENANCE.md").write_text(f"Derived by bench/ingest_bench.py:\n{__doc__}")
    return len(lines)


# --- the US part: the real sitemap index, urlsets of the clones, a request a bill --------------


@dataclass(frozen=True)
class UsClone:
    number: int
    congress: str
    type: str
    real: str  # the real file it is a copy of
    number_tag: str

    @property
    def url(self) -> str:
        return FILE_URL.format(congress=self.congress, type=self.type, number=self.number)

    @property
    def sitemap_url(self) -> str:
        return f"https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/{self.congress}{self.type}/sitemap.xml"

    def body(self) -> bytes:
        """The real file with the bill's own number (its first number tag) set to ours."""
        tag = self.number_tag.encode()
        pattern = re.compile(rb"<" + tag + rb">\d+</" + tag + rb">")
        replacement = b"<%s>%d</%s>" % (tag, self.number, tag)
        return pattern.sub(replacement, (US_BODIES / self.real).read_bytes(), count=1)


def us_clones(count: int) -> list[UsClone]:
    clones = []
    for n in range(count):
        real, congress, kind, number_tag = US_FILES[n % len(US_FILES)]
        clones.append(UsClone(CLONE_BASE + n, congress, kind, real, number_tag))
    return clones


def _urlset(clones: list[UsClone], lastmod: str) -> bytes:
    """A sitemap of the clones, in the sitemaps.org schema the real index uses."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})  # type: ignore[dict-item]  # lxml: None = default namespace
    for clone in clones:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = clone.url
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _index_sitemaps() -> list[tuple[str, str]]:
    """(loc, lastmod) of every sitemap the real index lists."""
    root = etree.fromstring(US_INDEX_BODY.read_bytes())
    ns = {"sm": SITEMAP_NS}
    return [
        (entry.findtext("sm:loc", "", ns).strip(), entry.findtext("sm:lastmod", "", ns).strip())
        for entry in root.findall("sm:sitemap", ns)
    ]


def build_us_cassette(folder: Path, clones: list[UsClone]) -> int:
    """Write the US cassette; returns how many exchanges it holds."""
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies/index.xml").write_bytes(US_INDEX_BODY.read_bytes())
    lines = [_exchange(INDEX_URL, "bodies/index.xml", INDEX_URL, "xml")]
    by_sitemap: dict[str, list[UsClone]] = {}
    for clone in clones:
        by_sitemap.setdefault(clone.sitemap_url, []).append(clone)
    for number, (loc, lastmod) in enumerate(_index_sitemaps()):
        if loc not in by_sitemap:
            lines.append({"method": "GET", "url": loc, "gap": "not in the bench's cassette"})
            continue
        name = f"bodies/sitemap{number}.xml"
        (folder / name).write_bytes(_urlset(by_sitemap[loc], lastmod))
        lines.append(_exchange(loc, name, f"{loc} (derived: a urlset of the clones)", "xml"))
    for clone in clones:
        name = f"bodies/{clone.number}.xml"
        (folder / name).write_bytes(clone.body())
        lines.append(_exchange(clone.url, name, f"{clone.real} (bill number varied)", "xml"))
    return _write_index(folder, lines)


def build_cassettes(folder: Path, uk_bills: list[dict[str, Any]], clones: list[UsClone]) -> int:
    """Both cassettes under `folder` (replayed merged); how many exchanges they hold."""
    return build_uk_cassette(folder / UK_SLUG, uk_bills) + build_us_cassette(
        folder / US_SLUG, clones
    )


# --- the databases ----------------------------------------------------------------------------


def fresh_database(path: Path, watermark: str | None = None) -> str:
    """A migrated SQLite DB with every source row; both bill sources' watermarks set when given."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        sync_sources(session)
        if watermark is not None:
            bills = Source.slug.in_((UK_SLUG, US_SLUG))
            session.execute(update(Source).where(bills).values(watermark=watermark))
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


def crawl(
    cassettes: Path, url: str, log: Path, jobs: int, slugs: tuple[str, ...] = (UK_SLUG, US_SLUG)
) -> float:
    """Seconds the whole crawl takes (start-up included); raises when it fails."""
    command = [sys.executable, "-m", "crawlers.process", "--database-url", url]
    command += ["--jobs", str(jobs), "--replay", str(cassettes), *slugs]
    started = time.perf_counter()
    with log.open("w") as stderr:
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    return time.perf_counter() - started


def expected_records(uk_bills: list[dict[str, Any]], clones: list[UsClone]) -> list[DocumentRecord]:
    """The records the spiders make of the cloned bills, from the same real bodies."""
    detail = _read_json(DETAIL_BODY)
    stages = _read_json(STAGES_BODY)["items"]
    publications = parse_publications(_read_json(PUBLICATIONS_BODY))
    now = datetime.now(UTC)
    uk = [
        bill_record(
            bill,
            detail,
            stages,
            source_url=f"{API}/{bill['billId']}/Publications",
            publications=publications,
        )
        for bill in uk_bills
    ]
    us = [
        us_bill_record(
            parse_billstatus(clone.body()), source=US_SLUG, source_url=clone.url, fetched_at=now
        )
        for clone in clones
    ]
    return uk + us


def _source_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Source.slug, Source.id)).all())


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
        _commit(session, new_event(document, event, sequence, now, record.source))
    version = DocumentVersion(
        document=document, number=1, content_hash=document.content_hash, fields=fields
    )
    _commit(session, version)
    _commit(session, Change(key=f"doc:{document.id}", kind="new_document", document=document))


def baseline(url: str, records: list[DocumentRecord]) -> float:
    """Seconds to insert `records` row by row into the DB at `url`."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        source_ids = _source_ids(session)
        started = time.perf_counter()
        for record in records:
            insert_row_by_row(session, source_ids[record.source], record)
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def store_in_batches(url: str, records: list[DocumentRecord]) -> float:
    """Seconds to store `records` as the store pipeline does, without the crawl around it."""
    engine = make_engine(url)
    with Session(engine) as session:
        sources = {source.slug: source for source in session.scalars(select(Source))}
        started = time.perf_counter()
        for slug in (UK_SLUG, US_SLUG):
            mine = [record for record in records if record.source == slug]
            for start in range(0, len(mine), STORE_BATCH):
                batch = mine[start : start + STORE_BATCH]
                upsert_documents(session, sources[slug], batch, datetime.now(UTC))
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


def timed_crawl(workdir: Path, name: str, jobs: int) -> tuple[float, Counts]:
    url = fresh_database(workdir / f"{name}.db", BACKLOG_WATERMARK)
    seconds = crawl(workdir / "cassettes", url, workdir / f"{name}.log", jobs)
    return seconds, count_rows(url)


def run(bill_count: int, jobs: int, workdir: Path) -> dict[str, Any]:
    us_count, uk_count = backlog_split(bill_count)
    uk_bills, clones = cloned_bills(uk_count), us_clones(us_count)
    exchanges = build_cassettes(workdir / "cassettes", uk_bills, clones)
    crawl_s, crawled = timed_crawl(workdir, "crawl", jobs)
    one_process_s, one_process = timed_crawl(workdir, "one-process", 1)
    assert one_process == crawled, "one process and child processes stored different rows"
    records = expected_records(uk_bills, clones)
    baseline_url = fresh_database(workdir / "baseline.db")
    baseline_s = baseline(baseline_url, records)
    inserted = count_rows(baseline_url)
    batched_url = fresh_database(workdir / "batched.db")
    batched_s = store_in_batches(batched_url, records)
    assert count_rows(batched_url) == inserted, "the batched store and the baseline disagree"
    assert crawled.documents == bill_count, f"{crawled.documents} of {bill_count} bills stored"
    return {
        "bills": bill_count,
        "us_bills": us_count,
        "other_bills": uk_count,
        "jobs": jobs,
        "exchanges": exchanges,
        "crawl_s": round(crawl_s, 3),
        "bills_per_s": round(crawled.documents / crawl_s, 1),
        "one_process_s": round(one_process_s, 3),
        "one_process_bills_per_s": round(one_process.documents / one_process_s, 1),
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


def same_instant(entries: int, workdir: Path) -> dict[str, Any]:
    """Seconds to crawl `entries` SYNTHETIC statements published at one instant."""
    folder = workdir / "same-instant"
    build_feed_cassette(folder / FEED_SLUG, [Entry(n, full=True) for n in range(entries)])
    url = fresh_database(workdir / "same-instant.db")
    seconds = crawl(folder, url, workdir / "same-instant.log", 1, (FEED_SLUG,))
    stored = count_rows(url).documents
    assert stored == entries, f"{stored} of {entries} same-instant statements stored"
    return {
        "same_instant_entries": entries,
        "same_instant_s": round(seconds, 3),
        "same_instant_entries_per_s": round(entries / seconds, 1),
    }


def report(figures: dict[str, Any]) -> None:
    print(
        f"pipeline, {figures['jobs']} processes: {figures['documents']:,} of "
        f"{figures['bills']:,} bills stored ({figures['us_bills']:,} US, "
        f"{figures['other_bills']:,} others; {figures['events']:,} events, "
        f"{figures['changes']:,} changes) from {figures['exchanges']:,} replayed exchanges in "
        f"{figures['crawl_s']:.1f} s: {figures['bills_per_s']:,.1f} bills/s"
    )
    print(
        f"pipeline, one process: {figures['one_process_s']:.1f} s: "
        f"{figures['one_process_bills_per_s']:,.1f} bills/s"
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
    print(
        f"same-instant statements: {figures['same_instant_entries']:,} entries at one instant in "
        f"{figures['same_instant_s']:.1f} s: {figures['same_instant_entries_per_s']:,.1f} entries/s"
    )
    lines, seconds = backlog_lines(figures["bills_per_s"])
    print("\n".join(lines))
    print(json.dumps({**figures, "session_backlog_s": round(seconds, 1), "target_s": TARGET_S}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench", description=__doc__)
    parser.add_argument("--bills", type=int, default=20_000, help="bills in the scaled cassette")
    parser.add_argument("--jobs", type=int, default=2, help="crawl processes (fivewatch crawl)")
    parser.add_argument(
        "--same-instant", type=int, default=2_000, help="statements sharing one instant"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        figures = run(args.bills, args.jobs, Path(folder))
        report({**figures, **same_instant(args.same_instant, Path(folder))})


if __name__ == "__main__":
    main()
