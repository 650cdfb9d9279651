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


@cache
def _needle(term: str) -> str | None:
    """What a term looks for in ` folded words `: `" child safety "`, `" sextort"` for a prefix."""
    term_words = tokens(term.rstrip("*"))
    if not term_words:
        return None
    needle = " " + " ".join(term_words)
    return needle if term.endswith("*") else needle + " "


def tag_topics(text: str, topics: tuple[Topic, ...] | None = None) -> list[str]:
    """Slugs of every topic with at least one term in `text`, in taxonomy order."""
    haystack = f" {' '.join(tokens(text))} "
    return [
        topic.slug
        for topic in (topics if topics is not None else load_topics())
        if any((needle := _needle(term)) and needle in haystack for term in topic.terms)
    ]
