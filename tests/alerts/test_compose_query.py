"""alerts.subscriptions.compose_query and split_query: a form's words and picked topics as one
stored query, and read back for the manage form."""

from __future__ import annotations

import pytest

from alerts.query import parse
from alerts.subscriptions import compose_query, split_query
from models.taxonomy import topic_labels


@pytest.mark.parametrize(
    ("words", "topics", "stored", "picked"),
    [
        ("grooming OR sextortion", ["csam", "age-assurance"],
         "topic:csam|age-assurance AND (grooming OR sextortion)", ("csam", "age-assurance")),
        ("", ["age-assurance", "csam"], "topic:csam|age-assurance", ("csam", "age-assurance")),
        ("  budget ", [], "budget", ()),
        ('"online safety"', ["CSAM", "any"], 'topic:any AND ("online safety")', ("any",)),
    ],
)  # fmt: skip
def test_compose_puts_the_topic_filter_before_the_parenthesised_words(
    words: str, topics: list[str], stored: str, picked: tuple[str, ...]
) -> None:
    assert compose_query(words, topics) == stored
    parse(stored)  # topics alone are a valid query
    assert split_query(stored) == (words.strip(), picked)


@pytest.mark.parametrize(
    ("stored", "words", "topics"),
    [
        ("topic:csam|age-assurance AND (grooming OR sextortion)", "grooming OR sextortion",
         ("csam", "age-assurance")),
        ("topic:any", "", ("any",)),
        ("topic:csam grooming", "grooming", ("csam",)),  # written by hand, same meaning
        ("topic:CSAM AND (~grooming)", "~grooming", ("csam",)),
    ],
)  # fmt: skip
def test_split_reads_back_the_top_level_topic_filter(
    stored: str, words: str, topics: tuple[str, ...]
) -> None:
    assert split_query(stored) == (words, topics)
    assert parse(compose_query(words, topics)).root == parse(stored).root


@pytest.mark.parametrize(
    "stored",
    [
        "topic:csam OR grooming",  # the topic is an alternative, not a filter on the words
        "grooming topic:csam",
        "topic:csam|any",  # not what compose writes: any would swallow csam
        "topic:csam (a) AND (b)",
        "budget",
        "topic:nope budget",
    ],
)
def test_a_query_that_does_not_split_exactly_comes_back_whole(stored: str) -> None:
    assert split_query(stored) == (stored, ())


def test_an_unknown_topic_is_refused_with_the_list() -> None:
    with pytest.raises(ValueError, match="unknown topic 'nope': expected one of") as error:
        compose_query("budget", ["nope"])
    assert all(slug in str(error.value) for slug in [*topic_labels(), "any"])
