"""Topic tagging: the taxonomy (`topics.toml`: slugs and labels) with its thesaurus
(`thesaurus.toml`: each topic's terms in English and French, see models.thesaurus)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from models.text import tokens
from models.thesaurus import LANGUAGES, THESAURUS_FILE, Thesaurus, ThesaurusError, load_thesaurus

# Read as package resources: under Scrapyd the package is a zipped egg, not a folder.
TAXONOMY_FILE = files("models") / "topics.toml"
ANY_TOPIC = "any"  # `topic:any`: a document carrying at least one topic (on-topic)


@dataclass(frozen=True)
class Topic:
    slug: str
    label: str
    label_fr: str
    terms: tuple[str, ...]


def check_coverage(slugs: list[str], thesaurus: Thesaurus, source: str) -> None:
    """Every topic has terms in every language; the thesaurus names no other topic."""
    for slug in slugs:
        languages = {entry.lang for entry in thesaurus.terms_of(slug)}
        if missing := [name for lang, name in LANGUAGES.items() if lang not in languages]:
            raise ThesaurusError(source, 0, f"topic [{slug}] has no {missing[0]} term")
    if strays := [slug for slug in thesaurus.topics() if slug not in slugs]:
        raise ThesaurusError(source, 0, f"[{strays[0]}] is no topic of topics.toml")


@cache
def load_topics() -> tuple[Topic, ...]:
    data = tomllib.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    thesaurus = load_thesaurus()
    check_coverage(list(data), thesaurus, str(THESAURUS_FILE))
    return tuple(
        Topic(
            slug,
            table["label"],
            table["label_fr"],
            tuple(entry.term for entry in thesaurus.terms_of(slug)),
        )
        for slug, table in data.items()
    )


def topic_labels() -> dict[str, str]:
    """Slug -> label, in taxonomy order (what people read: never the raw slug)."""
    return {topic.slug: topic.label for topic in load_topics()}


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
