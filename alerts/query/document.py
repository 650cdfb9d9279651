"""What a query is evaluated on: a document's fields, tokenised once into position indexes."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

from alerts.query.ast import TITLE_KEY
from models.documents import Document
from models.text import tokens

_WORD = re.compile(r"\w+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # `tokens` on ASCII text: the underscore separates too


@dataclass(frozen=True)
class FieldIndex:
    """The folded words of one field and, per word, the positions it occurs at."""

    words: tuple[str, ...]
    positions: dict[str, list[int]]

    @classmethod
    def of(cls, words: tuple[str, ...]) -> FieldIndex:
        positions: dict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(words):
            positions[word].append(position)
        return cls(words, dict(positions))


def located_words(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Folded words of `text` with each word's character span in `text` (for snippets)."""
    if text.isascii():  # folding is lower-casing, and lower-casing keeps every span
        matches = list(_ASCII_WORD.finditer(text.lower()))
        return tuple(m.group() for m in matches), tuple(m.span() for m in matches)
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        for word in _folded(match.group()):
            words.append(word)
            spans.append(match.span())
    return tuple(words), tuple(spans)


def _folded(word: str) -> list[str]:
    """`tokens(word)`, with a fast path for the common plain ASCII word (folding = lower)."""
    if word.isascii() and "_" not in word:
        return [word.lower()]
    return tokens(word)


def _holds(index: FieldIndex, keys: AbstractSet[str]) -> bool:
    words = index.positions
    if any(key in words for key in keys):
        return True
    prefixes = tuple(key[:-1] for key in keys if key.endswith("*"))
    return bool(prefixes) and any(word.startswith(prefixes) for word in words)


@dataclass
class MatchDocument:
    """`text` is the title, the other-language title, summary, body and reference, in order."""

    title: str
    text: str
    jurisdiction: str = ""
    kind: str = ""
    stage: str = ""
    reference: str = ""
    spans: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    _words: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # NFC first so a decomposed accent does not split a word in two.
        self.text = unicodedata.normalize("NFC", self.text)
        self._words, self.spans = located_words(self.text)

    @classmethod
    def from_document(cls, document: Document) -> MatchDocument:
        parts = [
            document.title,
            document.title_alt,
            document.summary,
            document.body_text,
            document.reference,
        ]
        return cls(
            title=document.title,
            text="\n".join(part for part in parts if part),
            jurisdiction=document.jurisdiction,
            kind=document.kind,
            stage=f"{document.current_stage} {document.stage_category}",
            reference=document.reference,
        )

    @cached_property
    def text_index(self) -> FieldIndex:
        return FieldIndex.of(self._words)

    @cached_property
    def title_index(self) -> FieldIndex:
        # The title comes first in `text`, so its words are the first ones: no second pass.
        return FieldIndex.of(self._words[: len(tokens(unicodedata.normalize("NFC", self.title)))])

    def has_any(self, keys: frozenset[str]) -> bool:
        """Whether the text holds one of these index keys (`child*` is a prefix key;
        `title:child` and `title:child*` must be in the title)."""
        in_title = {key for key in keys if key.startswith(TITLE_KEY)}
        title_keys = {key.removeprefix(TITLE_KEY) for key in in_title}
        return _holds(self.text_index, keys - in_title) or _holds(self.title_index, title_keys)

    @cached_property
    def stage_words(self) -> tuple[str, ...]:
        return tuple(tokens(self.stage))
