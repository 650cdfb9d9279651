"""Queries evaluated over a batch of documents at once: a set of documents is an int.

Bit i of an int stands for the batch's document i. `BatchIndex` posts, per batch, the words
some query can look up (a `Vocabulary`: the queries' words and the words their prefixes
cover) under the documents holding them, in the text and in the title; each posting becomes
an int the first time it is read, and a filter's documents are found per distinct field
value. `compile_bits(node)` turns a query into a function of a `BatchIndex` returning the
documents it matches: a word is a look-up, AND `&`, OR `|`, NOT the complement. Positions are
not posted: a phrase or NEAR first finds the documents holding its words, then keeps those
where its words are in order or near enough (`boolean.compile_order_test`, one document at
a time), once per batch however many queries hold it.
"""

from __future__ import annotations

import sys
import weakref
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from itertools import compress, repeat
from typing import TypeGuard

from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Term, terms
from alerts.query.boolean import Test, compile_order_test, cost
from alerts.query.document import MatchDocument
from alerts.query.evaluate import TEXT, TITLE, filter_matches
from alerts.query.parser import MIN_PREFIX

Bits = Callable[["BatchIndex"], int]


def compile_bits(node: Node, field: str = TEXT) -> Bits:
    """A function of a batch returning the documents `node` matches (in `field`). Equal
    nodes share one: queries share most of their words and phrases, and fewer objects to
    keep makes the garbage collector's full passes shorter."""
    key = f"{field}:{node}"  # canonical: equal nodes, and only they, print alike
    bits = _COMPILED.get(key)
    if bits is None:
        bits = _COMPILED[key] = _compiled(node, field, key)
    return bits


_COMPILED: weakref.WeakValueDictionary[str, Bits] = weakref.WeakValueDictionary()


def _compiled(node: Node, field: str, key: str) -> Bits:
    if isinstance(node, Term) and len(node.words) == 1:
        return _keys(_term_keys(node), field)
    if isinstance(node, Term | Near):
        return _positional(node, field, key)
    if isinstance(node, InTitle):
        return compile_bits(node.child, TITLE)
    if isinstance(node, Filter):
        return lambda batch: batch.filters[node]
    if isinstance(node, Not):
        child = compile_bits(node.child, field)
        return lambda batch: batch.all & ~child(batch)
    # Filters and words first (cheap and selective); plain words looked up in one loop.
    children = sorted(node.children, key=cost)
    words = [child.words[0] for child in children if _is_plain_word(child)]
    both = isinstance(node, And)
    parts = [compile_bits(child, field) for child in children if not _is_plain_word(child)]
    if len(words) > 1:
        parts.insert(0, _keys(words, field, both))
    elif words:
        parts.insert(0, _keys(words, field))
    if len(parts) == 1:
        return parts[0]
    return _all_of(parts) if both else _any_of(parts)


def _is_plain_word(node: Node) -> TypeGuard[Term]:
    return isinstance(node, Term) and len(node.words) == 1 and not node.prefix


def _term_keys(term: Term) -> list[str]:
    """Posting keys whose AND holds the term: its words, the last as `prefix*` if a prefix."""
    if term.prefix:
        return [*term.words[:-1], f"{term.words[-1]}*"]
    return list(term.words)


def _keys(keys: list[str], field: str, every: bool = True) -> Bits:
    """The documents holding every one of `keys` (or any one, if not `every`)."""
    title = field == TITLE
    if len(keys) == 1:
        [key] = keys
        if title:
            return lambda batch: batch.title[key]
        return lambda batch: batch.text[key]
    if not every:
        return lambda batch: _any_key(batch.title if title else batch.text, keys)
    first, *rest = keys

    def all_bits(batch: BatchIndex) -> int:
        postings = batch.title if title else batch.text
        found = postings[first]
        for key in rest:
            if not found:
                return 0
            found &= postings[key]
        return found

    return all_bits


