"""Precision and recall of topic tagging and of the default watch, against hand labels.

The documents are those `fivewatch demo` stores from the recorded sources; the labels, with
who wrote them and how, are tests/fixtures/topic_labels.toml. Per topic, a document tagged
with it (`Document.topics`) is compared with the labelled topics. The default watch is judged
two ways against the labels' `on_topic`: "tagged" (the document has at least one topic) and
"query" (the first sample subscription of fivewatch/demo_subscriptions.toml, the online child
protection watch, matches it). A label whose document is not stored is an error naming it.
The last line printed is one JSON object with every figure.

    python -m bench.topics [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.query import MatchDocument, parse
from crawlers.process import run_crawl
from fivewatch.cli.demo import (
    PROJECT_ROOT,
    SAMPLE_SUBSCRIPTIONS,
    fresh_workspace,
    start_from_demo_watermarks,
)
from models import Document, Source
from models.db import make_engine, upgrade
from models.taxonomy import TAXONOMY_FILE

LABELS = PROJECT_ROOT / "tests/fixtures/topic_labels.toml"


@dataclass(frozen=True)
class Label:
    source: str
    external_id: str
    topics: frozenset[str]
    on_topic: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @classmethod
    def of(cls, pairs: Iterable[tuple[bool, bool]]) -> Score:
        """`pairs` are (predicted, labelled) per document."""
        pairs = list(pairs)
        return cls(
            tp=sum(p and t for p, t in pairs),
            fp=sum(p and not t for p, t in pairs),
            fn=sum(t and not p for p, t in pairs),
        )

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def figures(self) -> dict[str, int | float | None]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn} | {
            "precision": _round(self.precision),
            "recall": _round(self.recall),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def topic_slugs() -> list[str]:
    """The taxonomy's slugs, in its order: its tables' names, whatever each table holds."""
    return list(tomllib.loads(TAXONOMY_FILE.read_text(encoding="utf-8")))


def load_labels(path: Path = LABELS) -> list[Label]:
    """The labels, checked: known topic slugs only, and no document labelled twice."""
    slugs = set(topic_slugs())
    labels, seen = [], set()
    for entry in tomllib.loads(path.read_text(encoding="utf-8"))["label"]:
        label = Label(
            entry["source"], entry["external_id"], frozenset(entry["topics"]), entry["on_topic"]
        )
        if unknown := label.topics - slugs:
            raise ValueError(f"{path}: label {label.key} has unknown topics {sorted(unknown)}")
        if label.key in seen:
            raise ValueError(f"{path}: document {label.key} is labelled twice")
        seen.add(label.key)
        labels.append(label)
    return labels


def labelled_documents(session: Session, labels: list[Label]) -> list[tuple[Label, Document]]:
    """Each label with its stored document; a label without one is an error, never dropped."""
    rows = session.execute(select(Source.slug, Document).join(Source)).all()
    stored = {(slug, document.external_id): document for slug, document in rows}
    missing = [label.key for label in labels if label.key not in stored]
    if missing:
        raise LookupError(f"labelled documents not in the database: {missing}")
    return [(label, stored[label.key]) for label in labels]


def watch_query(path: Path = SAMPLE_SUBSCRIPTIONS) -> tuple[str, str]:
    """(name, query) of the first sample subscription: the online child protection watch."""
    first = tomllib.loads(path.read_text(encoding="utf-8"))["subscription"][0]
    return first["name"], first["query"]


def evaluate(pairs: list[tuple[Label, Document]]) -> dict[str, object]:
    name, text = watch_query()
    query = parse(text)
    topics = {
        slug: Score.of((slug in doc.topics, slug in label.topics) for label, doc in pairs)
        for slug in topic_slugs()
    }
    tagged = Score.of((bool(doc.topics), label.on_topic) for label, doc in pairs)
    matched = Score.of(
        (query.match(MatchDocument.from_document(doc)) is not None, label.on_topic)
        for label, doc in pairs
    )
    return {
        "documents": len(pairs),
        "on_topic": sum(label.on_topic for label, _ in pairs),
        "topics": {slug: score.figures() for slug, score in topics.items()},
        "watch_tagged": tagged.figures(),
        "watch_query": matched.figures() | {"name": name},
    }


def build_demo_database(directory: Path) -> str:
    """The demo's crawl alone: the recorded sources replayed into a fresh SQLite file."""
    config = fresh_workspace(directory)
    upgrade(make_engine(config.database_url))
    start_from_demo_watermarks(config)
    run_crawl(
        None,
        database_url=config.database_url,
        replay_dir=PROJECT_ROOT / "cassettes",
        log_level="ERROR",
        own_logging=False,
    )
    return config.database_url


def mismatches(pairs: list[tuple[Label, Document]]) -> list[str]:
    """One line per topic a document is wrongly tagged with (fp) or lacks (fn): what to tune."""
    return [
        f"{'fp' if slug in doc.topics else 'fn'} {slug:26} {label.source} {doc.title[:60]}"
        for label, doc in pairs
        for slug in sorted(set(doc.topics) ^ label.topics)
    ]


def report(figures: dict[str, object], misses: list[str]) -> None:
    print("\n".join(misses))
    print(f"{figures['documents']} labelled documents, {figures['on_topic']} on topic")
    topics = figures["topics"]
    assert isinstance(topics, dict)
    rows = topics | {
        "watch: tagged": figures["watch_tagged"],
        "watch: query": figures["watch_query"],
    }
    print(f"{'':28} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}")
    for name, row in rows.items():
        precision, recall = (
            "-" if row[k] is None else f"{row[k]:.3f}" for k in ("precision", "recall")
        )
        print(f"{name:28} {row['tp']:>3} {row['fp']:>3} {row['fn']:>3} {precision:>9} {recall:>6}")
    print(json.dumps(figures))


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="URL of a database the demo filled (default: build one)")
    args = parser.parse_args(argv)
    labels = load_labels()
    with tempfile.TemporaryDirectory(prefix="fivewatch-topics-") as scratch:
        url = args.db or build_demo_database(Path(scratch) / "demo")
        with Session(make_engine(url)) as session:
            pairs = labelled_documents(session, labels)
            figures, misses = evaluate(pairs), mismatches(pairs)
    report(figures, misses)
    return figures


if __name__ == "__main__":
    main()
