"""The Monitor: every subscription's query compiled once into an index of required terms.

The Lucene Monitor / percolator idea (DESIGN §4): a document is tokenised once; its distinct
words are looked up in an inverted index (word -> queries, and 3-letter buckets for prefix keys
such as `child*`) to pick candidate queries; only those are evaluated. Queries with no
derivable required terms (a filter alone can match them) are evaluated on every document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from alerts.query import MatchDocument, MatchResult, Query
from alerts.query.parser import MIN_PREFIX

T = TypeVar("T")
Admits = Callable[[T, MatchDocument], bool]


def admit_all(item: object, doc: MatchDocument) -> bool:
    return True


class Monitor(Generic[T]):
    """Items (subscriptions, or anything) registered with their query, looked up per document."""

    def __init__(self) -> None:
        self._entries: list[tuple[T, Query]] = []
        self._by_word: defaultdict[str, list[int]] = defaultdict(list)
        # Prefix keys bucketed by their first MIN_PREFIX letters: a word checks one bucket.
        self._by_prefix: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
        self._always: list[int] = []

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def always_evaluated(self) -> int:
        """How many queries every document is evaluated against (no required terms)."""
        return len(self._always)

    def add(self, item: T, query: Query) -> None:
        slot = len(self._entries)
        self._entries.append((item, query))
        keys = query.required_terms
        if keys is None:
            self._always.append(slot)
            return
        for key in keys:
            if key.endswith("*"):
                prefix = key[:-1]
                self._by_prefix[prefix[:MIN_PREFIX]].append((prefix, slot))
            else:
                self._by_word[key].append(slot)

    def candidates(self, doc: MatchDocument) -> list[tuple[T, Query]]:
        """The entries whose required terms the document holds, in the order they were added."""
        slots = set(self._always)
        for word in doc.text_index.positions:
            slots.update(self._by_word.get(word, ()))
            for prefix, slot in self._by_prefix.get(word[:MIN_PREFIX], ()):
                if word.startswith(prefix):
                    slots.add(slot)
        return [self._entries[slot] for slot in sorted(slots)]

    def matches(
        self, doc: MatchDocument, admits: Admits[T] = admit_all
    ) -> Iterator[tuple[T, MatchResult]]:
        """Entries whose query matches `doc`; `admits` (cheap filters) runs before evaluation."""
        for item, query in self.candidates(doc):
            if admits(item, doc) and (result := query.match(doc)) is not None:
                yield item, result
