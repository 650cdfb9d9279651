"""The thesaurus (thesaurus.toml): per topic, its terms in English and French, which term means
the same as which, and where each is used. It tags documents with topics (models.taxonomy) and
gives a query's `~term` its equivalents and a "why" its words ("the French for ...").

The file is data a policy person edits, so a mistake in it is refused at load with its line:
a term listed twice (after folding), a `for` naming no term of its topic, or a loop of `for`s.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from typing import Any

from models.text import tokens
from models.vocabulary import JURISDICTIONS

THESAURUS_FILE = files("models") / "thesaurus.toml"
LANGUAGES = {"en": "English", "fr": "French"}
COUNTRY_ADJECTIVES = {
    "us": "US", "uk": "UK", "ca": "Canadian", "au": "Australian", "nz": "New Zealand",
}  # fmt: skip
_ENTRY_KEYS = frozenset({"lang", "for", "countries", "statute"})
_TOML_LINE = re.compile(r"at line (\d+)")


class ThesaurusError(ValueError):
    """The thesaurus file is wrong at `line` (1-based; 0 when no line applies)."""

    def __init__(self, source: str, line: int, message: str) -> None:
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")
        self.line = line


@dataclass(frozen=True)
class Entry:
    """One term of a topic, as written (accents and capitals kept)."""

    topic: str
    term: str
    lang: str
    head: str = ""  # the term of the same topic this one means the same as; "" for a head term
    countries: tuple[str, ...] = ()  # empty: used everywhere
    statute: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        """What two spellings of the same term share: its folded words (and a trailing *)."""
        return term_key(self.term)


def term_key(term: str) -> str:
    return " ".join(tokens(term.rstrip("*"))) + ("*" if term.endswith("*") else "")


@dataclass(frozen=True)
class Thesaurus:
    entries: tuple[Entry, ...]

    @cached_property
    def _by_key(self) -> dict[str, Entry]:
        return {entry.key: entry for entry in self.entries}

    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.topic for entry in self.entries))

    def terms_of(self, topic: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.topic == topic)

    def find(self, term: str) -> Entry | None:
        return self._by_key.get(term_key(term))

    def root(self, entry: Entry) -> Entry:
        """The head term at the end of `entry`'s chain of `for`s (checked loop-free at load)."""
        while entry.head:
            entry = self._by_key[term_key(entry.head)]
        return entry

    def equivalents(self, term: str) -> tuple[Entry, ...]:
        """Every term meaning the same as `term` (itself first), or () if it is not listed."""
        entry = self.find(term)
        if entry is None:
            return ()
        root = self.root(entry)
        group = [other for other in self.terms_of(entry.topic) if self.root(other) == root]
        return (entry, *(other for other in group if other != entry))

    def gloss(self, entry: Entry) -> str:
        """How `entry` relates to its head term: "the French for child pornography"; "" for a
        head term."""
        if not entry.head:
            return ""
        head = self._by_key[term_key(entry.head)]
        if head.lang != entry.lang:
            return f"the {LANGUAGES[entry.lang]} for {head.term}"
        if entry.countries and len(entry.countries) < len(COUNTRY_ADJECTIVES):
            names = [COUNTRY_ADJECTIVES[country] for country in entry.countries]
            where = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            kind = "legal term" if entry.statute else "term"
            return f"the {where} {kind} for {head.term}"
        return f"another word for {head.term}"


def _line_of(text: str, topic: str, term: str) -> int:
    """The line of `term` in the table of `topic` (tomllib reports no lines for values)."""
    in_topic = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_topic = stripped.strip("[] ") == topic
        elif in_topic and stripped.startswith((f'"{term}"', f"'{term}'", f"{term} ")):
            return number
    return 0


def _entry(source: str, text: str, topic: str, term: str, fields: Any) -> Entry:
    line = _line_of(text, topic, term)

    def refuse(message: str) -> ThesaurusError:
        return ThesaurusError(source, line, f"[{topic}] {term!r}: {message}")

    if not isinstance(fields, dict):
        raise refuse('expected { lang = "en" | "fr", ... }')
    if unknown := set(fields) - _ENTRY_KEYS:
        raise refuse(
            f"unknown key {sorted(unknown)[0]!r}: expected {', '.join(sorted(_ENTRY_KEYS))}"
        )
    if fields.get("lang") not in LANGUAGES:
        raise refuse(f"lang must be one of {', '.join(LANGUAGES)}")
    countries = tuple(fields.get("countries", ()))
    if bad := [country for country in countries if country not in JURISDICTIONS]:
        raise refuse(f"unknown country {bad[0]!r}: expected {', '.join(JURISDICTIONS)}")
    if not tokens(term.rstrip("*")) or "*" in term.rstrip("*"):
        raise refuse("a term needs letters or digits, and * only at its end")
    return Entry(
        topic=topic,
        term=term,
        lang=fields["lang"],
        head=str(fields.get("for", "")),
        countries=countries,
        statute=str(fields.get("statute", "")),
        line=line,
    )


def _check(source: str, entries: list[Entry]) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if (first := seen.get(entry.key)) is not None:
            raise ThesaurusError(
                source,
                entry.line,
                f"{entry.term!r} is listed twice (also [{first.topic}] at line {first.line})",
            )
        seen[entry.key] = entry
    for entry in entries:
        _check_chain(source, entry, seen)


def _check_chain(source: str, entry: Entry, by_key: dict[str, Entry]) -> None:
    """`for` must name a term of the same topic, and following `for`s must end at a head."""
    visited = [entry]
    current = entry
    while current.head:
        target = by_key.get(term_key(current.head))
        if target is None or target.topic != current.topic:
            raise ThesaurusError(
                source,
                current.line,
                f"[{current.topic}] {current.term!r}: for = {current.head!r} is no term of "
                f"[{current.topic}]",
            )
        if target in visited:
            loop = " -> ".join(item.term for item in [*visited[visited.index(target) :], target])
            raise ThesaurusError(source, entry.line, f"a loop of `for`: {loop}")
        visited.append(target)
        current = target


def parse_thesaurus(text: str, source: str = "thesaurus.toml") -> Thesaurus:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # a duplicate key is one: it names the line
        line = _TOML_LINE.search(str(error))
        raise ThesaurusError(source, int(line.group(1)) if line else 0, str(error)) from error
    entries = [
        _entry(source, text, topic, term, fields)
        for topic, table in data.items()
        for term, fields in (table.items() if isinstance(table, dict) else ())
    ]
    _check(source, entries)
    return Thesaurus(tuple(entries))


@cache
def load_thesaurus() -> Thesaurus:
    return parse_thesaurus(THESAURUS_FILE.read_text(encoding="utf-8"), source=str(THESAURUS_FILE))
