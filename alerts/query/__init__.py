"""The one query language of alerts, search, CLI and web (DESIGN §4).

`parse(text)` returns a `Query`; `query.match(doc)` on a `MatchDocument` returns a
`MatchResult` or None (alerts.monitor matches many queries over a batch at once).
`query.required_terms` is what a term index needs to pick candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from alerts.query.ast import Node, is_positive, required_groups, required_terms
from alerts.query.document import MatchDocument
from alerts.query.evaluate import TITLE, Hit, evaluate
from alerts.query.parser import MAX_DEPTH, MAX_LENGTH, MAX_TERMS, parse_node
from alerts.query.syntax_error import QuerySyntaxError

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_TERMS",
    "Hit",
    "MatchDocument",
    "MatchResult",
    "Query",
    "QuerySyntaxError",
    "parse",
]


class MatchResult:
    """Why a query matched a document: its hits and matched terms, found on first use.

    A matcher that only needs to know *which* queries match never pays for positions; an
    alert reads `matched_terms` and `best` once, for its reason and snippet.
    """

    def __init__(self, root: Node, doc: MatchDocument, hits: list[Hit] | None = None) -> None:
        self._root = root
        self._doc = doc
        if hits is not None:
            self.__dict__["hits"] = hits

    @cached_property
    def hits(self) -> list[Hit]:
        hits = evaluate(self._root, self._doc)
        if hits is None:
            raise ValueError(f"{self._root} does not match this document")
        return hits

    @cached_property
    def matched_terms(self) -> list[str]:
        return list(dict.fromkeys(hit.label for hit in sorted(self.hits, key=lambda h: h.start)))

    @property
    def title_words(self) -> int:
        """The document's first `title_words` text words are its title."""
        return self._doc.title_length

    def in_title(self, hit: Hit) -> bool:
        return hit.field == TITLE or hit.end <= self.title_words

    @property
    def best(self) -> Hit | None:
        """The first hit in the title, else the earliest hit; None for filter-only matches."""
        ordered = sorted(self.hits, key=lambda hit: (not self.in_title(hit), hit.start))
        return ordered[0] if ordered else None

    def _key(self) -> tuple[list[str], list[Hit], int]:
        return self.matched_terms, self.hits, self.title_words

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatchResult) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # equal by (mutable) hits, like the lists

    def __repr__(self) -> str:
        terms, hits, title_words = self._key()
        return f"MatchResult(matched_terms={terms!r}, hits={hits!r}, title_words={title_words})"


@dataclass(frozen=True)
class Query:
    text: str
    root: Node

    def __str__(self) -> str:
        return str(self.root)

    def match(self, doc: MatchDocument) -> MatchResult | None:
        """The match with its hits (positions evaluated at once), or None."""
        hits = evaluate(self.root, doc)
        return None if hits is None else MatchResult(self.root, doc, hits)

    @cached_property
    def required_terms(self) -> frozenset[str] | None:
        """A document with none of these index keys cannot match; None if none derivable."""
        return required_terms(self.root)

    @cached_property
    def required_groups(self) -> tuple[frozenset[str], ...]:
        """A matching document holds a key of every group (see `ast.required_groups`)."""
        return required_groups(self.root)

    @property
    def indexable(self) -> bool:
        return self.required_terms is not None


def parse(text: str) -> Query:
    root = parse_node(text)
    if not is_positive(root):
        raise QuerySyntaxError(
            "this query can only exclude documents: add a word, phrase or field to look for",
            0,
            text,
        )
    return Query(text, root)
