"""Matching throughput: the Monitor against evaluating every query and per-subscription FTS5.

Documents are the real recorded texts (titles, long titles and summaries found in the bodies
under cassettes/ and tests/alerts/fixtures/), recombined with new ids, jurisdictions and types.
Subscriptions are queries built from the topic taxonomy's terms (models/thesaurus.toml) and the
texts' own vocabulary, some with jurisdiction or type filters. In one run it measures, per size:
- monitor: subscriptions compiled as alerts.match compiles them, the documents matched as one
  batch (`Monitor.match_batch`, in C: alerts/query/_matcher.c, unless not built or
  FIVEWATCH_PURE_MATCHER=1; and again on the pure Python core, alerts.query.pure_matcher, the
  one installs without a C compiler run: its figures are "pure"), as FTS5 indexes the whole
  batch; timed: tokenising (documents are handed over untokenised), the batch's index of
  words and filters, the candidate queries from the term index, each evaluated once over the
  batch (phrases and NEAR checked on the documents holding their words), and its result: per
  document, the subscriptions matching it. Not timed:
  what an alert then reads of a match (hits, matched terms, best hit: positions, evaluated
  only when read) and its snippet; at --subscriptions extra figures read matched terms and
  best hit of every match too, and match per alerts.match.BATCH documents, the batch the
  product's matcher works in;
- naive: every query evaluated (`Query.match`, with positions) on every document (on a
  sample: --naive-documents at 10,000 subscriptions, scaled inversely with the subscription
  count);
- fts5: the batch indexed in an in-memory SQLite FTS5 table, then one MATCH per subscription
  whose query FTS5 can express (words, phrases, prefixes, AND/OR/NOT, NEAR, title:); at
  --subscriptions an extra figure does the same per alerts.match.BATCH documents, the batch
  the product's matcher works in.
Each way is timed up to its own result (the monitor's matches per document, FTS5's rows per
subscription, the naive loop's pairs); the (subscription, document) pairs they are compared
on are read from those results after the clock stops. All must return the same pairs on what
they share.
Rates are documents per CPU second of this process (`time.process_time`: other work on a
shared machine does not skew the ratios). At --subscriptions all --documents are matched; the
other sizes use the first --scale-documents. The last line printed is one JSON object
(figures at --subscriptions).

    python -m bench.match_bench [--subscriptions 10000] [--documents 10000] \\
        [--sizes 1000,10000,50000]
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from alerts.match import BATCH, Compiled, CompiledSubscriptions
from alerts.monitor import Monitor, document_frequency
from alerts.query import MatchDocument, parse
from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.core import MatcherCore, chosen_core, pure_core
from models.taxonomy import load_topics
from models.text import tokens

ROOT = Path(__file__).resolve().parent.parent
BODIES = (
    *sorted((ROOT / "cassettes").glob("*/bodies/*")),
    *(ROOT / "tests/alerts/fixtures").glob("*.json"),
)
TEXT_KEYS = re.compile(r"title|summary|description|text$", re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")
SUMMARY_LENGTH = 120  # longer harvested texts serve as summaries, shorter ones as titles
PLACES = ("us", "uk", "ca", "au", "nz")
KINDS = ("bill", "statement")
Pair = tuple[int, int]
Found = Callable[[], set[Pair]]  # a way's own result, read as (subscription, document) pairs


@dataclass(frozen=True)
class Corpus:
    titles: list[str]
    summaries: list[str]
    vocabulary: list[str]  # words of middling frequency: selective, yet found


def _clean(text: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", text)).split())


def _json_texts(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for name, child in value.items():
            yield from _json_texts(child, name)
    elif isinstance(value, list):
        for child in value:
            yield from _json_texts(child, key)
    elif isinstance(value, str) and TEXT_KEYS.search(key):
        yield value


def _xml_texts(body: bytes) -> Iterator[str]:
    # recover: one recorded feed is truncated mid-entry; its whole entries still count.
    root = etree.fromstring(body, etree.XMLParser(recover=True, resolve_entities=False))
    if root is None:  # nothing an XML parser could recover (an HTML page, say)
        return
    for element in root.iter(tag=etree.Element):
        tag = etree.QName(element).localname
        if TEXT_KEYS.search(tag) and element.text:
            yield element.text


def read_body(path: Path) -> bytes:
    """A recorded body as the parser sees it: byte-exact gzip bodies (ParlInfo) decompressed."""
    body = path.read_bytes()
    return gzip.decompress(body) if path.suffix == ".gz" else body


def harvested_texts() -> list[str]:
    """Every title, long title and summary in the recorded bodies, cleaned, once each."""
    found: list[str] = []
    for path in BODIES:
        body = read_body(path)
        is_json = path.name.removesuffix(".gz").endswith(".json")
        raw = _json_texts(json.loads(body)) if is_json else _xml_texts(body)
        found += [text for text in map(_clean, raw) if len(tokens(text)) >= 3]
    return list(dict.fromkeys(found))


def load_corpus() -> Corpus:
    texts = harvested_texts()
    frequency = Counter(word for text in texts for word in set(tokens(text)))
    vocabulary = [
        word
        for word, count in sorted(frequency.items())
        if word.isalpha() and len(word) >= 5 and 3 <= count <= len(texts) // 15
    ]
    return Corpus(
        titles=[text for text in texts if len(text) <= SUMMARY_LENGTH],
        summaries=[text for text in texts if len(text) > SUMMARY_LENGTH],
        vocabulary=vocabulary,
    )


def make_documents(corpus: Corpus, count: int, rng: random.Random) -> list[MatchDocument]:
    documents = []
    for number in range(count):
        title = rng.choice(corpus.titles)
        summary = "\n".join(rng.sample(corpus.summaries, rng.randint(1, 2)))
        documents.append(
            MatchDocument(
                title=title,
                text=f"{title}\n{summary}",
                jurisdiction=rng.choice(PLACES),
                kind=rng.choice(KINDS),
                reference=f"C-{number}",
            )
        )
    return documents


# --- subscriptions: queries from the taxonomy and the vocabulary -----------------------------


def topic_terms() -> list[list[str]]:
    return [[_as_query_term(term) for term in topic.terms] for topic in load_topics()]


def _as_query_term(term: str) -> str:
    return f'"{term}"' if " " in term else term


class QueryMaker:
    """Realistic query shapes: a topic's terms OR-ed, narrowed by a word, excluded, near..."""

    def __init__(self, corpus: Corpus, rng: random.Random) -> None:
        self.topics = topic_terms()
        self.words = corpus.vocabulary
        self.rng = rng

    def term(self) -> str:
        return self.rng.choice(self.rng.choice(self.topics))

    def either(self) -> str:
        topic = self.rng.choice(self.topics)
        return "(" + " OR ".join(self.rng.sample(topic, self.rng.randint(2, 4))) + ")"

    def word(self) -> str:
        return self.rng.choice(self.words)

    def prefix(self) -> str:
        word = self.word()
        return f"{word[: self.rng.randint(4, len(word))]}*"

    def make(self) -> str:
        shapes = (
            lambda: self.term(),
            lambda: self.either(),
            lambda: f"{self.either()} AND {self.word()}",
            lambda: f"{self.term()} -{self.word()}",
            lambda: f"title:{self.either()}",
            lambda: f"{self.word()} NEAR/{self.rng.randint(1, 8)} {self.word()}",
            lambda: f"{self.word()} {self.word()}",
            lambda: f"{self.prefix()} ({self.word()} OR {self.term()})",
            lambda: f'{self.word()} stage:"first reading"',
            lambda: f"{self.either()} type:statement",
        )
        return self.rng.choice(shapes)()


