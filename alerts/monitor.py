"""The Monitor: every subscription's query compiled once, matched against batches of documents.

The Lucene Monitor / percolator idea (DESIGN §4), over a batch at once, in C
(`alerts.query._matcher`, or its pure Python twin where it is not built: alerts.query.core
picks the core on the first Monitor, so importing this module loads neither): the batch's
documents are tokenised once and indexed together (each index key -> the documents holding it,
as a bitset), and each query is evaluated ONCE PER BATCH on those sets, AND and OR and NOT
becoming `&`, `|` and complements: its cost grows with the queries and the text, not with
queries x documents. Which queries are worth evaluating comes from an inverted index of their
required keys (words, `prefix*`, in the title or anywhere): a query is listed under its most
selective group of required keys, and under its second one if it has two, and is a candidate
when a key of each is in the batch. Queries with no required keys (a filter alone can match
them) are candidates for every batch. An item's own filters (`where`) join its query's
top-level filters, checked first.

A phrase or NEAR finds the documents holding its words, and keeps those it matches, checked
one by one, once per batch however many queries hold it. What a batch returns per document
is its matching items; their results (hits, positions) are evaluated in Python only if read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from alerts.query import MatchDocument, MatchResult, Query
from alerts.query.ast import TITLE_KEY, And, Filter, Node, guessed_cost, required_groups
from alerts.query.core import MatcherCore, chosen_core
from alerts.query.document import run_words
from alerts.query.program import filter_documents, key_spec, program

T = TypeVar("T")
Batch = tuple[list[str], list[str], list[bytes]]  # texts, titles, filters' documents


class Monitor(Generic[T]):
    """Items (subscriptions, or anything) registered with their query, matched per batch."""

    def __init__(
        self, document_frequency: Mapping[str, int] | None = None, core: MatcherCore | None = None
    ) -> None:
        """`document_frequency` (word -> documents holding it, from a sample) picks rarer keys;
        `core`: the matcher core (alerts.query.core's choice if None)."""
        self._frequency = document_frequency
        self._prefix_frequency: dict[str, int] = {}
        # Per slot (the matcher core's numbering): the item, its query, its index groups.
        self._items: list[T] = []
        self._roots: list[Node] = []
        self._groups: list[list[frozenset[str]]] = []
        self._filters: dict[Filter, int] = {}  # each distinct filter's id in the programs
        self._matcher = (core or chosen_core()).new(run_words)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def always_evaluated(self) -> int:
        """How many queries every batch is evaluated against (no required terms)."""
        return sum(not groups for groups in self._groups)

    def add(self, item: T, query: Query, where: Iterable[Filter] = ()) -> None:
        """Register `item`; `where`: filters it requires besides its query's (its own
        jurisdictions, say), applied as if they were top-level filters of the query."""
        own = tuple(where)
        root = query.root
        if own:
            root = And((*own, *(root.children if isinstance(root, And) else (root,))))
        groups = sorted(required_groups(query.root, self._cost), key=self._cost)[:2]
        specs = tuple(tuple(key_spec(key, TITLE_KEY) for key in sorted(g)) for g in groups)
        self._matcher.add(program(root, self._filters), specs)
        self._items.append(item)
        self._roots.append(query.root)
        self._groups.append(groups)

    def indexed_under(self, key: str) -> list[T]:
        """The items the index lists under one key (`word`, `child*`, `title:word`) as their
        most selective group."""
        return [
            item
            for item, groups in zip(self._items, self._groups, strict=True)
            if groups and key in groups[0]
        ]

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

    def candidates(self, docs: Sequence[MatchDocument]) -> list[T]:
        """The items evaluated on this batch, in order: a key of each of their indexed groups
        occurs in it, and some document passes their top-level filters."""
        return [self._items[slot] for slot in self._matcher.candidates(*self._batch(docs))]

    def match_batch(self, docs: Sequence[MatchDocument]) -> list[Matched[T]]:
        """Per document, the items whose query matches it."""
        found = self._matcher.match(*self._batch(docs))
        return [
            Matched(doc, slots, self._items, self._roots)
            for doc, slots in zip(docs, found, strict=True)
        ]

    def _batch(self, docs: Sequence[MatchDocument]) -> Batch:
        return (
            [doc.text for doc in docs],
            [doc.title for doc in docs],
            filter_documents(self._filters, docs),
        )


@dataclass(frozen=True, slots=True)
class Matched(Generic[T]):
    """The items whose query matches one document (of the Monitor's, by slot, ascending);
    iterated, each with its result, whose hits are evaluated only if read."""

    doc: MatchDocument
    _slots: bytes  # native ints, as both matcher cores return them
    _items: list[T]
    _roots: list[Node]

    @property
    def slots(self) -> list[int]:
        return memoryview(self._slots).cast("i").tolist()

    @property
    def items(self) -> list[T]:
        return [self._items[slot] for slot in self.slots]

    def __iter__(self) -> Iterator[tuple[T, MatchResult]]:
        for slot in self.slots:
            yield self._items[slot], MatchResult(self._roots[slot], self.doc)


def document_frequency(documents: Iterable[MatchDocument]) -> Counter[str]:
    """How many of `documents` hold each word: the statistics a Monitor picks rare keys with."""
    return Counter(word for doc in documents for word in doc.text_index.positions)
