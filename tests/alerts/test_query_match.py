"""Evaluating queries on documents, and agreement with a brute-force reference evaluator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.monitor import Monitor
from alerts.query import MatchDocument, MatchResult, parse
from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term
from alerts.query.document import located_words
from models.text import reference_key, tokens
from tests.alerts.conftest import holds_any


def doc(title: str, body: str = "", **fields: str) -> MatchDocument:
    return MatchDocument(title=title, text=f"{title}\n{body}", **fields)


FRENCH = doc(
    "Loi sur la protection des jeunes contre l’exposition à la pornographie",
    "Loi limitant l’accès en ligne des jeunes au matériel pornographique. "
    "Sécurité des enfants en ligne.",
)
ENGLISH = doc(
    "Online Safety Bill",
    "Provision about age verification. Social media services "
    "must protect children; child-safety duties apply.",
    jurisdiction="uk",
    kind="bill",
    stage="Royal Assent royal_assent",
    reference="HL Bill 12",
)


@pytest.mark.parametrize(
    ("text", "document", "matches"),
    [
        ("securite", FRENCH, True),
        ("SÉCURITÉ", FRENCH, True),
        ("acces", FRENCH, True),
        ("l'acces", FRENCH, True),
        ('"materiel pornographique"', FRENCH, True),
        ('"pornographique materiel"', FRENCH, False),
        ("porno*", FRENCH, True),
        ('"en lig*"', FRENCH, True),
        ("child-safety", ENGLISH, True),
        ('"child safety"', ENGLISH, True),
        ("childsafety", ENGLISH, False),
        ("grooming", ENGLISH, False),
        ("grooming OR online", ENGLISH, True),
        ("online -verification", ENGLISH, False),
        ("online NOT grooming", ENGLISH, True),
        ("title:safety", ENGLISH, True),
        ("title:children", ENGLISH, False),
        ("title:(online safety)", ENGLISH, True),
        ("online jurisdiction:uk", ENGLISH, True),
        ("online jurisdiction:ca", ENGLISH, False),
        ("online type:bill", ENGLISH, True),
        ("online type:statement", ENGLISH, False),
        ("online type:statement|bill", ENGLISH, True),
        ('online stage:"royal assent"', ENGLISH, True),
        ('online stage:"second reading"', ENGLISH, False),
        ('number:"HL Bill 12"', ENGLISH, True),
        ("number:hlbill12", ENGLISH, True),
        ('number:"C-63"', ENGLISH, False),
    ],
)
def test_constructs_match_as_documented(text: str, document: MatchDocument, matches: bool) -> None:
    assert (parse(text).match(document) is not None) is matches


@pytest.mark.parametrize(
    ("distance", "matches"),
    [(0, False), (1, True), (5, True)],
)
def test_near_counts_words_across_sentence_punctuation(distance: int, matches: bool) -> None:
    # One word ("Then") and a full stop separate the two phrases.
    text = f'"age verification" NEAR/{distance} "social media"'
    document = doc("Bill", "About age verification. Then social media; rules.")
    assert (parse(text).match(document) is not None) is matches


def test_near_is_symmetric() -> None:
    document = doc("Bill", "social media; age verification")
    assert parse('"age verification" NEAR/0 "social media"').match(document) is not None


def test_match_result_names_terms_and_prefers_a_title_hit() -> None:
    result = parse('"social media" OR safety OR grooming').match(ENGLISH)
    assert result is not None
    assert result.matched_terms == ["safety", '"social media"']
    assert result.best is not None
    assert result.best.start == 1
    assert result.in_title(result.best)


def test_negated_terms_are_not_reported_as_matched() -> None:
    result = parse("online -grooming").match(ENGLISH)
    assert result is not None
    assert result.matched_terms == ["online"]


# --- brute-force reference: plain loops over the folded word lists, no indexes ---


def _has(words: list[str], term: Term) -> list[tuple[int, int]]:
    size = len(term.words)
    spans = []
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        head_ok = window[:-1] == list(term.words[:-1])
        last, wanted = window[-1], term.words[-1]
        last_ok = last.startswith(wanted) if term.prefix else last == wanted
        if head_ok and last_ok:
            spans.append((start, start + size))
    return spans


def reference_eval(
    node: Node, title: str, text: str, meta: dict[str, str], in_title: bool = False
) -> bool:
    words = tokens(title) if in_title else tokens(text)
    if isinstance(node, Term):
        return bool(_has(words, node))
    if isinstance(node, Near):
        return any(
            max(0, b0 - a1, a0 - b1) <= node.distance
            for a0, a1 in _has(words, node.left)
            for b0, b1 in _has(words, node.right)
        )
    if isinstance(node, InTitle):
        return reference_eval(node.child, title, text, meta, True)
    if isinstance(node, Not):
        return not reference_eval(node.child, title, text, meta, in_title)
    if isinstance(node, And):
        return all(reference_eval(c, title, text, meta, in_title) for c in node.children)
    if isinstance(node, Or):
        return any(reference_eval(c, title, text, meta, in_title) for c in node.children)
    assert isinstance(node, Filter)
    if node.field == "number":
        return reference_key(meta["reference"]) in node.values
    if node.field == "stage":
        stage = " ".join(tokens(meta["stage"]))
        return any(f" {v} " in f" {stage} " for v in node.values)
    return meta[{"jurisdiction": "jurisdiction", "type": "kind"}[node.field]] in node.values


VOCAB = ["online", "safety", "child", "children", "âge", "Sécurité", "l'enfant", "media"]
SEPARATORS = [" ", ". ", ", ", " - ", "; "]
QUERY_WORDS = [
    "online",
    "safety",
    "child",
    "child*",
    "age",
    "securite",
    "l",
    "enfant",
    '"online safety"',
    '"online saf*"',
    "media",
    "enf*",
]


@st.composite
def small_texts(draw: st.DrawFn, max_words: int) -> str:
    words = draw(st.lists(st.sampled_from(VOCAB), max_size=max_words))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip()


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from([" ", " AND ", " OR ", " -"]), children).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        children.map(lambda q: f"title:({q})"),
    )


QUERY_TEXTS = st.recursive(
    st.one_of(
        st.sampled_from(QUERY_WORDS),
        st.tuples(
            st.sampled_from(QUERY_WORDS), st.integers(0, 4), st.sampled_from(QUERY_WORDS)
        ).map(lambda t: f"{t[0]} NEAR/{t[1]} {t[2]}"),
    ),
    _combine,
    max_leaves=6,
).flatmap(
    lambda q: st.sampled_from(
        [
            q,
            f"{q} jurisdiction:uk",
            f"{q} type:statement",
            f'{q} stage:"2nd reading"',
            f"{q} number:c63",
        ]
    )
)


# A query, a title, a body and the document's fields: what the brute-force evaluator compares on.
CASES = (
    QUERY_TEXTS,
    small_texts(4),
    small_texts(12),
    st.sampled_from(["uk", "ca"]),
    st.sampled_from(["bill", "statement"]),
    st.sampled_from(["2nd reading", "Royal Assent"]),
    st.sampled_from(["C-63", "S-209"]),
)


@settings(max_examples=300)
@given(*CASES)
def test_evaluation_agrees_with_brute_force(
    query_text: str, title: str, body: str, jurisdiction: str, kind: str, stage: str, reference: str
) -> None:
    query = parse(query_text)
    meta = {"jurisdiction": jurisdiction, "kind": kind, "stage": stage, "reference": reference}
    document = doc(title, body, **meta)
    expected = reference_eval(query.root, title, document.text, meta)
    assert (query.match(document) is not None) is expected


@settings(max_examples=300)
@given(QUERY_TEXTS, small_texts(4), small_texts(12))
def test_a_matching_document_always_holds_a_required_term(
    query_text: str, title: str, body: str
) -> None:
    query = parse(query_text)
    document = doc(
        title, body, jurisdiction="uk", kind="statement", stage="2nd reading", reference="C-63"
    )
    if query.match(document) is not None and query.required_terms is not None:
        assert holds_any(document, query.required_terms)


def test_holds_any_knows_prefix_keys() -> None:
    assert holds_any(ENGLISH, frozenset({"verif*"}))
    assert not holds_any(ENGLISH, frozenset({"grooming", "csam*"}))


@settings(max_examples=200)
@given(QUERY_TEXTS, small_texts(4), small_texts(12))
def test_a_lazy_match_reads_as_the_evaluated_one(query_text: str, title: str, body: str) -> None:
    query = parse(query_text)
    eager = query.match(doc(title, body, jurisdiction="uk", kind="bill", stage="2nd reading"))
    if eager is not None:  # a lazy result is made only for a document known to match
        document = doc(title, body, jurisdiction="uk", kind="bill", stage="2nd reading")
        lazy = MatchResult(query.root, document)
        assert lazy == eager
        assert (lazy.matched_terms, lazy.best) == (eager.matched_terms, eager.best)


def test_a_lazy_result_of_a_query_that_does_not_match_cannot_be_read() -> None:
    result = MatchResult(parse("grooming").root, ENGLISH)
    with pytest.raises(ValueError, match="does not match"):
        _ = result.hits


def near_matches(query_text: str, document: MatchDocument) -> bool:
    """Whether the batch matcher (which checks NEAR on documents holding both its words)
    matches `document`."""
    monitor: Monitor[str] = Monitor()
    monitor.add(query_text, parse(query_text))
    [found] = monitor.match_batch([document])
    return found.items == [query_text]


def test_near_on_plain_words_counts_the_words_between() -> None:
    document = doc("Bill", "age checks. Then verification; rules")
    # "checks" and "then" separate them: NEAR/1 is too close, NEAR/2 is enough.
    assert not near_matches("age NEAR/1 verification", document)
    assert near_matches("age NEAR/2 verification", document)
    assert near_matches("verification NEAR/2 age", document)
    assert near_matches("title:(bill NEAR/0 bill)", document)
    assert not near_matches("title:(bill NEAR/5 age)", document)


@given(st.text(max_size=80))
def test_document_words_are_the_located_words(text: str) -> None:
    document = MatchDocument(title="", text=text)
    assert document.words == located_words(document.text)[0]
