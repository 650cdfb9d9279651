"""The Monitor: every subscription's query compiled once, matched against batches of documents.

The Lucene Monitor / percolator idea (DESIGN §4), over a batch at once: the batch's documents
are tokenised once and indexed together (`alerts.query.bitset.BatchIndex`: word -> the
documents holding it, as the bits of an int), and each query is evaluated ONCE PER BATCH on
those sets, AND and OR and NOT becoming `&`, `|` and complements: its cost grows with the
queries and the text, not with queries x documents. Which queries are worth evaluating comes
from an inverted index of their required terms (word -> queries, and 3-letter buckets for
prefix keys such as `child*`) looked up with the batch's words: a query is indexed under its
most selective group of required keys, and under its second one if it has two, and is a
candidate when found under both. Top-level filters (`type:bill`, and an item's own, `where`)
group items into profiles, and a profile's documents are found once per batch. Queries with
no required keys (a filter alone can match them) are candidates for every batch.

A phrase or NEAR finds the documents holding its words, and keeps those it matches, checked
one by one, once per batch however many queries hold it. What a batch returns per document
is its matching items; their results (hits, positions) are evaluated only if read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Generic, TypeVar

from alerts.query import MatchDocument, MatchResult, Query
from alerts.query.ast import TITLE_KEY, And, Filter, Node, guessed_cost, required_groups
from alerts.query.bitset import BatchIndex, Bits, Vocabulary, numbers
from alerts.query.parser import MIN_PREFIX

T = TypeVar("T")


class Monitor(Generic[T]):
    """Items (subscriptions, or anything) registered with their query, matched per batch."""

    def __init__(self, document_frequency: Mapping[str, int] | None = None) -> None:
        """`document_frequency` (word -> documents holding it, from a sample) picks rarer keys."""
        self._frequency = document_frequency
        self._prefix_frequency: dict[str, int] = {}
        # Per slot, what matching reads: in lists of their own, fewer objects to fetch.
        self._items: list[T] = []
        self._bits: list[Bits] = []  # each query's evaluation over a batch
        self._roots: list[Node] = []
        self._index = _KeyIndex()  # each query under its two most selective groups
        self._profiles = _FilterProfiles()
        self._vocabulary = Vocabulary()
        self._always: list[int] = []

    def __len__(self) -> int:
        return len(self._items)

    @property
    def always_evaluated(self) -> int:
        """How many queries every batch is evaluated against (no required terms)."""
        return len(self._always)

    def add(self, item: T, query: Query, where: Iterable[Filter] = ()) -> None:
        """Register `item`; `where`: filters it requires besides its query's (its own
        jurisdictions, say), applied as if they were top-level filters of the query."""
        slot = len(self._items)
        self._items.append(item)
        self._bits.append(query.bits)
        self._roots.append(query.root)
        self._profiles.add((*_top_filters(query.root), *where))
        self._vocabulary.add(query.root)
        groups = sorted(required_groups(query.root, self._cost), key=self._cost)
        if not groups:
            self._always.append(slot)
        elif len(groups) == 1:
            self._index.add(groups[0], slot, ONLY)
        else:
            self._index.add(groups[0], slot, FIRST)
            self._index.add(groups[1], slot, SECOND)

    def indexed_under(self, key: str) -> list[T]:
        """The items the index lists under one key (`word`, `child*`, `title:word`)."""
        return [self._items[slot] for slot in self._index.under(key, (ONLY, FIRST))]

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
        batch = BatchIndex(docs, self._vocabulary)
        return [self._items[slot] for slot, _ in self._candidates(batch)]

    def match_batch(self, docs: Sequence[MatchDocument]) -> list[Matched[T]]:
        """Per document, the items whose query matches it."""
        batch = BatchIndex(docs, self._vocabulary)
        found: list[list[int]] = [[] for _ in docs]
        for slot, passing in self._candidates(batch):
            bits = passing & self._bits[slot](batch)
            if bits:
                for number in numbers(bits):
                    found[number].append(slot)
        return [
            Matched(doc, slots, self._items, self._roots)
            for doc, slots in zip(docs, found, strict=True)
        ]

    def _candidates(self, batch: BatchIndex) -> list[tuple[int, int]]:
        """Slots found under the batch's words (`_KeyIndex.lookup`) or always evaluated,
        ascending, each with the documents passing its top-level filters (if any do)."""
        slots = self._index.lookup(batch.text.numbers.keys(), batch.title.numbers.keys())
        slots.update(self._always)
        passing = self._profiles.passing(batch)
        profile = self._profiles.of_slot
        return [(slot, passing[profile[slot]]) for slot in sorted(slots) if passing[profile[slot]]]


@dataclass(frozen=True, slots=True)
class Matched(Generic[T]):
    """The items whose query matches one document (of the Monitor's, by slot, ascending);
    iterated, each with its result, whose hits are evaluated only if read."""

    doc: MatchDocument
    slots: list[int]
    _items: list[T]
    _roots: list[Node]

    @property
    def items(self) -> list[T]:
        return [self._items[slot] for slot in self.slots]

    def __iter__(self) -> Iterator[tuple[T, MatchResult]]:
        for slot in self.slots:
            yield self._items[slot], MatchResult(self._roots[slot], self.doc)


# What a `_KeyIndex` lists a slot under: the most selective group of a query with one group,
# or of a query with more (a candidate only if found under its SECOND group too).
ONLY, FIRST, SECOND = 0, 1, 2
_Found = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # slots per ONLY, FIRST...


class _KeyIndex:
    """Index keys (words, `prefix*`, `title:`-marked) -> slots, and a memo per batch word of
    the slots it selects: batches share most of their words, so after the first few a batch's
    words are nearly all known, and looking them up is two set operations in C."""

    def __init__(self) -> None:
        self._by_word: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        # Prefix keys bucketed by their first MIN_PREFIX letters: a word checks one bucket.
        self._by_prefix: defaultdict[str, list[tuple[str, int, int]]] = defaultdict(list)
        self._seen: dict[str, set[str]] = {"": set(), TITLE_KEY: set()}  # by mark
        self._selecting: dict[str, dict[str, _Found]] = {"": {}, TITLE_KEY: {}}

    def add(self, group: frozenset[str], slot: int, role: int) -> None:
        for key in group:
            if key.endswith("*"):
                self._by_prefix[_bucket(key)].append((key[:-1], role, slot))
            else:
                self._by_word[key].append((role, slot))
        for mark in self._seen:  # the memo is stale: words are looked up afresh
            self._seen[mark].clear()
            self._selecting[mark].clear()

    def under(self, key: str, roles: tuple[int, ...]) -> list[int]:
        if key.endswith("*"):
            bucket = self._by_prefix[_bucket(key)]
            return [slot for prefix, role, slot in bucket if prefix == key[:-1] and role in roles]
        return [slot for role, slot in self._by_word.get(key, []) if role in roles]

    def lookup(self, words: AbstractSet[str], title_words: AbstractSet[str]) -> set[int]:
        """Candidates: slots listed ONLY under one of `words` (or `title_words`, or a prefix of
        one), or FIRST under one and SECOND under another."""
        only: set[int] = set()
        first: set[int] = set()
        second: set[int] = set()
        for mark, held in (("", words), (TITLE_KEY, title_words)):
            seen, selecting = self._seen[mark], self._selecting[mark]
            for word in held - seen:
                seen.add(word)
                if found := self._found(mark + word):
                    selecting[word] = found
            for word in selecting.keys() & held:
                found = selecting[word]
                only.update(found[ONLY])
                first.update(found[FIRST])
                second.update(found[SECOND])
        first &= second
        return only | first

    def _found(self, key: str) -> _Found | None:
        """Slots listed under `key` (`word` or `title:word`) or a prefix of it, per role."""
        listed = self._by_word.get(key, [])
        bucket = self._by_prefix.get(_bucket(key), ())
        listed = [*listed, *((role, slot) for p, role, slot in bucket if key.startswith(p))]
        if not listed:
            return None
        roles: tuple[list[int], list[int], list[int]] = ([], [], [])
        for role, slot in listed:
            roles[role].append(slot)
        return tuple(roles[ONLY]), tuple(roles[FIRST]), tuple(roles[SECOND])


class _FilterProfiles:
    """Slots grouped by their top-level filters, a profile per distinct combination."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Filter, ...], int] = {(): 0}
        self._profiles: list[tuple[Filter, ...]] = [()]
        self.of_slot: list[int] = []

    def add(self, filters: tuple[Filter, ...]) -> None:
        profile = tuple(sorted(set(filters), key=str))
        if profile not in self._ids:
            self._ids[profile] = len(self._profiles)
            self._profiles.append(profile)
        self.of_slot.append(self._ids[profile])

    def passing(self, batch: BatchIndex) -> list[int]:
        """Per profile, the documents of the batch passing all its filters."""
        passing = []
        for profile in self._profiles:
            bits = batch.all
            for node in profile:
                bits &= batch.filters[node]
            passing.append(bits)
        return passing


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
