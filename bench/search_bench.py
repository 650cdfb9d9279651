"""Search and bill-history latency on SQLite at scale, against a LIKE scan in the same run.

Documents are the real recorded texts (162 LEGISinfo bills of session 45-1 with their EN/FR
titles and stage dates, 44 Canada News Centre statements) repeated with new ids until
--documents is reached. A search = the full-text candidates of the query's required terms,
their count, and the newest page evaluated exactly with the alert query language; each
query runs once untimed first (a serving process has its pages cached), the LIKE baseline
runs cold and warm alike since it reads the whole table each time.
The last line printed is one JSON object: {search_p95_ms, history_p95_ms, ratio_vs_like,
find_relevance_p95_ms, find_newest_p95_ms}: the last two time alerts.finder.find (every
candidate evaluated, first page built) ranked by relevance and newest first, in the same run.

    python -m bench.search_bench [--documents 1000000] [--db PATH] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
from sqlalchemy import Engine, func, insert, or_, select
from sqlalchemy.orm import Session

from alerts.finder import Filters, Scope, Sort, find
from alerts.query import MatchDocument, parse
from models import BillEvent, Document, Source
from models.db import make_engine, upgrade
from models.fulltext import documents_containing_any, newest_containing_any
from models.text import reference_key

ROOT = Path(__file__).resolve().parent.parent
BILLS = ROOT / "cassettes/ca-legisinfo-bills/bodies/bills_json_parlsession-45-1_ingenium-bcf.json"
NEWS = (
    ROOT
    / "cassettes/ca-gc-news/bodies"
    / ("canada-news-centre_manitoba_en_updated-2018-10-25_wet-boew.atom.xml")
)
QUERIES = (
    "pornography",
    '"young persons" AND online',
    "child* AND (exploitation OR abuse)",
    "criminal AND code -firearms",
    '"first nations" OR autochtones',
    "accès AND ligne",
    "title:protection",
    "sécurité OR safety",
)
PLACES = ("ca", "uk", "us", "au", "nz")
STAGE_FIELDS = {
    "PassedHouseFirstReadingDateTime": ("House of Commons", "First reading"),
    "PassedHouseSecondReadingDateTime": ("House of Commons", "Second reading"),
    "PassedHouseThirdReadingDateTime": ("House of Commons", "Third reading"),
    "PassedSenateFirstReadingDateTime": ("Senate", "First reading"),
    "PassedSenateSecondReadingDateTime": ("Senate", "Second reading"),
    "PassedSenateThirdReadingDateTime": ("Senate", "Third reading"),
    "ReceivedRoyalAssentDateTime": ("Senate", "Royal assent"),
}
PAGE = 20
BATCH = 20_000


@dataclass(frozen=True)
class Template:
    kind: str
    reference: str
    title: str
    title_alt: str
    summary: str
    body_text: str
    stage: str
    published_on: date | None
    events: list[tuple[str, str, date]]


def _day(raw: str | None) -> date | None:
    return datetime.fromisoformat(raw).date() if raw else None


def bill_templates() -> list[Template]:
    bills: list[dict[str, Any]] = json.loads(BILLS.read_text(encoding="utf-8"))
    templates = []
    for bill in bills:
        events = [
            (chamber, stage, day)
            for field, (chamber, stage) in STAGE_FIELDS.items()
            if (day := _day(bill.get(field)))
        ]
        templates.append(
            Template(
                "bill",
                bill["BillNumberFormatted"],
                bill["ShortTitleEn"] or bill["LongTitleEn"],
                bill["ShortTitleFr"] or bill["LongTitleFr"],
                f"{bill['LongTitleEn']}\n{bill['LongTitleFr']}",
                "",
                bill["CurrentStatusEn"] or "",
                min((e[2] for e in events), default=None),
                sorted(events, key=lambda e: e[2]),
            )
        )
    return templates


def statement_templates() -> list[Template]:
    feed = feedparser.parse(NEWS.read_bytes())
    return [
        Template(
            "statement",
            "",
            entry.title,
            "",
            "",
            entry.get("summary", ""),
            "",
            date(*entry.updated_parsed[:3]),
            [],
        )
        for entry in feed.entries
    ]


def _rows(templates: list[Template], start: int, stop: int) -> Iterator[dict[str, Any]]:
    for number in range(start, stop):
        template = templates[number % len(templates)]
        yield {
            "id": number + 1,
            "source_id": 1,
            "external_id": str(number),
            "kind": template.kind,
            "jurisdiction": PLACES[number % len(PLACES)],
            "reference": template.reference,
            "reference_key": reference_key(template.reference),
            "title": template.title,
            "title_alt": template.title_alt,
            "summary": template.summary,
            "body_text": template.body_text,
            "current_stage": template.stage,
            "published_on": template.published_on,
            "topics": [],
            "extra": {},
        }


def _events(templates: list[Template], start: int, stop: int) -> Iterator[dict[str, Any]]:
    for number in range(start, stop):
        for sequence, (chamber, stage, day) in enumerate(templates[number % len(templates)].events):
            yield {
                "document_id": number + 1,
                "key": f"{chamber}:{stage}",
                "occurred_on": day,
                "chamber": chamber,
                "stage": stage,
                "sequence": sequence,
            }


def build(engine: Engine, documents: int) -> None:
    upgrade(engine)
    templates = bill_templates() + statement_templates()
    with Session(engine) as session:
        session.add(Source(id=1, slug="bench", jurisdiction="ca", kind="bills"))
        session.commit()
        for start in range(0, documents, BATCH):
            stop = min(start + BATCH, documents)
            session.execute(insert(Document), list(_rows(templates, start, stop)))
            if events := list(_events(templates, start, stop)):
                session.execute(insert(BillEvent), events)
            session.commit()
            print(f"built {stop:,} documents", flush=True)


def indexed_search(session: Session, text: str) -> tuple[int, int]:
    """(candidates, exact hits on the newest page) through the full-text index."""
    query = parse(text)
    keys = query.required_terms or frozenset()
    counted = select(func.count()).select_from(documents_containing_any(session, keys).subquery())
    total = session.scalar(counted) or 0
    page_ids = newest_containing_any(session, keys, PAGE * 3)
    newest = select(Document).where(Document.id.in_(page_ids)).order_by(Document.id.desc())
    hits = 0
    for document in session.scalars(newest):
        hits += query.match(MatchDocument.from_document(document)) is not None
        if hits == PAGE:
            break
    return total, hits


def like_search(session: Session, text: str) -> tuple[int, int]:
    """The baseline: the same required terms as LIKE over every indexed column."""
    keys = parse(text).required_terms or frozenset()
    columns = (Document.title, Document.title_alt, Document.summary, Document.body_text)
    condition = or_(*(column.ilike(f"%{key.rstrip('*')}%") for key in keys for column in columns))
    total = session.scalar(select(func.count()).where(condition)) or 0
    page = session.scalars(
        select(Document.id).where(condition).order_by(Document.id.desc()).limit(PAGE)
    )
    return total, len(page.all())


def finder_search(session: Session, text: str, sort: Sort) -> int:
    """alerts.finder.find's first page, in `sort` order, over every document."""
    return find(session, Filters(query=text, limit=PAGE, sort=sort, scope=Scope.ALL)).total