def _any_key(postings: _Postings, keys: list[str]) -> int:
    found = 0
    for key in keys:
        found |= postings[key]
    return found


def _positional(node: Term | Near, field: str, memo_key: str) -> Bits:
    """A phrase or NEAR: the documents holding its words, checked one by one, once per batch
    (the memo is the batch's)."""
    keys = (
        _term_keys(node)
        if isinstance(node, Term)
        else [*_term_keys(node.left), *_term_keys(node.right)]
    )
    holding = _keys(keys, field)
    test = compile_order_test(node, field)

    def bits(batch: BatchIndex) -> int:
        found = batch.checked.get(memo_key)
        if found is None:
            found = batch.checked[memo_key] = batch.where(holding(batch), test)
        return found

    return bits


def _all_of(parts: list[Bits]) -> Bits:
    first, *rest = parts

    def bits(batch: BatchIndex) -> int:
        found = first(batch)
        for part in rest:
            if not found:
                return 0
            found &= part(batch)
        return found

    return bits


def _any_of(parts: list[Bits]) -> Bits:
    def bits(batch: BatchIndex) -> int:
        found = 0
        for part in parts:
            found |= part(batch)
        return found

    return bits


class Vocabulary:
    """The words queries can look up (their own, and those their prefixes cover): the only
    words a batch posts. Which of a batch's words are wanted is memoised across batches."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._prefixes: defaultdict[str, set[str]] = defaultdict(set)  # by first letters
        self._seen: set[str] = set()
        self._wanted: set[str] = set()

    def add(self, node: Node) -> None:
        before = len(self._words), sum(map(len, self._prefixes.values()))
        for term in terms(node):
            self._words.update(term.words[:-1] if term.prefix else term.words)
            if term.prefix:
                self._prefixes[term.words[-1][:MIN_PREFIX]].add(term.words[-1])
        if (len(self._words), sum(map(len, self._prefixes.values()))) != before:
            self._seen.clear()  # words seen before may be wanted now
            self._wanted.clear()

    def wanted(self, words: AbstractSet[str]) -> set[str]:
        """Every wanted word known so far, `words` included (a superset: intersect it)."""
        new = words - self._seen
        if new:
            self._seen |= new
            self._wanted.update(word for word in new if self._looked_up(word))
        return self._wanted

    def _looked_up(self, word: str) -> bool:
        if word in self._words:
            return True
        prefixes = self._prefixes.get(word[:MIN_PREFIX], ())
        return any(word.startswith(prefix) for prefix in prefixes)


class BatchIndex:
    """The documents of a batch, by the words they hold (`text`, `title`: word or `prefix*`
    -> bits), by filter (`filters`), and `all` of them."""

    def __init__(self, docs: Sequence[MatchDocument], vocabulary: Vocabulary) -> None:
        self.docs = docs
        self.all = (1 << len(docs)) - 1
        words: set[str] = set().union(*(doc.words for doc in docs))
        wanted = vocabulary.wanted(words)
        text: defaultdict[str, list[int]] = defaultdict(list)
        title: defaultdict[str, list[int]] = defaultdict(list)
        for number, doc in enumerate(docs):
            _post(text, wanted.intersection(doc.words), number)
            _post(title, wanted.intersection(doc.words[: doc.title_length]), number)
        self.text = _Postings(text)
        self.title = _Postings(title)
        self.filters = _FilterBits(docs)
        self.checked: dict[str, int] = {}  # phrases and NEAR, once checked

    def where(self, candidates: int, test: Test) -> int:
        """The documents among `candidates` that pass `test`."""
        docs = self.docs
        return as_bits([number for number in numbers(candidates) if test(docs[number])])


def _post(postings: defaultdict[str, list[int]], words: set[str], number: int) -> None:
    """Document `number` appended to the postings of `words` (a loop in C)."""
    deque(map(list.append, map(postings.__getitem__, words), repeat(number)), maxlen=0)


class _Postings(dict[str, int]):
    """Key (a word, or `prefix*`) -> bits of the documents holding it, made on first use
    from the documents' numbers (most words are never looked up in a batch)."""

    def __init__(self, numbers: dict[str, list[int]]) -> None:
        super().__init__()
        self.numbers = numbers
        self._sorted: list[str] | None = None

    def __missing__(self, key: str) -> int:
        if key.endswith("*"):
            bits = self._prefixed(key[:-1])
        else:
            numbers = self.numbers.get(key)
            bits = as_bits(numbers) if numbers else 0
        self[key] = bits
        return bits

    def _prefixed(self, prefix: str) -> int:
        """The documents holding a word that starts with `prefix`."""
        if self._sorted is None:
            self._sorted = sorted(self.numbers)
        words = self._sorted
        bits = 0
        at = bisect_left(words, prefix)
        while at < len(words) and words[at].startswith(prefix):
            bits |= self[words[at]]
            at += 1
        return bits


