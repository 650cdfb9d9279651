"""The batch matcher's core in pure Python: the interface and the results of the C core
(alerts/query/_matcher.c, whose header describes programs, tokens and candidates), for installs
without a C compiler. alerts.query.core picks one of the two.

It reads a batch as the C does: a document's UTF-8 bytes split into runs of ASCII letters and
digits (lower-cased) and bytes of non-ASCII characters; an ASCII run is a word, a run holding
other characters is folded by the `fold` callback into its words (once per distinct run). Each
index key present (a word, or a prefix; in the text, or in the title's first words) gets the
set of documents holding it as a Python int (bit i: document i), every candidate query is
evaluated once over the batch on those sets, and phrases and NEAR are checked on the documents
holding all their keys, once per batch however many queries share them.

Errors are the C's too (type, message and order of checks), so the two refuse the same input.
"""

from __future__ import annotations

import operator
import re
import struct
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

# Bytes of a token compared with keys, and the longest key (the C's MAX_WORD): a longer token
# is cut there and marked by a NUL byte, so its prefixes count and no word key equals it.
MAX_WORD = 32768
INT32_MAX = 2**31 - 1
_LONG_BITS = struct.calcsize("l") * 8  # a C long, as the C reads a field with PyLong_AsLong
_RUN = re.compile(rb"[A-Za-z0-9\x80-\xff]+")
# Bounds on the memo of tokens and runs across batches (the C's): words seen once are most of it.
_MEMO_TOKENS = 1 << 21
_MEMO_BYTES = 1 << 26

TEXT, TITLE = 0, 1  # a key's field
KEY, FILTER, NOT, AND, OR, PHRASE, NEAR = range(7)  # node kinds
ONLY, FIRST, SECOND = 1, 2, 4  # a slot's role under its groups' keys

Fold = Callable[[str], Sequence[str]]


class Node(NamedTuple):
    """A compiled program node; `value` is a key id (KEY), filter id (FILTER), child node
    (NOT) or distance (NEAR); `left` the children (AND, OR) or the term's keys (PHRASE, NEAR);
    `right` NEAR's right term's keys."""

    kind: int
    field: int = TEXT
    value: int = 0
    left: tuple[int, ...] = ()
    right: tuple[int, ...] = ()