def history(session: Session, bill_id: int) -> int:
    statement = (
        select(BillEvent)
        .where(BillEvent.document_id == bill_id)
        .order_by(BillEvent.occurred_on, BillEvent.sequence)
    )
    return len(session.scalars(statement).all())


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:>10}: p50 {statistics.median(samples):8.2f} ms  p95 {p95(samples):8.2f} ms"
        f"  ({len(samples)} runs)"
    )


def measure(engine: Engine, documents: int, repeat: int) -> dict[str, float]:
    bills = random.Random(7)
    with Session(engine) as session:
        for text in QUERIES:  # one untimed pass: a serving process has its pages cached
            indexed_search(session, text)
        search_ms = [
            ms for text in QUERIES for ms in timed(partial(indexed_search, session, text), repeat)
        ]
        like_ms = [ms for text in QUERIES for ms in timed(partial(like_search, session, text), 1)]
        history_ms = timed(lambda: history(session, bills.randrange(1, documents + 1)), repeat * 20)
        found_ms = {
            sort: [
                ms
                for text in QUERIES
                for ms in timed(partial(finder_search, session, text, sort), 1)
            ]
            for sort in Sort
        }
    timings = {"search": search_ms, "LIKE scan": like_ms, "history": history_ms}
    timings |= {f"find {sort}": ms for sort, ms in found_ms.items()}
    for name, samples in timings.items():
        report(name, samples)
    return {
        **{f"find_{sort}_p95_ms": round(p95(ms), 2) for sort, ms in found_ms.items()},
        "search_p95_ms": round(p95(search_ms), 2),
        "history_p95_ms": round(p95(history_ms), 2),
        "ratio_vs_like": round(statistics.median(like_ms) / statistics.median(search_ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (kept between runs)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the file even if present")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    args = parser.parse_args()
    path = args.db or Path(f"var/bench/search-{args.documents}.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    if args.rebuild:
        path.unlink(missing_ok=True)
    fresh = not path.exists()
    engine = make_engine(f"sqlite:///{path}")
    if fresh:
        build(engine, args.documents)
    print(f"{args.documents:,} documents in {path}")
    print(json.dumps(measure(engine, args.documents, args.repeat)))


if __name__ == "__main__":
    main()
