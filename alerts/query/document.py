"""What a query is evaluated on: a document's fields, tokenised once into word sets (and,
for the documents that need them, position indexes)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import compress
from operator import not_

from models.documents import Document
from models.text import reference_key, tokens

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


# On UTF-8 bytes (str.translate takes a slow path on non-ASCII text): ASCII letters
# lower-cased, every other ASCII character a space (the underscore too, as `tokens` splits
# there); the bytes of other characters are left as they are.
_SPACED = bytes(
    code if code >= 128 else ord(chr(code).lower() if chr(code).isalnum() else " ")
    for code in range(256)
)


@lru_cache(maxsize=1 << 16)
def run_words(run: str) -> tuple[str, ...]:
    """`located_words` of a run of non-space characters holding a non-ASCII one (the native
    matcher folds such runs with it too). Folding is per character and a space separates, so
    its word runs, joined by spaces, fold as one text."""
    return tuple(tokens(" ".join(_WORD.findall(run))))


def _words(text: str) -> tuple[str, ...]:
    """`located_words(text)` without the spans, faster (`text` in NFC)."""
    # ASCII letters lower-cased, other ASCII characters spaces: what is left between spaces
    # are the ASCII words, and runs holding other characters, folded as a whole.
    spaced = (
        text.encode("utf-8", "surrogatepass").translate(_SPACED).decode("utf-8", "surrogatepass")
    )
    runs = spaced.split()
    if not spaced.isascii():  # the few runs holding other characters, found in C
        for at in reversed(list(compress(range(len(runs)), map(not_, map(str.isascii, runs))))):
            runs[at : at + 1] = run_words(runs[at])
    return tuple(runs)


def _folded(word: str) -> list[str]:
    """`tokens(word)`, with a fast path for the common plain ASCII word (folding = lower)."""
    if word.isascii() and "_" not in word:
        return [word.lower()]
    return tokens(word)


@dataclass
class MatchDocument:
    """`text` is the titles, summary, body, newest text version and reference, in order;
    `title` is every title (the main one, the other language's, then short, popular... ones),
    so `title:` reads them all.

    Everything derived from the text is computed on first use: matching needs only the sets
    of words, and only a matched document needs positions (NEAR, phrases) or spans (snippets).
    """

    title: str
    text: str
    jurisdiction: str = ""
    kind: str = ""
    stage: str = ""
    reference: str = ""
    topics: tuple[str, ...] = ()  # the stored topic slugs (what `topic:` filters on)

    def __post_init__(self) -> None:
        # NFC first so a decomposed accent does not split a word in two.
        self.title = unicodedata.normalize("NFC", self.title)
        self.text = unicodedata.normalize("NFC", self.text)

    @classmethod
    def from_document(cls, document: Document) -> MatchDocument:
        titles = "\n".join(
            part for part in (document.title, document.title_alt, document.other_titles) if part
        )
        parts = [
            titles,
            document.summary,
            document.body_text,
            document.latest_text,
            document.reference,
        ]
        return cls(
            title=titles,
            text="\n".join(part for part in parts if part),
            jurisdiction=document.jurisdiction,
            kind=document.kind,
            stage=f"{document.current_stage} {document.stage_category}",
            reference=document.reference,
            topics=tuple(document.topics or ()),
        )

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The folded words of the text, in order (as `located_words`, without the spans)."""
        return _words(self.text)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Each word's character span in `text` (for snippets)."""
        return located_words(self.text)[1]

    @cached_property
    def title_length(self) -> int:
        """How many words the title has: the title comes first in `text`, so they are the
        first `title_length` words."""
        return len(_words(self.title))

    @cached_property
    def text_index(self) -> FieldIndex:
        return FieldIndex.of(self.words)

    @cached_property
    def title_index(self) -> FieldIndex:
        return FieldIndex.of(self.words[: self.title_length])

    @cached_property
    def stage_words(self) -> tuple[str, ...]:
        return tuple(tokens(self.stage))

    @cached_property
    def reference_key(self) -> str:
        return reference_key(self.reference)
