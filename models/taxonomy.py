"""Topic tagging from the editable taxonomy in `topics.toml` (English and French terms)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from models.text import tokens

# Read as a package resource: under Scrapyd the package is a zipped egg, not a folder.
TAXONOMY_FILE = files("models") / "topics.toml"


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str
    terms: tuple[str, ...]


@cache
def load_topics(path: Traversable = TAXONOMY_FILE) -> tuple[Topic, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(Topic(slug, table["label"], tuple(table["terms"])) for slug, table in data.items())


def _term_in(term: str, joined: str) -> bool:
    prefix = term.endswith("*")
    term_words = tokens(term.rstrip("*"))
    if not term_words:
        return False
    needle = " ".join(term_words)
    haystack = f" {joined} "
    return f" {needle}" in haystack if prefix else f" {needle} " in haystack


def tag_topics(text: str, topics: tuple[Topic, ...] | None = None) -> list[str]:
    """Slugs of every topic with at least one term in `text`, in taxonomy order."""
    joined = " ".join(tokens(text))
    return [
        topic.slug
        for topic in (topics if topics is not None else load_topics())
        if any(_term_in(term, joined) for term in topic.terms)
    ]