def make_subscriptions(corpus: Corpus, count: int, rng: random.Random) -> list[Compiled]:
    maker = QueryMaker(corpus, rng)
    return [
        Compiled(
            subscription_id=number,
            query=parse(maker.make()),
            jurisdictions=frozenset(
                rng.sample(PLACES, rng.randint(1, 2)) if rng.random() < 0.4 else ()
            ),
            doc_types=frozenset({rng.choice(KINDS)} if rng.random() < 0.2 else ()),
            include_events=True,
            followed_document_id=None,
        )
        for number in range(count)
    ]


# --- the three matchers ----------------------------------------------------------------------


def fresh(documents: list[MatchDocument]) -> list[MatchDocument]:
    """Untokenised copies, so each matcher pays for tokenising the batch itself."""
    return [
        MatchDocument(d.title, d.text, d.jurisdiction, d.kind, d.stage, d.reference)
        for d in documents
    ]


def compile_monitor(
    subscriptions: list[Compiled], sample: list[MatchDocument], core: MatcherCore
) -> Monitor[Compiled]:
    """As alerts.match compiles subscriptions (its own filters go into the Monitor too), on
    the matcher `core`."""
    compiled = CompiledSubscriptions(monitor=Monitor(document_frequency(fresh(sample)), core))
    for subscription in subscriptions:
        assert subscription.query is not None
        compiled.add(subscription)
    return compiled.monitor


