"""bench/topics.py on the demo's own database: every hand label names a stored document and
valid topics, a label without its document is an error, and the run ends with its JSON figures."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bench import topics
from models.db import make_engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What `fivewatch demo` stores, in its own process (Scrapy's reactor runs once per process)."""
    directory = tmp_path_factory.mktemp("demo") / "demo"
    command = [sys.executable, "-m", "fivewatch", "demo", "--dir", str(directory)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return f"sqlite:///{directory / 'fivewatch.db'}"


@pytest.fixture
def session(demo_url: str) -> Iterator[Session]:
    with Session(make_engine(demo_url)) as session:
        yield session


def test_every_label_names_a_stored_document_and_valid_topics(session: Session) -> None:
    labels = topics.load_labels()
    slugs = set(topics.topic_slugs())
    assert all(label.topics <= slugs for label in labels)
    pairs = topics.labelled_documents(session, labels)
    assert [label.key for label, _ in pairs] == [label.key for label in labels]
    assert all(doc.external_id == label.external_id for label, doc in pairs)


def test_a_label_whose_document_is_not_stored_is_an_error_naming_it(session: Session) -> None:
    # Synthetic label (bad input): no source stores this id.
    stray = topics.Label("ca-legisinfo-bills", "45-1/C-999", frozenset(), on_topic=False)
    with pytest.raises(LookupError, match=r"45-1/C-999"):
        topics.labelled_documents(session, [*topics.load_labels(), stray])


def test_an_unknown_topic_in_the_labels_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "labels.toml"  # synthetic labels file (bad input)
    path.write_text(
        '[[label]]\nsource = "uk-bills"\nexternal_id = "26"\ntopics = ["cats"]\non_topic = false\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"unknown topics \['cats'\]"):
        topics.load_labels(path)


def test_a_run_ends_with_the_json_figures(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topics.main(["--db", demo_url])
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])
    labels = topics.load_labels()
    assert (figures["documents"], figures["on_topic"]) == (
        len(labels),
        sum(label.on_topic for label in labels),
    )
    assert list(figures["topics"]) == topics.topic_slugs()
    watch = figures["watch_query"]
    assert watch["tp"] + watch["fn"] == figures["on_topic"]
    assert watch["name"] == "Online child protection (the FiveWatch topic)"
