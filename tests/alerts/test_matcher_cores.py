"""The batch matcher's cores, the C one (alerts/query/_matcher.c) and the pure Python one
(alerts.query.pure_matcher), each on hostile input: any Unicode text tokenised as Python
tokenises it, long tokens, malformed programs, callbacks that fail or call back, and the memo
of words kept across batches; and both giving the same bytes for any queries and documents.

Texts here are synthetic (bad input made up for the tests), not government documents.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.monitor import Monitor
from alerts.query import MatchDocument, Query, QuerySyntaxError, parse
from alerts.query.ast import Term
from alerts.query.core import BatchMatcher, MatcherCore, native_core, pure_core
from alerts.query.document import run_words
from tests.alerts.test_query_match import QUERY_TEXTS

# The C's MAX_WORD: bytes of a token compared with keys, and the longest key it takes.
MAX_KEY = 32768

# Characters where Python's tokenising and the C's could part: accents composed and not,
# combining marks, typographic apostrophes and dashes, Unicode spaces (str.split splits there,
# the C does not), zero-width characters, CJK and Hangul (folded into several characters),
# compatibility characters that fold into several letters (ﬁ, ㌖, ½), case pairs that fold
# unevenly (ß, İ, ς), other scripts' digits, emoji, lone surrogates, ASCII separators.
SPECIAL = [
    *"éÉe\u0301\u0301\u0327ÅåçÇ",
    *"\u2019\u2018\u02bc'\u2013\u2014\u2010-",
    *"\u00a0\u2003\u3000\u202f\u2028\u0085\t\n\x1f",
    *"\u200b\u200d\ufeff",
    *"日本語한국힣",
    *"ﬁ\u3316½²ǅﬀ\ufdfa",
    *"ßẞİıΣσς",
    *"٣߂१",
    *"😀👍🏽",
    "\ud800",
    "\udfff",
    *'_.,;:/()"*',
    *"aAbBzZ09",
]
CHARACTERS = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from("abcdefghij KLMNOP 0123 "),
    st.characters(),
)
ABSENT = ("zzqx", "ea", "secu*", '"ka le"', "title:zzqx")


@pytest.fixture(scope="module", params=["native", "pure"])
def core(request: pytest.FixtureRequest) -> MatcherCore:
    """Each core: the native one skipped only where the C extension was not built."""
    if request.param == "pure":
        return pure_core()
    native = native_core()
    if native is None:
        pytest.skip("the C extension alerts.query._matcher is not built")
    return native


def native_slots(found: bytes) -> list[int]:
    return memoryview(found).cast("i").tolist()


def query_texts(doc: MatchDocument) -> list[str]:
    """Queries on a document's own words, its title's and the words around the title's end:
    each word, phrases, prefixes, NEAR, in the title or anywhere."""
    words = doc.words
    last = len(words) - 1
    picks = sorted({0, 1, doc.title_length - 1, doc.title_length, last} & set(range(len(words))))
    texts = []
    for at in picks:
        word = words[at]
        texts += [word, f"title:{word}", f"{word[:3]}*", f"title:{word[:3]}*", f"{word[:-1]}*"]
        texts += [
            f'"{" ".join(words[at : at + size])}"' for size in (2, 3) if at + size <= len(words)
        ]
        texts += [f'title:"{" ".join(words[at : at + 2])}"']
        for other, distance in ((at + 2, 0), (at + 3, 1), (at + 4, 3), (at - 2, 2)):
            if 0 <= other < len(words):
                texts += [f"{word} NEAR/{distance} {words[other]}"]
    return texts


def parsed(texts: Sequence[str]) -> list[tuple[str, Query]]:
    """The valid queries among `texts` (a document's words are not all valid query words)."""
    queries = []
    for text in texts:
        try:
            queries.append((text, parse(text)))
        except QuerySyntaxError:
            continue
    return queries


def assert_monitor_agrees(
    core: MatcherCore, queries: list[tuple[str, Query]], batch: list[MatchDocument]
) -> None:
    monitor: Monitor[int] = Monitor(core=core)
    for number, (_, query) in enumerate(queries):
        monitor.add(number, query)
    expected = {  # per distinct document: a batch repeats a few
        id(document): [n for n, (_, query) in enumerate(queries) if query.match(document)]
        for document in batch
    }
    for document, found in zip(batch, monitor.match_batch(batch), strict=True):
        assert found.slots == expected[id(document)], (
            document,
            [queries[n][0] for n in found.slots],
        )


DOCUMENTS = st.builds(
    lambda title, body, titled: MatchDocument(
        title=title, text=f"{title}\n{body}" if titled else body
    ),
    st.text(CHARACTERS, max_size=30),
    st.text(CHARACTERS, max_size=80),
    st.booleans(),  # a title that does not start the text too: its length is a word count
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(DOCUMENTS, min_size=1, max_size=4), st.sampled_from((1, 3, 63, 64, 65, 129)), st.data()
)
def test_any_unicode_text_matches_as_query_match_reads_it(
    core: MatcherCore, documents: list[MatchDocument], size: int, data: st.DataObject
) -> None:
    """Guards C tokenising (ASCII runs in C, the others folded by the callback) against
    Python's `MatchDocument.words` and `title_length`, in batches across 64-document words."""
    picks = data.draw(st.lists(st.integers(0, len(documents) - 1), min_size=size, max_size=size))
    batch = [documents[pick] for pick in picks]
    texts = [text for document in documents for text in query_texts(document)]
    assert_monitor_agrees(core, parsed([*dict.fromkeys(texts), *ABSENT]), batch)


def test_the_query_texts_cover_every_kind_of_term(core: MatcherCore) -> None:
    """The property test's queries do hold words, titles, phrases, prefixes and NEAR."""
    document = MatchDocument(title="Sécurité des enfants", text="Sécurité des enfants\nen ligne")
    texts = [text for text, _ in parsed(query_texts(document))]
    for wanted in ("securite", "title:enfants", "enf*", '"des enfants en"', "ligne NEAR/2 enfants"):
        assert wanted in texts
    assert_monitor_agrees(core, parsed(texts), [document])


def matcher_of(core: MatcherCore, *programs: tuple[object, ...]) -> BatchMatcher:
    matcher = core.new(run_words)
    for program in programs:
        matcher.add(program, ())
    return matcher


def match(
    matcher: BatchMatcher, texts: list[str], filters: list[bytes] | None = None
) -> list[list[int]]:
    return [native_slots(found) for found in matcher.match(texts, [""] * len(texts), filters or [])]


def key(word: str, prefix: bool = False, field: int = 0) -> tuple[object, ...]:
    return ("key", field, word, prefix)


@pytest.mark.parametrize("letters", ["a", "\u65e5"])  # an ASCII run; one the callback folds
def test_a_token_longer_than_any_key_is_cut_and_marked(core: MatcherCore, letters: str) -> None:
    """Guards the cut: a token past MAX_KEY bytes still has its prefixes, and no word key
    equals it, not even one equal to its first MAX_KEY bytes (synthetic text)."""
    whole = "bb" + letters * MAX_KEY  # past MAX_KEY bytes whichever letter
    longest = whole.encode()[:MAX_KEY].decode()  # a whole number of letters either way
    matcher = matcher_of(core, key(longest), key("bb" + letters, prefix=True), key(whole[:1000]))
    assert match(matcher, [whole, longest, whole[:1000]]) == [[1], [0, 1], [1, 2]]
    with pytest.raises(ValueError, match="key"):
        matcher.add(key(longest + "b"), ())
    assert match(matcher, [longest + " " + whole]) == [[0, 1]]


@pytest.mark.parametrize("query", ["x" * 1000, "\u3316" * 999, "\uac00" * 999 + "*"])
def test_a_query_word_as_long_as_a_query_may_be_works(core: MatcherCore, query: str) -> None:
    """Guards the key limit: a query of MAX_LENGTH characters is one word, and folding can make
    a character 18 bytes (㌖ is six katakana): the Monitor takes it and matches as Query.match."""
    [(_, parsed_query)] = parsed([query])
    assert isinstance(parsed_query.root, Term)
    word = parsed_query.root.words[0]
    documents = [
        MatchDocument(title="", text=f"{word} {word[:-1]}"),
        MatchDocument(title="", text=word[:-1]),
        MatchDocument(title="", text=word + word[-1]),
    ]
    assert_monitor_agrees(core, [(query, parsed_query)], documents)
    assert parsed_query.match(documents[0]) is not None


@pytest.mark.parametrize("distance", [2**31 - 1, 2**31, 2**32, 10**30])
def test_a_near_distance_past_int32_still_means_any_distance(
    core: MatcherCore, distance: int
) -> None:
    """Guards the distance's conversion: NEAR/4294967296 once became NEAR/0 (cut to 32 bits),
    NEAR/2**31 a malformed program, NEAR/10**30 an OverflowError (synthetic text)."""
    queries = parsed([f"alpha NEAR/{distance} beta", f"beta NEAR/{distance} alpha"])
    documents = [MatchDocument(title="", text="alpha one two three beta")]
    assert_monitor_agrees(core, queries, documents)
    assert all(query.match(documents[0]) for _, query in queries)


MALFORMED: list[tuple[object, object]] = [
    ("key", ()),
    (("key", 0, "w"), ()),
    (("key", 0, "w", False, 1), ()),
    (("key", 2, "w", False), ()),
    (("key", -1, "w", False), ()),
    (("key", "0", "w", False), ()),
    (("key", 0, b"w", False), ()),
    (("key", 0, "", False), ()),
    (("key", 0, "x" * (MAX_KEY + 1), False), ()),
    (("key", 0, "\ud800", False), ()),
    ((), ()),
    ((0, 0), ()),
    (("word", 0, "w", False), ()),
    (("filter", -1), ()),
    (("filter", 2**32), ()),
    (("filter", "0"), ()),
    (("filter",), ()),
    (("not",), ()),
    (("not", "w"), ()),
    (("and", ()), ()),
    (("or", [key("w")]), ()),
    (("and", (key("w"), ("bogus", 0))), ()),
    (("phrase", 0, ()), ()),
    (("phrase", 0, (("w",),)), ()),
    (("phrase", 0, [("w", False)]), ()),
    (("phrase", 3, (("w", False), ("v", False))), ()),
    (("near", 0, (("w", False),), (("v", False),)), ()),
    (("near", 0, (("w", False),), (("v", False),), -1), ()),
    (("near", 0, (("w", False),), (("v", False),), "1"), ()),
    (("near", 0, (("w", False),), ("v",), 1), ()),
    (key("w"), "groups"),
    (key("w"), ((), ())),
    (key("w"), (((0, "w", False),),) * 3),
    (key("w"), (((0, "w"),),)),
    (key("w"), (((2, "w", False),),)),
    (key("w"), (((0, "w", False),), ((0, "v", False), (0, "", False)))),
    (key("w"), (((0, "w", False),), ((0, "v", False), (-1, "u", False)))),
    (("key", 0, "w", False, [1]), ()),  # unhashable: the node cache cannot hold it
]


@pytest.mark.parametrize(("program", "groups"), MALFORMED)
def test_a_malformed_program_is_refused_and_leaves_the_matcher_as_it_was(
    core: MatcherCore, program: object, groups: object
) -> None:
    """Guards add's checks (a bad tuple read as a node would read past it) and that a refused
    add lists nothing: a slot once half-listed under `w` by a failing second group was picked
    as a candidate for the next slot of the same number (synthetic text)."""
    matcher = matcher_of(core, key("alpha"))
    with pytest.raises((ValueError, TypeError)):
        matcher.add(program, groups)  # type: ignore[arg-type]
    assert len(matcher) == 1
    assert matcher.add(key("beta"), (((0, "beta", False),), ((0, "gamma", False),))) == 1
    texts = ["alpha w v", "beta gamma w v u", "beta w v"]
    assert [match(matcher, [text]) for text in texts] == [[[0]], [[1]], [[]]]
    assert matcher.candidates(texts[2:], [""], []) == [0]


def test_a_batch_of_the_wrong_shape_is_refused_and_an_empty_one_matches_nothing(
    core: MatcherCore,
) -> None:
    """Guards batch_read's checks: filters' bytes are read 8 per 64 documents, texts and
    titles in step (synthetic text)."""
    matcher = matcher_of(core, ("and", (key("alpha"), ("filter", 0))))
    with pytest.raises(ValueError, match="filter"):
        matcher.match(["alpha"], [""], [b"\x01"])
    with pytest.raises(ValueError, match="filter"):
        matcher.match(["alpha"] * 65, [""] * 65, [b"\xff" * 8])
    with pytest.raises(ValueError, match="filter"):  # a program's filter the batch lacks
        matcher.match(["alpha"], [""], [])
    with pytest.raises(TypeError):
        matcher.match(["alpha", "alpha"], [""], [b"\x01" + bytes(7)])
    with pytest.raises(TypeError):
        matcher.match(("alpha",), ("",), [b"\x01" + bytes(7)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        matcher.match(["alpha"], [None], [b"\x01" + bytes(7)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="filter"):
        matcher.match(["alpha"], [""], ["\x01" + "\0" * 7])  # type: ignore[list-item]
    assert matcher.match([], [], [b""]) == []
    assert matcher.candidates([], [], [b""]) == []
    assert match(matcher, ["alpha"] * 65, [b"\xff" * 8 + b"\x01" + bytes(7)]) == [[0]] * 65


@pytest.mark.parametrize("documents", [1, 63, 65])
def test_a_filter_naming_documents_past_the_batch_is_refused(
    core: MatcherCore, documents: int
) -> None:
    """Guards the results' document numbers: a filter alone as a query, its bytes naming all
    64 documents of a word in a batch of one, once wrote past the per-document counts
    (synthetic bytes)."""
    matcher = matcher_of(core, ("filter", 0), ("or", (key("zz"), ("not", ("filter", 0)))))
    size = (documents + 63) // 64 * 8
    every = (1 << documents) - 1
    with pytest.raises(ValueError, match="past the batch"):
        matcher.match(
            ["x"] * documents,
            [""] * documents,
            [(every + (1 << documents)).to_bytes(size, "little")],
        )
    with pytest.raises(ValueError, match="past the batch"):
        matcher.candidates(["x"] * documents, [""] * documents, [b"\xff" * size])
    found = match(matcher, ["x"] * documents, [(every - 1).to_bytes(size, "little")])
    assert found == [[1]] + [[0]] * (documents - 1)


def test_a_fold_that_raises_propagates_and_the_matcher_goes_on(core: MatcherCore) -> None:
    """Guards the callback's error path (synthetic text)."""

    def fold(run: str) -> Sequence[str]:
        if "\u00e9" in run:
            raise LookupError(run)
        return run_words(run)

    matcher = core.new(fold)
    matcher.add(key("ka"), ())
    with pytest.raises(LookupError):
        matcher.match(["ka k\u00e1 \u00e9"], [""], [])
    assert [native_slots(found) for found in matcher.match(["k\u00e1", "x"], ["", ""], [])] == [
        [0],
        [],
    ]


def test_a_fold_returning_no_words_fails_and_leaves_the_memo_in_step(core: MatcherCore) -> None:
    """Guards the memo of runs: a fold result failing at its second word once left the run's
    offset recorded without its count, so each later run read the next one's count (`ká`, the
    second time, held `le` too) (synthetic text)."""

    def fold(run: str) -> Sequence[str]:
        return ("ok", 5) if "bad" in run else run_words(run)  # type: ignore[return-value]

    matcher = core.new(fold)
    matcher.add(key("le"), ())
    with pytest.raises(TypeError):
        matcher.match(["bad\u00e9"], [""], [])
    found = matcher.match(["k\u00e1", "l\u00e9\u00a0m\u00e9", "k\u00e1"], [""] * 3, [])
    assert [native_slots(slots) for slots in found] == [[], [0], []]


def test_a_fold_that_calls_the_matcher_back_is_refused(core: MatcherCore) -> None:
    """Guards against a callback changing the matcher under a batch: an add from within the
    fold once grew the keys past the batch's postings and crashed (synthetic text)."""

    def fold(run: str) -> Sequence[str]:
        matcher.add(key("late"), ())
        return run_words(run)

    matcher = core.new(fold)
    matcher.add(key("word"), ())
    with pytest.raises(RuntimeError, match="in use"):
        matcher.match(["\u00e9 word"], [""], [])
    assert len(matcher) == 1
    assert matcher.add(key("late"), ()) == 1


def test_a_fold_that_empties_the_batchs_lists_reads_the_batch_as_given(core: MatcherCore) -> None:
    """Guards the batch's hold on its texts and filters: a fold clearing the lists once freed
    the strings being read (synthetic text)."""
    texts = [f"\u00e9{n} word" for n in range(200)]
    filters = [((1 << 200) - 1).to_bytes(32, "little")]

    def fold(run: str) -> Sequence[str]:
        texts.clear()
        filters.clear()
        return run_words(run)

    matcher = core.new(fold)
    matcher.add(("and", (key("word"), ("filter", 0))), (((0, "word", False),),))
    found = matcher.match(texts, [""] * 200, filters)
    assert [native_slots(slots) for slots in found] == [[0]] * 200


def test_a_program_nested_too_deep_is_refused(core: MatcherCore) -> None:
    """Guards the C stack: compiling and evaluating recurse per level (synthetic program)."""
    program: tuple[object, ...] = key("x")
    for _ in range(5_000):  # past the recursion limit (1,000)
        program = ("not", program)
    matcher = matcher_of(core, key("x"))
    with pytest.raises(RecursionError):
        matcher.add(program, ())
    assert match(matcher, ["x"]) == [[0]]


def test_words_seen_before_a_key_was_added_are_found_under_it(core: MatcherCore) -> None:
    """Guards the token memo's invalidation: a word (ASCII, or in a run the callback folds)
    seen in a batch before it became a key, or a prefix key, is found afterwards."""
    documents = [
        MatchDocument(title="Sécurité en ligne", text="Sécurité en ligne\nprotection, 日本語 ok"),
        MatchDocument(title="Other", text="Other\nprotections éa"),
    ]
    monitor: Monitor[str] = Monitor(core=core)
    rounds = [
        ["ligne"],
        ["protection", "securite", "日本語"],
        ["prot*", "secu*", "title:secur*", '"en ligne"', "ea NEAR/0 protections"],
        ["title:other", "日本語*", "protections", "ok NEAR/1 日本語", "protections -ligne"],
    ]
    queries: list[tuple[str, Query]] = []
    for texts in rounds:
        for text in texts:
            queries.append((text, parse(text)))
            monitor.add(text, queries[-1][1])
        for document, found in zip(documents, monitor.match_batch(documents), strict=True):
            expected = [text for text, query in queries if query.match(document)]
            assert found.items == expected
    assert len(queries) == 14


def test_matching_keeps_no_reference_to_what_it_was_given(core: MatcherCore) -> None:
    """Guards reference counting: a batch's texts, titles, filters and the callback's
    results are let go when match returns, as they are when it fails."""
    word = "alpha"
    texts = [f"{word} \u00e9t\u00e9 beta", f"gamma {word}s"]  # built: not shared constants
    titles = [f"{word}", f"{word}s"]
    filters = [bytes([3]) + bytes(7)]
    matcher = core.new(run_words)
    program = ("and", (key("alpha"), ("filter", 0)))
    matcher.add(program, (((0, "alpha", False),),))
    matcher.add(("phrase", 0, (("alpha", False), ("ete", True))), ())
    before = [sys.getrefcount(value) for value in (*texts, *titles, *filters, run_words)]
    for _ in range(200):
        assert [native_slots(found) for found in matcher.match(texts, titles, filters)] == [
            [0, 1],
            [],
        ]
        assert matcher.candidates(texts, titles, filters) == [0, 1]
        with pytest.raises(ValueError, match="filter"):
            matcher.match(texts, titles, [b"\x01"])
    after = [sys.getrefcount(value) for value in (*texts, *titles, *filters, run_words)]
    assert after == before


# Documents with the fields query filters read, so filters split batches too.
FILED_DOCUMENTS = st.builds(
    lambda document, jurisdiction, kind: MatchDocument(
        document.title, document.text, jurisdiction=jurisdiction, kind=kind, stage="2nd reading"
    ),
    DOCUMENTS,
    st.sampled_from(["uk", "ca"]),
    st.sampled_from(["bill", "statement"]),
)
ROUNDS = st.lists(
    st.tuples(
        st.lists(QUERY_TEXTS, max_size=8),
        st.lists(FILED_DOCUMENTS, min_size=1, max_size=4),
        st.sampled_from((1, 3, 65)),
    ),
    min_size=1,
    max_size=3,
)
Round = tuple[list[str], list[MatchDocument], int]


def results_of(core: MatcherCore, rounds: list[Round]) -> list[tuple[list[int], list[bytes]]]:
    """Per round (queries added: drawn ones and the documents' own words; then a batch of the
    documents repeated to `size`), the candidates and each document's result bytes."""
    monitor: Monitor[int] = Monitor(core=core)
    results = []
    for drawn, documents, size in rounds:
        own = [text for document in documents for text in query_texts(document)]
        for _, query in parsed([*drawn, *own]):
            monitor.add(len(monitor), query)
        batch = [documents[number % len(documents)] for number in range(size)]
        found = monitor.match_batch(batch)
        results.append((monitor.candidates(batch), [matched._slots for matched in found]))
    return results


@settings(max_examples=200, deadline=None)
@given(ROUNDS)
def test_both_cores_give_the_same_bytes_for_any_queries_and_documents(
    rounds: list[Round],
) -> None:
    """Guards the pure core against the C one: the same candidates and result bytes, round
    after round (what a batch leaves in the memo must not change a later one)."""
    native = native_core()
    if native is None:
        pytest.skip("the C extension alerts.query._matcher is not built")
    assert results_of(pure_core(), rounds) == results_of(native, rounds)