def run_monitor(monitor: Monitor[Compiled], documents: list[MatchDocument]) -> Found:
    """The documents matched as one batch: per document, the subscriptions matching it."""
    matches = monitor.match_batch(documents)
    return lambda: {
        (item.subscription_id, number)
        for number, matched in enumerate(matches)
        for item in matched.items
    }


def run_monitor_batches(monitor: Monitor[Compiled], documents: list[MatchDocument]) -> Found:
    """run_monitor per BATCH documents, as the product's matcher batches."""
    return in_batches(run_monitor, monitor, documents)


def run_monitor_reading_matches(
    monitor: Monitor[Compiled], documents: list[MatchDocument]
) -> Found:
    """As run_monitor, also reading what an alert's reason needs: matched terms, best hit."""
    matches = monitor.match_batch(documents)
    for matched in matches:
        for _item, result in matched:
            _reason = (result.matched_terms, result.best)
    return lambda: {
        (item.subscription_id, number)
        for number, matched in enumerate(matches)
        for item in matched.items
    }


def admits(subscription: Compiled, doc: MatchDocument) -> bool:
    """The subscription's own jurisdictions and types, checked directly: the naive loop
    evaluates every subscription, where the Monitor rules documents out by them (`where`)."""
    if subscription.jurisdictions and doc.jurisdiction not in subscription.jurisdictions:
        return False
    return not subscription.doc_types or doc.kind in subscription.doc_types


def run_naive(subscriptions: list[Compiled], documents: list[MatchDocument]) -> Found:
    pairs = {
        (item.subscription_id, number)
        for number, doc in enumerate(documents)
        for item in subscriptions
        if admits(item, doc) and item.query is not None and item.query.match(doc) is not None
    }
    return lambda: pairs


def fts5_expression(node: Node) -> str | None:
    """The query as an FTS5 MATCH expression; None where FTS5 cannot say it (filters)."""
    if isinstance(node, Term):
        return f'"{" ".join(node.words)}"' + ("*" if node.prefix else "")
    if isinstance(node, Near):
        left, right = fts5_expression(node.left), fts5_expression(node.right)
        return f"NEAR({left} {right}, {node.distance})"
    if isinstance(node, InTitle):
        child = fts5_expression(node.child)
        return None if child is None else f"title : ({child})"
    if isinstance(node, Or):
        parts = [fts5_expression(child) for child in node.children]
        return None if None in parts else "(" + " OR ".join(map(str, parts)) + ")"
    if isinstance(node, And):
        return _fts5_and(node)
    assert isinstance(node, Filter | Not)
    return None


def _fts5_and(node: And) -> str | None:
    """FTS5's NOT is binary: `(a AND b) NOT c NOT d`."""
    wanted = [fts5_expression(c) for c in node.children if not isinstance(c, Not)]
    unwanted = [fts5_expression(c.child) for c in node.children if isinstance(c, Not)]
    if not wanted or None in wanted or None in unwanted:
        return None
    return "(" + " AND ".join(map(str, wanted)) + ")" + "".join(f" NOT ({u})" for u in unwanted)


