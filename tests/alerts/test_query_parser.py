"""The query grammar: every construct, canonical printing, limits and positioned errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.monitor import Monitor
from alerts.query import MAX_DEPTH, MAX_LENGTH, MAX_TERMS, MatchDocument, QuerySyntaxError, parse
from alerts.query.ast import And, Filter, InTitle, Near, Node, Not, Or, Term


def node(text: str) -> Node:
    return parse(text).root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grooming", Term(("grooming",))),
        ("Sécurité", Term(("securite",))),
        ('"online safety"', Term(("online", "safety"))),
        ("child-safety", Term(("child", "safety"))),
        ("l'âge", Term(("l", "age"))),
        ("l’âge", Term(("l", "age"))),
        ("child*", Term(("child",), prefix=True)),
        ('"abus pédosexuel*"', Term(("abus", "pedosexuel"), prefix=True)),
        ("a b", And((Term(("a",)), Term(("b",))))),
        ("a AND b", And((Term(("a",)), Term(("b",))))),
        ("a OR b", Or((Term(("a",)), Term(("b",))))),
        ("a -b", And((Term(("a",)), Not(Term(("b",)))))),
        ("a NOT b", And((Term(("a",)), Not(Term(("b",)))))),
        (
            '"age verification" NEAR/5 "social media"',
            Near(Term(("age", "verification")), Term(("social", "media")), 5),
        ),
        ("title:grooming", InTitle(Term(("grooming",)))),
        ("title:(a OR b)", InTitle(Or((Term(("a",)), Term(("b",)))))),
        ("x jurisdiction:UK", And((Term(("x",)), Filter("jurisdiction", ("uk",))))),
        ("x type:bill|statement", And((Term(("x",)), Filter("type", ("bill", "statement"))))),
        ('x stage:"Royal Assent"', And((Term(("x",)), Filter("stage", ("royal assent",))))),
        ('number:"C-63"', Filter("number", ("c63",))),
    ],
)
def test_each_construct_parses_to_its_node(text: str, expected: Node) -> None:
    assert node(text) == expected


def test_not_binds_tighter_than_and_and_and_tighter_than_or() -> None:
    a, b, c, d = (Term((w,)) for w in "abcd")
    assert node("a OR b c NOT d OR c") == Or((a, And((b, c, Not(d))), c))
    assert node("(a OR b) c") == And((Or((a, b)), c))


def test_field_names_ignore_case_and_any_whitespace_separates() -> None:
    assert node("Title:grooming") == InTitle(Term(("grooming",)))
    assert node("online\u00a0AND\tsafety") == And((Term(("online",)), Term(("safety",))))


def test_lower_case_operators_are_words() -> None:
    assert node("online and safety") == And((Term(("online",)), Term(("and",)), Term(("safety",))))


def test_canonical_form_of_the_design_example() -> None:
    query = parse(
        '("child sexual abuse" OR CSAM OR "abus pédosexuel*") AND (online OR internet) -climate'
    )
    assert str(query) == (  # terms as written: capitals and accents kept
        '("child sexual abuse" OR CSAM OR "abus pédosexuel*") AND (online OR internet)'
        " AND NOT climate"
    )
    assert parse(str(query)).root == query.root


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("ch*", 0, "at least 3 letters"),
        ("online AND", 10, "expected a word, a phrase, a field or ("),
        ('online "safety', 7, 'expected a closing "'),
        ("(online safety", 14, "expected a closing )"),
        ("online)", 6, "AND, OR, NOT or the end of the query"),
        ("a NEAR/3 (b OR c)", 9, "each side of NEAR"),
        ("a foo:bar", 2, "unknown field 'foo'"),
        ("a jurisdiction:fr", 15, "expected us, uk, ca, au, nz"),
        ("a type:law", 7, "expected bill, statement"),
        ("a ch*ld", 2, "* may only end a term"),
        ("a !!!", 2, "letters or digits"),
        ("", 0, "the query is empty"),
    ],
)
def test_errors_point_at_the_position(text: str, column: int, expected: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    error = caught.value
    assert error.position == column
    assert expected in error.message
    query_line, caret_line, message = error.pretty().splitlines()
    assert query_line == f"  {text}"
    assert caret_line.index("^") == column + 2
    assert expected in message


@pytest.mark.parametrize(
    "text", ["-climate", "NOT climate", "NOT (a OR b)", "-a -b", "title:(NOT a)", "a OR -b"]
)
def test_a_query_that_can_only_exclude_is_refused(text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="can only exclude"):
        parse(text)


def test_length_and_term_limits() -> None:
    with pytest.raises(QuerySyntaxError, match=f"at most {MAX_LENGTH}"):
        parse("a" * (MAX_LENGTH + 1))
    parse(" ".join(["abc"] * MAX_TERMS))
    with pytest.raises(QuerySyntaxError, match=f"at most {MAX_TERMS}"):
        parse(" ".join(["abc"] * (MAX_TERMS + 1)))


# SYNTHETIC hostile input: n levels of nesting of each kind, and the column where level k opens.
NESTINGS: dict[str, tuple[Callable[[int], str], Callable[[int], int]]] = {
    "parentheses": (lambda n: "(" * n + "a b" + ")" * n, lambda k: k - 1),
    "NOT": (lambda n: "b " + "NOT " * n + "a", lambda k: 2 + 4 * (k - 1)),
    "minus": (lambda n: "b " + "-(" * (n // 2) + "a" + ")" * (n // 2), lambda k: 2 + (k - 1)),
    "title": (lambda n: "title:" * n + "a", lambda k: 6 * (k - 1)),
}


@pytest.mark.parametrize("kind", NESTINGS)
def test_nesting_up_to_the_limit_parses_prints_and_matches_natively(kind: str) -> None:
    build, _ = NESTINGS[kind]
    query = parse(build(MAX_DEPTH))
    assert parse(str(query)).root == query.root
    document = MatchDocument(title="a", text="a b")
    monitor: Monitor[int] = Monitor()
    monitor.add(0, query)  # compiled into the C matcher's program, which recurses per level
    [found] = monitor.match_batch([document])
    assert found.slots == ([0] if query.match(document) else [])


@pytest.mark.parametrize("kind", NESTINGS)
@pytest.mark.parametrize("deepest", [False, True])
def test_nesting_past_the_limit_is_a_positioned_query_error(kind: str, deepest: bool) -> None:
    """~200 parentheses raised RecursionError (a 500 on the web, a traceback in the CLI)."""
    build, column = NESTINGS[kind]
    fits = (n for n in range(MAX_LENGTH, MAX_DEPTH, -1) if len(build(n)) <= MAX_LENGTH)
    text = build(next(fits) if deepest else MAX_DEPTH + 2)
    with pytest.raises(QuerySyntaxError, match=f"nested too deeply: at most {MAX_DEPTH}") as error:
        parse(text)
    assert error.value.position == column(MAX_DEPTH + 1)


def test_near_inside_the_deepest_level_keeps_its_printed_form_parseable() -> None:
    """A NEAR prints inside parentheses: at the last level it would print one level deeper."""
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse("(" * MAX_DEPTH + "a NEAR/3 b c" + ")" * MAX_DEPTH)
    query = parse("(" * (MAX_DEPTH - 1) + "a NEAR/3 b c" + ")" * (MAX_DEPTH - 1))
    assert parse(str(query)).root == query.root


@pytest.mark.parametrize(
    ("text", "required"),
    [
        ("grooming", {"grooming"}),
        ('"online safety" AND (csam OR grooming)', {"online"}),
        ("csam OR grooming", {"csam", "grooming"}),
        ("child* OR csam", {"child*", "csam"}),
        ('"abus pedosexuel*"', {"abus"}),
        ("title:grooming jurisdiction:uk", {"grooming"}),
        ("grooming -climate", {"grooming"}),
    ],
)
def test_required_terms(text: str, required: set[str]) -> None:
    query = parse(text)
    assert query.required_terms == frozenset(required)
    assert query.indexable


@pytest.mark.parametrize("text", ["jurisdiction:uk", "grooming OR type:bill"])
def test_no_required_terms_when_a_filter_alone_can_match(text: str) -> None:
    query = parse(text)
    assert query.required_terms is None
    assert not query.indexable


# Property: whatever the parser accepts prints to a form that parses back to the same AST.
WORDS = st.sampled_from(
    [
        "online",
        "safety",
        "child",
        "csam",
        "âge",
        "l'enfant",
        "c-63",
        "and",
        "or",
        "near",
        "title",
        "Sécurité",
    ]
)
TERMS = st.one_of(
    WORDS,
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(["child*", '"online saf*"']),
)
FILTERS = st.sampled_from(
    ["jurisdiction:uk", "type:bill|statement", 'stage:"2nd reading"', 'number:"HL Bill 12"']
)


def _queries(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from([" ", " AND ", " OR "]), children).map("".join),
        children.map(lambda q: f"({q})"),
        children.map(lambda q: f"title:({q})"),
        st.tuples(children, st.sampled_from([" -", " NOT "]), TERMS).map("".join),
    )


QUERIES = (
    st.recursive(
        st.one_of(
            TERMS,
            st.tuples(TERMS, st.integers(0, 20), TERMS).map(lambda t: f"{t[0]} NEAR/{t[1]} {t[2]}"),
        ),
        _queries,
        max_leaves=8,
    )
    .flatmap(lambda q: st.sampled_from([q, f"{q} {{f}}"]).map(str))
    .map(lambda q: q.replace("{f}", "jurisdiction:uk"))
)


@given(QUERIES)
def test_printed_form_parses_back_to_an_equal_ast(text: str) -> None:
    query = parse(text)
    assert parse(str(query)).root == query.root


def test_compatibility_letters_round_trip() -> None:
    query = parse("𝕬𝖇𝖚𝖘")
    assert parse(str(query)).root == query.root


@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_a_positioned_error(text: str) -> None:
    position: int | None = None
    try:
        query = parse(text)
    except QuerySyntaxError as error:
        position = error.position
    if position is None:
        assert parse(str(query)).root == query.root
    else:
        assert 0 <= position <= len(text)


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ('"duty of care"', [{"duty"}, {"of"}, {"care"}]),
        ('"abus pedosexuel*" online', [{"abus"}, {"pedosexuel*"}, {"online"}]),
        ("a NEAR/3 b -c", [{"a"}, {"b"}]),
        ('(csam OR "online safety") AND title:child*', [{"csam", "online"}, {"title:child*"}]),
        ("csam OR jurisdiction:uk", []),
    ],
)
def test_required_groups_each_hold_a_key_of_a_matching_document(
    text: str, groups: list[set[str]]
) -> None:
    assert list(parse(text).required_groups) == [frozenset(g) for g in groups]
