"""The Monitor: every subscription's query compiled once into an index of required terms.

The Lucene Monitor / percolator idea (DESIGN §4): a document is tokenised once; its distinct
words are looked up in an inverted index (word -> queries, and 3-letter buckets for prefix keys
such as `child*`) to pick candidates. A query is indexed under its most selective group of
required keys; a candidate must also hold a key of each of its other groups (a set look-up)
before it is evaluated. Queries with no required keys (a filter alone can match them) are
evaluated on every document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from typing import Generic, TypeVar

from alerts.query import MatchDocument, MatchResult, Query
from alerts.query.ast import TITLE_KEY, And, Filter, Node, guessed_cost, required_groups
from alerts.query.evaluate import evaluate
from alerts.query.parser import MIN_PREFIX

T = TypeVar("T")
Admits = Callable[[T, MatchDocument], bool]


def admit_all(item: object, doc: MatchDocument) -> bool:
    return True


class Monitor(Generic[T]):
    """Items (subscriptions, or anything) registered with their query, looked up per document."""

    def __init__(self, document_frequency: Mapping[str, int] | None = None) -> None:
        """`document_frequency` (word -> documents holding it, from a sample) picks rarer keys."""
        self._frequency = document_frequency
        self._prefix_frequency: dict[str, int] = {}
        self._entries: list[tuple[T, Query]] = []
        self._checks: list[tuple[frozenset[str], ...]] = []  # groups beyond the indexed one
        self._filters: list[tuple[Filter, ...]] = []  # `type:bill` and co, checked before words
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
        self._filters.append(_top_filters(query.root))
        groups = required_groups(query.root, self._cost)
        if not groups:
            self._checks.append(())
            self._always.append(slot)
            return
        indexed = min(groups, key=self._cost)
        self._checks.append(tuple(group for group in groups if group != indexed))
        for key in indexed:
            if key.endswith("*"):
                self._by_prefix[_bucket(key)].append((key[:-1], slot))
            else:
                self._by_word[key].append(slot)

    def indexed_under(self, key: str) -> list[T]:
        """The items the index lists under one key (`word`, `child*`, `title:word`)."""
        if key.endswith("*"):
            slots = [slot for prefix, slot in self._by_prefix[_bucket(key)] if prefix == key[:-1]]
        else:
            slots = self._by_word.get(key, [])
        return [self._entries[slot][0] for slot in slots]

    def _cost(self, group: frozenset[str]) -> tuple[int, tuple[int, ...]]:
        """Documents a group's keys are expected in (when known), then the guess."""
        if self._frequency is None:
            return (0, guessed_cost(group))
        return (sum(map(self._key_frequency, group)), guessed_cost(group))

    def _key_frequency(self, key: str) -> int:
        assert self._frequency is not None
        key = key.removeprefix(TITLE_KEY)  # a title's words are text words too: an upper bound
        if not key.endswith("*"):
            return self._frequency.get(key, 0)
        if key not in self._prefix_frequency:  # a scan of the sample once per distinct prefix
            prefix = key[:-1]
            words = self._frequency.items()
            self._prefix_frequency[key] = sum(n for word, n in words if word.startswith(prefix))
        return self._prefix_frequency[key]

    def candidates(
        self, doc: MatchDocument, admits: Admits[T] = admit_all
    ) -> list[tuple[T, Query]]:
        """Entries the document admits and holds a key of every required group of, in order."""
        return [
            self._entries[slot]
            for slot in sorted(self._indexed_slots(doc))
            if admits(self._entries[slot][0], doc)
            and all(evaluate(node, doc) is not None for node in self._filters[slot])
            and all(doc.has_any(group) for group in self._checks[slot])
        ]

    def _indexed_slots(self, doc: MatchDocument) -> set[int]:
        slots = set(self._always)
        title_keys = (TITLE_KEY + word for word in doc.title_index.positions)
        for key in chain(doc.text_index.positions, title_keys):
            slots.update(self._by_word.get(key, ()))
            for prefix, slot in self._by_prefix.get(_bucket(key), ()):
                if key.startswith(prefix):
                    slots.add(slot)
        return slots

    def matches(
        self, doc: MatchDocument, admits: Admits[T] = admit_all
    ) -> Iterator[tuple[T, MatchResult]]:
        """Entries whose query matches `doc`; `admits` (cheap filters) runs before anything."""
        for item, query in self.candidates(doc, admits):
            if (result := query.match(doc)) is not None:
                yield item, result


def _bucket(key: str) -> str:
    """A prefix key's bucket: its first MIN_PREFIX letters (after the title mark, if any)."""
    mark = TITLE_KEY if key.startswith(TITLE_KEY) else ""
    return mark + key.removeprefix(mark)[:MIN_PREFIX]


def _top_filters(root: Node) -> tuple[Filter, ...]:
    """The filters every match must pass: the root itself, or the root AND's filter parts."""
    parts = root.children if isinstance(root, And) else (root,)
    return tuple(part for part in parts if isinstance(part, Filter))


def document_frequency(documents: Iterable[MatchDocument]) -> Counter[str]:
    """How many of `documents` hold each word: the statistics a Monitor picks rare keys with."""
    return Counter(word for doc in documents for word in doc.text_index.positions)