def fts5_table(documents: list[MatchDocument]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE batch USING fts5(title, text, jurisdiction UNINDEXED, "
        "kind UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    connection.executemany(
        "INSERT INTO batch (rowid, title, text, jurisdiction, kind) VALUES (?, ?, ?, ?, ?)",
        [(n, d.title, d.text, d.jurisdiction, d.kind) for n, d in enumerate(documents)],
    )
    return connection


def fts5_statement(subscription: Compiled) -> str:
    sql = "SELECT rowid FROM batch WHERE batch MATCH ?"
    for column, values in (
        ("jurisdiction", subscription.jurisdictions),
        ("kind", subscription.doc_types),
    ):
        if values:
            sql += f" AND {column} IN ({', '.join(repr(v) for v in sorted(values))})"
    return sql


def run_fts5(subscriptions: list[Compiled], documents: list[MatchDocument]) -> Found:
    """Per subscription FTS5 can express, the rows (documents) its MATCH returns."""
    connection = fts5_table(documents)
    found: list[tuple[int, list[tuple[int]]]] = []
    for subscription in subscriptions:
        assert subscription.query is not None
        expression = fts5_expression(subscription.query.root)
        if expression is not None:
            rows = connection.execute(fts5_statement(subscription), (expression,)).fetchall()
            found.append((subscription.subscription_id, rows))
    return lambda: {(subscription, number) for subscription, rows in found for (number,) in rows}


def run_fts5_batches(subscriptions: list[Compiled], documents: list[MatchDocument]) -> Found:
    """run_fts5 per BATCH documents (a table per batch), as the product's matcher batches."""
    return in_batches(run_fts5, subscriptions, documents)


def in_batches(run: Any, matcher: Any, documents: list[MatchDocument]) -> Found:
    """`run(matcher, batch)` per BATCH documents, its pairs numbered in all `documents`."""
    found = [
        (start, run(matcher, documents[start : start + BATCH]))
        for start in range(0, len(documents), BATCH)
    ]
    return lambda: {
        (subscription, start + number) for start, pairs in found for subscription, number in pairs()
    }


def shared(subscriptions: list[Compiled]) -> list[Compiled]:
    return [s for s in subscriptions if s.query and fts5_expression(s.query.root) is not None]


# --- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    subscriptions: int
    monitor: float  # docs/s
    pure: float  # the monitor on the pure Python core
    naive: float
    fts5: float
    identical: bool
    matches: int
    documents: int


def timed(run: Any, subscriptions: Any, documents: list[MatchDocument]) -> tuple[float, set[Pair]]:
    """docs/s of `run` up to its own result; the pairs compared are read from it afterwards."""
    batch = fresh(documents)
    started = time.process_time()
    found = run(subscriptions, batch)
    elapsed = time.process_time() - started
    return len(documents) / elapsed, found()


@dataclass(frozen=True)
class Compared:
    """One run of Monitor ways, a naive way and an FTS5 way: docs/s, and whether they agree."""

    monitor: tuple[float, ...]  # per Monitor way
    naive: float
    fts5: float
    identical: bool
    matches: int


# ((Monitor way, its matcher core), ...), naive or None, fts5: runs, each (matcher, docs) -> pairs
Runners = tuple[tuple[tuple[Any, MatcherCore], ...], Any, Any]


def compare(
    runners: Runners,
    subscriptions: list[Compiled],
    documents: list[MatchDocument],
    earlier: list[MatchDocument],
    sample: int,
) -> Compared:
    """Times the ways (each Monitor way on a Monitor of its own on its core, compiled afresh);
    naive, if given, on the first `sample` documents; FTS5 on its own syntax."""
    monitor_ways, run_naive_way, run_fts5_way = runners
    monitor_runs = [
        timed(way, compile_monitor(subscriptions, earlier, core), documents)
        for way, core in monitor_ways
    ]
    by_monitor = monitor_runs[0][1]
    in_sample = {pair for pair in by_monitor if pair[1] < sample}
    naive_rate, by_naive = (
        timed(run_naive_way, subscriptions, documents[:sample])
        if run_naive_way is not None
        else (0.0, in_sample)
    )
    fts5_rate, by_fts5 = timed(run_fts5_way, subscriptions, documents)
    ids = {s.subscription_id for s in shared(subscriptions)}
    identical = (
        all(pairs == by_monitor for _, pairs in monitor_runs)
        and in_sample == by_naive
        and {p for p in by_monitor if p[0] in ids} == by_fts5
    )
    rates = tuple(rate for rate, _ in monitor_runs)
    return Compared(rates, naive_rate, fts5_rate, identical, len(by_monitor))


def measure(
    subscriptions: list[Compiled],
    documents: list[MatchDocument],
    earlier: list[MatchDocument],
    sample: int,
) -> Figures:
    monitor_ways = ((run_monitor, chosen_core()), (run_monitor, pure_core()))
    found = compare((monitor_ways, run_naive, run_fts5), subscriptions, documents, earlier, sample)
    monitor, pure = found.monitor
    return Figures(
        len(subscriptions),
        monitor,
        pure,
        found.naive,
        found.fts5,
        found.identical,
        found.matches,
        len(documents),
    )


@dataclass(frozen=True)
class Extras:
    """The extra figures at --subscriptions (docs/s), and whether their pairs agree."""

    monitor_reading: float
    monitor_batches: float  # per BATCH documents
    fts5_batches: float
    identical: bool


def measure_extras(
    subscriptions: list[Compiled],
    documents: list[MatchDocument],
    earlier: list[MatchDocument],
    sample: int,
) -> Extras:
    core = chosen_core()
    monitor_ways = ((run_monitor_reading_matches, core), (run_monitor_batches, core))
    runners = (monitor_ways, None, run_fts5_batches)  # the naive loop: measured once, above
    found = compare(runners, subscriptions, documents, earlier, sample)
    reading, batches = found.monitor
    return Extras(reading, batches, found.fts5, found.identical)


def report_extras(figures: Figures, extras: Extras) -> None:
    print(
        f"{'':>7} also: monitor reading matched terms and best hit "
        f"{extras.monitor_reading:,.0f} docs/s | per {BATCH}-document batch: "
        f"monitor {extras.monitor_batches:,.0f} docs/s, fts5 {extras.fts5_batches:,.0f} docs/s "
        f"({extras.monitor_batches / extras.fts5_batches:,.1f}x; the whole batch "
        f"{figures.monitor / extras.fts5_batches:,.1f}x) | identical: {extras.identical}",
        flush=True,
    )


def report(figures: Figures) -> None:
    print(
        f"{figures.subscriptions:>7,} subscriptions: monitor ({chosen_core().name}) "
        f"{figures.monitor:>9,.0f} docs/s | "
        f"naive {figures.naive:>7,.0f} docs/s ({figures.monitor / figures.naive:,.1f}x) | "
        f"fts5 {figures.fts5:>7,.0f} docs/s ({figures.monitor / figures.fts5:,.1f}x) | "
        f"pure {figures.pure:>7,.0f} docs/s ({figures.pure / figures.monitor:,.2f}x "
        f"{chosen_core().name}, {figures.pure / figures.naive:,.1f}x naive) | "
        f"{figures.matches:,} matches in {figures.documents:,} docs | "
        f"identical: {figures.identical}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument(
        "--sizes", default="1000,10000,50000", help="subscription counts to scale over"
    )
    parser.add_argument("--naive-documents", type=int, default=200, help="naive sample at 10k")
    parser.add_argument("--scale-documents", type=int, default=1000, help="at the other sizes")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    corpus = load_corpus()
    sizes = sorted({*map(int, args.sizes.split(",")), args.subscriptions})
    subscriptions = make_subscriptions(corpus, max(sizes), rng)
    documents = make_documents(corpus, args.documents, rng)
    # Word statistics come from earlier documents, as a live matcher's would.
    earlier = make_documents(corpus, 1000, rng)
    print(
        f"{len(corpus.titles)} titles, {len(corpus.summaries)} summaries, "
        f"{len(corpus.vocabulary)} vocabulary words; {len(documents):,} documents; "
        f"{len(shared(subscriptions)):,} of {len(subscriptions):,} queries in FTS5's syntax",
        flush=True,
    )
    results: dict[int, Figures] = {}
    for size in sizes:
        batch = documents if size == args.subscriptions else documents[: args.scale_documents]
        naive = max(20, args.naive_documents * 10_000 // size)
        results[size] = measure(subscriptions[:size], batch, earlier, naive)
        report(results[size])
        if size == args.subscriptions:
            extras = measure_extras(subscriptions[:size], batch, earlier, naive)
            report_extras(results[size], extras)
    main_figures = results[args.subscriptions]
    print(
        json.dumps(
            {
                "subscriptions": args.subscriptions,
                "documents": args.documents,
                "core": chosen_core().name,  # what docs_per_s and the monitor figures ran on
                "docs_per_s": round(main_figures.monitor),
                "pure_docs_per_s": round(main_figures.pure),
                "pure_over_native": round(main_figures.pure / main_figures.monitor, 3),
                "pure_speedup_vs_naive": round(main_figures.pure / main_figures.naive, 1),
                "naive_docs_per_s": round(main_figures.naive),
                "fts5_docs_per_s": round(main_figures.fts5),
                "speedup_vs_naive": round(main_figures.monitor / main_figures.naive, 1),
                "speedup_vs_fts5": round(main_figures.monitor / main_figures.fts5, 1),
                "docs_per_s_by_subscriptions": {s: round(f.monitor) for s, f in results.items()},
                "pure_docs_per_s_by_subscriptions": {s: round(f.pure) for s, f in results.items()},
                "docs_per_s_reading_matches": round(extras.monitor_reading),
                "fts5_batch_documents": BATCH,
                "fts5_batches_docs_per_s": round(extras.fts5_batches),
                "speedup_vs_fts5_batches": round(main_figures.monitor / extras.fts5_batches, 1),
                "docs_per_s_in_batches": round(extras.monitor_batches),
                "speedup_in_batches_vs_fts5_batches": round(
                    extras.monitor_batches / extras.fts5_batches, 1
                ),
                "results_identical": extras.identical
                and all(f.identical for f in results.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