@dataclass
class Batch:
    """A batch read: per key and field (key * 2 + field), the documents holding it; per
    document, its tokens' keys and where the keys of phrases and NEAR are."""

    every: int  # all the batch's documents
    filters: list[int]
    postings: dict[int, int] = field(default_factory=dict)
    keys: list[list[tuple[int, ...]]] = field(default_factory=list)
    positions: list[dict[int, list[int]]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    title_lengths: list[int] = field(default_factory=list)
    checked: dict[int, int] = field(default_factory=dict)  # phrase or NEAR node -> documents


def malformed() -> ValueError:
    return ValueError("malformed program tuple")


def c_long(number: object) -> int:
    """`number` as the C reads a field: an int (or __index__), OverflowError past a C long."""
    value = operator.index(number)  # type: ignore[arg-type]  # TypeError, as the C
    if not -(1 << (_LONG_BITS - 1)) <= value < 1 << (_LONG_BITS - 1):
        raise OverflowError("Python int too large to convert to C long")
    return value


def natural(number: object, clamp: bool) -> int:
    """A filter id or a NEAR distance: a non-negative int. Past int32 it is refused, or taken
    as the largest if `clamp` (a distance: no two positions are further apart)."""
    value = operator.index(number)  # type: ignore[arg-type]
    if value < 0 or (value > INT32_MAX and not clamp):
        raise malformed()
    return min(value, INT32_MAX)


def c_string(text: str) -> bytes:
    """A program's kind as the C compares it: UTF-8, up to a NUL."""
    return text.encode().partition(b"\0")[0]


def comparable(token: bytes) -> bytes:
    """`token` as it is compared with keys: cut past MAX_WORD bytes and marked."""
    return token if len(token) <= MAX_WORD else token[:MAX_WORD] + b"\0"


def is_candidate(role: int) -> bool:
    """Listed ONLY under a key present, or FIRST under one and SECOND under another."""
    return bool(role & ONLY or (role & FIRST and role & SECOND))


def members(documents: int) -> Iterator[int]:
    """The document numbers of a set, ascending."""
    while documents:
        lowest = documents & -documents
        yield lowest.bit_length() - 1
        documents ^= lowest


def filter_documents(given: object, documents: int) -> int:
    """A filter's documents from its bytes (8 per 64 documents, little-endian)."""
    if not isinstance(given, bytes) or len(given) != (documents + 63) // 64 * 8:
        raise ValueError("a filter is 8 bytes per 64 documents")
    found = int.from_bytes(given, "little")
    if found >> documents:  # a result is a document number: a bit past the last names none
        raise ValueError("a filter holds documents past the batch")
    return found


def fold_result(words: object) -> Sequence[object]:
    """What fold returned, as the C reads it (any iterable)."""
    if isinstance(words, list | tuple):
        return words
    try:
        return list(iter(words))  # type: ignore[call-overload]
    except TypeError:
        raise TypeError("fold returns a sequence") from None


def term_starts(batch: Batch, doc: int, keys: tuple[int, ...], length: int) -> Iterator[int]:
    """Where the term of `keys` starts in document `doc`'s first `length` tokens, ascending."""
    tokens = batch.keys[doc]
    for start in batch.positions[doc].get(keys[0], ()):
        if start + len(keys) > length:
            return
        if all(key in tokens[start + at] for at, key in enumerate(keys[1:], 1)):
            yield start


def near_found(batch: Batch, node: Node, doc: int, length: int) -> bool:
    """Whether a left hit and a right hit are at most `distance` words apart (0 when adjacent
    or overlapping): evaluate.near_hits."""
    lefts = list(term_starts(batch, doc, node.left, length))
    rights = list(term_starts(batch, doc, node.right, length)) if lefts else []
    n, n2 = len(node.left), len(node.right)
    return any(
        max(right - (left + n), left - (right + n2)) <= node.value
        for left in lefts
        for right in rights
    )


class Matcher:
    """Compiled queries matched against batches of documents at once."""

    def __init__(self, fold: Fold) -> None:
        if not callable(fold):
            raise TypeError("fold must be callable")
        self._fold = fold
        self._words: dict[bytes, int] = {}  # word -> key id
        self._prefixes: dict[bytes, int] = {}  # prefix -> key id
        self._keys = 0
        self._shortest_prefix, self._longest_prefix = MAX_WORD + 1, 0
        self._placed: set[int] = set()  # keys whose positions phrases or NEAR read
        self._nodes: list[Node] = []
        self._node_ids: dict[object, int] = {}  # program tuple -> node: equal ones share
        self._roots: list[int] = []  # per slot
        self._always: list[int] = []  # slots with no groups: candidates in every batch
        self._anchored: dict[int, list[tuple[int, int]]] = {}  # key * 2 + field -> slot, role
        # Memo across batches, forgotten when keys change: a token's keys, a run's tokens.
        self._token_keys: dict[bytes, tuple[int, ...]] = {}
        self._run_tokens: dict[bytes, list[bytes]] = {}
        self._memo_bytes = 0
        self._busy = False

    def __len__(self) -> int:
        return len(self._roots)

    def add(self, program: object, groups: object, /) -> int:
        """A query compiled, listed under up to two groups of keys ((field, word, prefix),
        ...); none: a candidate for every batch. The slot's number."""
        with self._guard():
            return self._add(program, groups)

    def match(self, texts: object, titles: object, filters: object, /) -> list[bytes]:
        """Per document, the slots matching it (ascending), as the bytes of native ints."""
        with self._guard():
            batch = self._read(texts, titles, filters)
            found = [array("i") for _ in range(len(batch.lengths))]
            for slot in self._candidate_slots(batch):
                for doc in members(self._evaluate(batch, self._roots[slot])):
                    found[doc].append(slot)
            return [slots.tobytes() for slots in found]

    def candidates(self, texts: object, titles: object, filters: object, /) -> list[int]:
        """The slots a batch evaluates: picked by the keys present, some document passing
        their top-level filters."""
        with self._guard():
            batch = self._read(texts, titles, filters)
            slots = self._candidate_slots(batch)
            return [slot for slot in slots if self._passes_top_filters(batch, slot)]

    # ---- guarding, compiling ----------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """The matcher marked busy: Python code it calls (the fold callback, a program's
        __hash__, __eq__, __bool__ or __index__) cannot add to it or match with it meanwhile,
        which would change the keys, nodes and memo under the batch or program being read."""
        if self._busy:
            raise RuntimeError("the matcher is in use (called back from within it)")
        self._busy = True
        try:
            yield
        finally:
            self._busy = False

    def _add(self, program: object, groups: object) -> int:
        if not isinstance(groups, tuple):
            raise TypeError(f"add() argument 2 must be tuple, not {type(groups).__name__}")
        if len(groups) > 2:
            raise ValueError("a slot is listed under at most two groups")
        slot = len(self._roots)
        root = self._compile(program)
        roles = ((), (ONLY,), (FIRST, SECOND))[len(groups)]
        # Every group read before any is listed: a refused add lists nothing.
        listed = [(self._group_keys(g), role) for g, role in zip(groups, roles, strict=True)]
        for keys, role in listed:
            for key in keys:
                self._anchored.setdefault(key, []).append((slot, role))
        if not groups:
            self._always.append(slot)
        self._roots.append(root)
        return slot

    def _group_keys(self, group: object) -> list[int]:
        """The keys (key * 2 + field) of a group: a tuple of (field, word, prefix)."""
        if not isinstance(group, tuple) or not group:
            raise malformed()
        keys = []
        for spec in group:
            if not isinstance(spec, tuple) or len(spec) != 3:
                raise malformed()
            key_field, prefix = c_long(spec[0]), bool(spec[2])
            if key_field not in (TEXT, TITLE):
                raise malformed()
            keys.append(2 * self._key_id(spec[1], prefix) + key_field)
        return keys

    def _key_id(self, word: object, prefix: bool) -> int:
        """The id of key (word, prefix), added if new."""
        if not isinstance(word, str):
            raise TypeError("bad argument type for built-in operation")
        data = word.encode()  # strict, as the C: a lone surrogate is refused
        if not 0 < len(data) <= MAX_WORD:
            raise ValueError("a key is 1 to 32768 bytes long")
        table = self._prefixes if prefix else self._words
        key = table.get(data)
        if key is None:
            key = table[data] = self._keys
            self._keys += 1
            if prefix:
                self._shortest_prefix = min(self._shortest_prefix, len(data))
                self._longest_prefix = max(self._longest_prefix, len(data))
            self._forget_tokens()  # tokens seen before may hold the new key
        return key

    def _compile(self, program: object) -> int:
        """The node of `program`, compiled once however many queries hold it."""
        known = self._node_ids.get(program)  # TypeError if unhashable, as the C
        if known is None:
            known = self._node_ids[program] = self._compile_fresh(program)
        return known

    def _compile_fresh(self, program: object) -> int:
        if not isinstance(program, tuple) or len(program) < 2 or not isinstance(program[0], str):
            raise malformed()
        kind, size = c_string(program[0]), len(program)
        if kind == b"filter" and size == 2:
            return self._new(Node(FILTER, value=natural(program[1], clamp=False)))
        if kind == b"not" and size == 2:
            return self._new(Node(NOT, value=self._compile(program[1])))
        if kind in (b"and", b"or") and size == 2:
            return self._new(Node(AND if kind == b"and" else OR, left=self._children(program[1])))
        node_field = c_long(program[1])
        if node_field not in (TEXT, TITLE):
            raise malformed()
        if kind == b"key" and size == 4:
            prefix = bool(program[3])
            return self._new(Node(KEY, node_field, self._key_id(program[2], prefix)))
        if kind == b"phrase" and size == 3:
            return self._new(Node(PHRASE, node_field, left=self._term_keys(program[2])))
        if kind == b"near" and size == 5:
            left, right = self._term_keys(program[2]), self._term_keys(program[3])
            distance = natural(program[4], clamp=True)
            return self._new(Node(NEAR, node_field, distance, left, right))
        raise malformed()

    def _children(self, children: object) -> tuple[int, ...]:
        if not isinstance(children, tuple) or not children:
            raise malformed()
        ids = []
        for child in children:  # a loop, not a comprehension: one frame per level of nesting
            ids.append(self._compile(child))
        return tuple(ids)

    def _term_keys(self, words: object) -> tuple[int, ...]:
        """The key ids of a term's ((word, prefix), ...), their positions read per batch."""
        if not isinstance(words, tuple) or not words:
            raise malformed()
        keys = []
        for pair in words:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise malformed()
            prefix = bool(pair[1])
            keys.append(self._key_id(pair[0], prefix))
            self._placed.add(keys[-1])
        return tuple(keys)

    def _new(self, node: Node) -> int:
        self._nodes.append(node)
        return len(self._nodes) - 1

    # ---- reading a batch --------------------------------------------------------------------

    def _forget_tokens(self) -> None:
        self._token_keys.clear()
        self._run_tokens.clear()
        self._memo_bytes = 0

    def _read(self, texts: object, titles: object, filters: object) -> Batch:
        """The batch of `texts` (their first len(tokens of titles[i]) words being the title),
        with the filters' documents as given."""
        if (
            not isinstance(texts, list)
            or not isinstance(titles, list)
            or not isinstance(filters, list)
            or len(texts) != len(titles)
        ):
            raise TypeError("texts, titles: lists of one length; filters: a list")
        # Copies: the fold callback may change the lists given.
        texts, titles, filters = list(texts), list(titles), list(filters)
        documents = len(texts)
        batch = Batch((1 << documents) - 1, [filter_documents(f, documents) for f in filters])
        if len(self._token_keys) > _MEMO_TOKENS or self._memo_bytes > _MEMO_BYTES:
            self._forget_tokens()
        for doc, (text, title) in enumerate(zip(texts, titles, strict=True)):
            if not isinstance(text, str) or not isinstance(title, str):
                raise TypeError("texts and titles are str")
            title_length = len(self._tokens(title))
            self._post(batch, doc, self._tokens(text), title_length)
        return batch

    def _tokens(self, text: str) -> list[bytes]:
        data = text.encode("utf-8", "surrogatepass")  # lone surrogates as their bytes
        if data.isascii():
            return [comparable(run) for run in _RUN.findall(data.lower())]
        found: list[bytes] = []
        for run in _RUN.findall(data):
            if run.isascii():
                found.append(comparable(run.lower()))
            else:
                found += self._folded(run)
        return found

    def _folded(self, run: bytes) -> list[bytes]:
        """The tokens of a run holding non-ASCII characters: folded on first sight."""
        tokens = self._run_tokens.get(run)
        if tokens is None:
            words = fold_result(self._fold(run.decode("utf-8", "surrogatepass")))
            tokens = []
            for word in words:
                if not isinstance(word, str):
                    raise TypeError("bad argument type for built-in operation")
                tokens.append(comparable(word.encode()))
            self._run_tokens[run] = tokens
            self._memo_bytes += len(run)
        return tokens

    def _keys_of(self, token: bytes) -> tuple[int, ...]:
        """The keys token holds: itself as a word, its prefixes (found on first sight)."""
        keys = self._token_keys.get(token)
        if keys is None:
            found = [self._words[token]] if token in self._words else []
            longest = min(len(token), self._longest_prefix)
            for length in range(self._shortest_prefix, longest + 1):
                prefix = self._prefixes.get(token[:length])
                if prefix is not None:
                    found.append(prefix)
            keys = self._token_keys[token] = tuple(found)
            self._memo_bytes += len(token)
        return keys

    def _post(self, batch: Batch, doc: int, tokens: list[bytes], title_length: int) -> None:
        """Document `doc`'s tokens posted under their keys (in the title too, among the first
        `title_length`)."""
        keys = [self._keys_of(token) for token in tokens]
        held: set[int] = set()
        positions: dict[int, list[int]] = {}
        for position, token_keys in enumerate(keys):
            for key in token_keys:
                held.add(2 * key + TEXT)
                if position < title_length:
                    held.add(2 * key + TITLE)
                if key in self._placed:
                    positions.setdefault(key, []).append(position)
        document = 1 << doc
        for posting in held:
            batch.postings[posting] = batch.postings.get(posting, 0) | document
        batch.keys.append(keys)
        batch.positions.append(positions)
        batch.lengths.append(len(tokens))
        batch.title_lengths.append(min(title_length, len(tokens)))

    # ---- candidates and evaluation ----------------------------------------------------------

    def _candidate_slots(self, batch: Batch) -> list[int]:
        """The slots a batch evaluates, ascending: by the keys present, and those listed under
        none (always evaluated)."""
        roles: dict[int, int] = dict.fromkeys(self._always, ONLY)
        for posting in batch.postings.keys() & self._anchored.keys():
            for slot, role in self._anchored[posting]:
                roles[slot] = roles.get(slot, 0) | role
        return sorted(slot for slot, role in roles.items() if is_candidate(role))

    def _passes_top_filters(self, batch: Batch, slot: int) -> bool:
        """Whether some document passes the filters at the top of slot's query (all, if none)."""
        root = self._nodes[self._roots[slot]]
        parts = [self._nodes[child] for child in root.left] if root.kind == AND else [root]
        passing = batch.every
        for part in parts:
            if part.kind == FILTER and part.value < len(batch.filters):
                passing &= batch.filters[part.value]
        return passing != 0

    def _evaluate(self, batch: Batch, node_id: int) -> int:
        """The documents node `node_id` matches: AND stops at the first empty result (children
        come cheapest first). One frame per level: any program compiled evaluates."""
        node = self._nodes[node_id]
        kind = node.kind
        if kind == KEY:
            return batch.postings.get(2 * node.value + node.field, 0)
        if kind == FILTER:
            if node.value >= len(batch.filters):
                raise ValueError("a filter's documents were not given")
            return batch.filters[node.value]
        if kind == NOT:
            return ~self._evaluate(batch, node.value) & batch.every
        if kind == AND:
            found = self._evaluate(batch, node.left[0])
            for child in node.left[1:]:
                if not found:
                    break
                found &= self._evaluate(batch, child)
            return found
        if kind == OR:
            found = 0
            for child in node.left:
                found |= self._evaluate(batch, child)
            return found
        if node_id not in batch.checked:
            batch.checked[node_id] = self._positional(batch, node)
        return batch.checked[node_id]

    def _positional(self, batch: Batch, node: Node) -> int:
        """The documents a phrase or NEAR matches: those holding all its keys, checked one by
        one."""
        holding = batch.every
        for key in (*node.left, *node.right):
            holding &= batch.postings.get(2 * key + node.field, 0)
        found = 0
        for doc in members(holding):
            length = batch.title_lengths[doc] if node.field == TITLE else batch.lengths[doc]
            if node.kind == PHRASE:
                matched = next(term_starts(batch, doc, node.left, length), None) is not None
            else:
                matched = near_found(batch, node, doc, length)
            if matched:
                found |= 1 << doc
        return found
