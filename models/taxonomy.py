"""Topic tagging: the taxonomy (`topics.toml`: slugs and labels) with its thesaurus
(`thesaurus.toml`: each topic's terms in English and French, see models.thesaurus)."""

from __future__ import annotations

import re
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


# A long text (a debate, a long statement) mentions many things in passing: it is about a topic
# only when the topic's terms recur, at least once per MENTION_EVERY words. Set on the labelled
# demo documents (bench/topics.py): a 16,000-word debate on family violence naming "online
# harms" six times is not about online harms; a 9,000-word debate naming "online safety" 36
# times is.
LONG_TEXT_WORDS = 3000
MENTION_EVERY = 1000


def tag_topics(text: str, heading: str = "") -> list[str]:
    """Slugs of every topic `heading` (titles, summary) names, or `text` (the body) names, often
    enough for its length; in taxonomy order."""
    heading_words = f" {' '.join(tokens(heading))} "
    words = tokens(text)
    haystack = f" {' '.join(words)} "
    needed = max(1, len(words) // MENTION_EVERY) if len(words) > LONG_TEXT_WORDS else 1
    return [
        topic.slug
        for topic in load_topics()
        if _mentions(topic, heading_words) or _mentions(topic, haystack) >= needed
    ]


def _mentions(topic: Topic, haystack: str) -> int:
    return sum(len(_finder(term).findall(haystack)) for term in topic.terms if _needle(term))


@cache
def _finder(term: str) -> re.Pattern[str]:
    """Finds every mention, side by side ones too (they share the space between them)."""
    return re.compile(f"(?={re.escape(_needle(term) or '')})")
