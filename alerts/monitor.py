"""The Monitor: every subscription's query compiled once into an index of required terms.

The Lucene Monitor / percolator idea (DESIGN §4): a document is tokenised once; its distinct
words are looked up in an inverted index (word -> queries, and 3-letter buckets for prefix keys
such as `child*`) to pick candidates. A query is indexed under its most selective group of
required keys, and under its second one if it has two: it is a candidate when found under
both. Top-level filters (`type:bill`, and an item's own, `where`) rule candidates out before
anything is evaluated: items sharing a combination of filters share a profile, and which
profiles a document passes is memoised per field value. Queries with no required keys (a
filter alone can match them) are candidates for every document.

`matches` is the hot path, so candidates are chosen with set operations in C: a word's index
entries (its own and its prefixes') are memoised across documents, as are the filter profiles
a field value passes. Each remaining candidate is then evaluated without positions
(`Query.test`), and only a result that is read evaluates its hits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from alerts.query import MatchDocument, MatchResult, Query
from alerts.query.ast import TITLE_KEY, And, Filter, Node, guessed_cost, required_groups
from alerts.query.boolean import Test
from alerts.query.evaluate import filter_matches
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
        # Per slot, what `matches` reads: in lists of their own, fewer objects to fetch.
        self._items: list[T] = []
        self._tests: list[Test] = []  # each query's position-free evaluation
        self._roots: list[Node] = []
        self._checks: list[tuple[frozenset[str], ...]] = []  # groups beyond the indexed one
        self._filters: list[tuple[Filter, ...]] = []  # `type:bill` and co, checked before words
        self._index = _KeyIndex()  # each query under its two most selective groups
        self._profiles = _FilterProfiles()
        self._always: list[int] = []

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def always_evaluated(self) -> int:
        """How many queries every document is evaluated against (no required terms)."""
        return len(self._always)

    def add(self, item: T, query: Query, where: Iterable[Filter] = ()) -> None:
        """Register `item`; `where`: filters it requires besides its query's (its own
        jurisdictions, say), applied as if they were top-level filters of the query."""
        slot = len(self._entries)
        self._entries.append((item, query))
        self._items.append(item)
        self._tests.append(query.test)
        self._roots.append(query.root)
        filters = (*_top_filters(query.root), *where)
        self._filters.append(filters)
        self._profiles.add(filters)
        groups = sorted(required_groups(query.root, self._cost), key=self._cost)
        if not groups:
            self._checks.append(())
            self._always.append(slot)
            return
        self._checks.append(tuple(groups[1:]))
        if len(groups) == 1:
            self._index.add(groups[0], slot, ONLY)
        else:
            self._index.add(groups[0], slot, FIRST)
            self._index.add(groups[1], slot, SECOND)

    def indexed_under(self, key: str) -> list[T]:
        """The items the index lists under one key (`word`, `child*`, `title:word`)."""
        return [self._entries[slot][0] for slot in self._index.under(key, (ONLY, FIRST))]

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
        """Entries the document admits, passes the top-level filters of, and holds a key of
        every required group of, in order."""
        return [
            self._entries[slot]
            for slot in self._indexed_slots(doc)
            if admits(self._entries[slot][0], doc)
            and all(filter_matches(node, doc) for node in self._filters[slot])
            and all(doc.has_any(group) for group in self._checks[slot])
        ]

    def matches(
        self, doc: MatchDocument, admits: Admits[T] = admit_all
    ) -> Iterator[tuple[T, MatchResult]]:
        """Entries whose query matches `doc`, in order; `admits` (cheap filters) runs before
        the query is evaluated. A result's hits (positions) are evaluated only if read."""
        items, tests, roots = self._items, self._tests, self._roots
        for slot in self._indexed_slots(doc):
            item = items[slot]
            if admits(item, doc) and tests[slot](doc):
                yield item, MatchResult(roots[slot], doc)

    def _indexed_slots(self, doc: MatchDocument) -> list[int]:
        """Candidates found under the document's words (`_KeyIndex.lookup`) or always
        evaluated, whose top-level filters pass: sorted."""
        slots = self._index.lookup(doc)
        slots.update(self._always)
        passing = self._profiles.passing(doc)
        if passing is not None:
            profile = self._profiles.of_slot
            return sorted([slot for slot in slots if profile[slot] in passing])
        return sorted(slots)


# What a `_KeyIndex` lists a slot under: the most selective group of a query with one group,
# or of a query with more (a candidate only if found under its SECOND group too).
ONLY, FIRST, SECOND = 0, 1, 2
_Found = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # slots per ONLY, FIRST...


class _KeyIndex:
    """Index keys (words, `prefix*`, `title:`-marked) -> slots, and a memo per document word
    of the slots it selects: documents share most of their words, so after the first few a
    document's words are nearly all known, and looking them up is two set operations in C."""

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

    def lookup(self, doc: MatchDocument) -> set[int]:
        """Candidates: slots listed ONLY under a word of the document (a title word, or a
        prefix of one), or FIRST under one and SECOND under another."""
        only: set[int] = set()
        first: set[int] = set()
        second: set[int] = set()
        for mark, words in (("", doc.word_set), (TITLE_KEY, doc.title_word_set)):
            seen, selecting = self._seen[mark], self._selecting[mark]
            for word in words.difference(seen):
                seen.add(word)
                if found := self._found(mark + word):
                    selecting[word] = found
            for word in selecting.keys() & words:
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


# What a filter on each field reads of a document (see `evaluate.filter_matches`).
_FIELD_VALUES: dict[str, Callable[[MatchDocument], str]] = {
    "jurisdiction": lambda doc: doc.jurisdiction,
    "type": lambda doc: doc.kind,
    "stage": lambda doc: doc.stage,
    "number": lambda doc: doc.reference,
}
_MEMO_VALUES = 4096  # per field: references are new with every document, stages are few


class _FilterProfiles:
    """Slots grouped by their top-level filters, a profile per distinct combination; per
    document, the profiles all of whose filters pass, memoised per value of each field."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Filter, ...], int] = {(): 0}
        self._profiles: list[tuple[Filter, ...]] = [()]
        self.of_slot: list[int] = []
        self._memo: dict[str, dict[str, frozenset[int]]] = {}  # field -> value -> profiles

    def add(self, filters: tuple[Filter, ...]) -> None:
        profile = tuple(sorted(set(filters), key=str))
        if profile not in self._ids:
            self._ids[profile] = len(self._profiles)
            self._profiles.append(profile)
            for node in profile:
                self._memo[node.field] = {}  # stale
        self.of_slot.append(self._ids[profile])

    def passing(self, doc: MatchDocument) -> frozenset[int] | None:
        """The profiles whose filters the document passes; None if no slot has filters."""
        passing: frozenset[int] | None = None
        for field, memo in self._memo.items():
            value = _FIELD_VALUES[field](doc)
            if value not in memo:
                if len(memo) >= _MEMO_VALUES:
                    memo.clear()
                memo[value] = self._passing_on(field, doc)
            passing = memo[value] if passing is None else passing & memo[value]
        return passing

    def _passing_on(self, field: str, doc: MatchDocument) -> frozenset[int]:
        return frozenset(
            number
            for number, profile in enumerate(self._profiles)
            if all(filter_matches(node, doc) for node in profile if node.field == field)
        )


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