# What a filter on each field reads of a document (see `evaluate.filter_matches`).
_FIELD_VALUES: dict[str, Callable[[MatchDocument], str]] = {
    "jurisdiction": lambda doc: doc.jurisdiction,
    "type": lambda doc: doc.kind,
    "stage": lambda doc: doc.stage,
    "number": lambda doc: doc.reference,
}


class _FilterBits(dict[Filter, int]):
    """Filter -> bits of the documents passing it, evaluated once per distinct field value."""

    def __init__(self, docs: Sequence[MatchDocument]) -> None:
        super().__init__()
        self._docs = docs
        self._groups: dict[str, list[tuple[MatchDocument, int]]] = {}

    def __missing__(self, node: Filter) -> int:
        bits = 0
        for doc, group in self._by_value(node.field):
            if filter_matches(node, doc):
                bits |= group
        self[node] = bits
        return bits

    def _by_value(self, field: str) -> list[tuple[MatchDocument, int]]:
        """Per distinct value of the field: a document holding it, and all that do."""
        if field not in self._groups:
            value_of = _FIELD_VALUES[field]
            numbers: defaultdict[str, list[int]] = defaultdict(list)
            for number, doc in enumerate(self._docs):
                numbers[value_of(doc)].append(number)
            self._groups[field] = [(self._docs[at[0]], as_bits(at)) for at in numbers.values()]
        return self._groups[field]


def as_bits(numbers: list[int]) -> int:
    """The int whose bits are `numbers` (ascending document numbers)."""
    if len(numbers) <= _FEW:
        return sum(1 << number for number in numbers)
    # Digits of a binary number, the last document's first: set in C, and read in one pass.
    digits = bytearray(b"0") * (numbers[-1] + 1)
    deque(map(digits.__setitem__, numbers, repeat(_ONE)), maxlen=0)
    digits.reverse()
    return int(digits, 2)


_FEW = 8  # below, shifting each bit in is cheaper than reading a string of digits
_ONE = ord("1")
_WORD_BITS = 64
_SHORT = 1024  # bits: below, each operation on the int is a few machine words
_FEW_BITS = 2


def numbers(bits: int) -> list[int]:
    """The numbers of the bits set in `bits`, ascending. Results are sparse: a short int, or
    one with few bits, gives its lowest bit up one at a time; a long one is cut into 64-bit
    words and only the non-zero ones are looked into."""
    found: list[int] = []
    if bits.bit_length() <= _SHORT or bits.bit_count() <= _FEW_BITS:
        while bits:
            low = bits & -bits
            found.append(low.bit_length() - 1)
            bits ^= low
        return found
    size = (bits.bit_length() + _WORD_BITS - 1) // _WORD_BITS
    words = memoryview(bits.to_bytes(size * 8, sys.byteorder)).cast("Q")
    for at in compress(range(size), words):
        word: int = words[at]
        base = at * _WORD_BITS
        while word:
            low = word & -word
            found.append(base + low.bit_length() - 1)
            word ^= low
    return found
