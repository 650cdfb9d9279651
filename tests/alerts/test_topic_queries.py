"""`topic:` and `~term` in the query language, the "why" they give, and the pitfalls caught."""

from __future__ import annotations

import pytest

from alerts.query import MAX_TERMS, MatchDocument, QuerySyntaxError, parse
from alerts.query.parser import MAX_EXPANDED_TERMS
from alerts.query.pitfalls import pitfalls
from alerts.query.topics import equivalent_terms

# A sentence of C-63's real summary
# (cassettes/ca-legisinfo-bills/bodies/bill_44-1_C-63_xml_civican.xml).
C63_SUMMARY = (
    "Part 1 of this enactment enacts the Online Harms Act, whose purpose is to, among other "
    "things, promote the online safety of persons in Canada, reduce harms caused to persons in "
    "Canada as a result of harmful content online"
)


def doc(text: str, topics: tuple[str, ...] = ()) -> MatchDocument:
    return MatchDocument(title="", text=text, topics=topics)


def test_topic_filters_on_the_stored_tags() -> None:
    query = parse("topic:csam|age-assurance")
    assert query.match(doc("anything", ("age-assurance",))) is not None
    assert query.match(doc("child pornography", ())) is None  # untagged: not the topic
    assert parse("topic:any").match(doc("x", ("csam",))) is not None
    assert parse("topic:any").match(doc("x", ())) is None


def test_a_topic_match_says_which_form_it_found_as_written() -> None:
    result = parse("topic:csam").match(doc("Code: pornographie juvénile.", ("csam",)))
    assert result is not None
    assert result.matched_terms == ['"pornographie juvénile" (Child sexual abuse material)']


def test_an_unknown_topic_lists_the_topics() -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse("topic:csm")
    assert "did you mean csam?" in error.value.message
    assert "age-assurance" in error.value.message
    assert "online-harms" in error.value.message


def test_equivalents_find_the_other_language_and_say_so() -> None:
    assert parse('"sécurité en ligne"').match(doc(C63_SUMMARY)) is None
    result = parse('~"sécurité en ligne"').match(doc(C63_SUMMARY))
    assert result is not None
    assert result.matched_terms == ['"online safety" (the English for sécurité en ligne)']


def test_accents_are_kept_as_written_in_the_why() -> None:
    result = parse("sécurité").match(doc("la SECURITE en ligne"))
    assert result is not None
    assert result.matched_terms == ["sécurité"]


def test_a_query_expanding_past_the_limit_is_refused() -> None:
    size = len(equivalent_terms("CSAM"))
    many = " OR ".join(["~CSAM"] * (MAX_EXPANDED_TERMS // size + 1))
    assert many.count("~") <= MAX_TERMS  # within the written limit: the expansion is refused
    with pytest.raises(QuerySyntaxError, match=r"expands to \d+ terms"):
        parse(many)


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("grooming or sextortion", "grooming OR sextortion"),
        ("online and safety", "online AND safety"),
        ('"grooming" online', "grooming online"),
        ('"child" "safety"', '"child safety"'),
        ("sex* online", "sex online"),
        ("~zebra", "zebra"),
    ],
)
def test_pitfalls_warn_with_the_suggested_query(query: str, suggestion: str) -> None:
    parse(query)  # valid: a warning, never an error or a silent other meaning
    assert [pitfall.suggestion for pitfall in pitfalls(query)] == [suggestion]


@pytest.mark.parametrize(
    "query", ["grooming OR sextortion", "or grooming", '"child safety"', "sextort*", "~CSAM"]
)
def test_queries_that_say_what_they_mean_get_no_warning(query: str) -> None:
    assert pitfalls(query) == []


def test_a_misspelt_field_suggests_the_field() -> None:
    with pytest.raises(QuerySyntaxError, match=r"did you mean jurisdiction:\?"):
        parse("jurisdicton:uk")
