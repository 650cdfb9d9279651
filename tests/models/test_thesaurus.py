"""The thesaurus file: what it says, and a mistake in it refused at load with its line."""

from __future__ import annotations

import pytest

from models.taxonomy import check_coverage, load_topics
from models.thesaurus import ThesaurusError, load_thesaurus, parse_thesaurus


def test_every_topic_has_english_and_french_terms() -> None:
    thesaurus = load_thesaurus()
    for topic in load_topics():
        languages = {entry.lang for entry in thesaurus.terms_of(topic.slug)}
        assert languages == {"en", "fr"}, topic.slug


def test_equivalents_follow_for_to_the_head_and_back() -> None:
    thesaurus = load_thesaurus()
    group = [entry.term for entry in thesaurus.equivalents("Sécurité en ligne")]
    assert group[0] == "sécurité en ligne"  # the term asked for, as the thesaurus writes it
    assert {"online safety", "digital safety", "sécurité numérique"} <= set(group)


def test_a_gloss_says_what_a_term_is_to_its_head() -> None:
    thesaurus = load_thesaurus()
    assert thesaurus.gloss(thesaurus.find("pornographie juvénile")) == (  # type: ignore[arg-type]
        "the French for child pornography"
    )
    assert thesaurus.gloss(thesaurus.find("child pornography")).startswith(  # type: ignore[arg-type]
        "the Canadian and US"
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (  # bad data, written for this test
            '[csam]\n"child porn" = { lang = "en" }\n"Child Porn" = { lang = "en" }\n',
            3,
            "listed twice (also [csam] at line 2)",
        ),
        (
            '[csam]\n"a b" = { lang = "en" }\n"a b" = { lang = "fr" }\n',
            3,
            "Cannot overwrite",
        ),
        (
            '[csam]\n"x y" = { lang = "en", for = "y z" }\n"y z" = { lang = "fr", for = "x y" }\n',
            2,
            "a loop of `for`: x y -> y z -> x y",
        ),
        ('[csam]\n"x y" = { lang = "en", for = "nowhere" }\n', 2, "is no term of [csam]"),
        ('[csam]\n"x" = { lang = "de" }\n', 2, "lang must be one of en, fr"),
        ('[csam]\n"x" = { lang = "en", countries = ["fr"] }\n', 2, "unknown country 'fr'"),
        ('[csam]\n"x" = { lang = "en", see = "y" }\n', 2, "unknown key 'see'"),
    ],
)
def test_a_bad_thesaurus_is_refused_with_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ThesaurusError) as error:
        parse_thesaurus(text, source="bad.toml")
    assert error.value.line == line
    assert f"bad.toml, line {line}" in str(error.value)
    assert message in str(error.value)


def test_a_topic_without_french_terms_is_refused() -> None:
    thesaurus = parse_thesaurus('[csam]\n"x" = { lang = "en" }\n')  # bad data, for this test
    with pytest.raises(ThesaurusError, match=r"topic \[csam\] has no French term"):
        check_coverage(["csam"], thesaurus, "bad.toml")


def test_every_topic_has_terms_of_all_five_countries() -> None:
    thesaurus = load_thesaurus()
    for topic in load_topics():
        entries = thesaurus.terms_of(topic.slug)
        if any(not entry.countries for entry in entries):
            continue  # a term used everywhere covers the five
        used = {country for entry in entries for country in entry.countries}
        assert used == {"us", "uk", "ca", "au", "nz"}, topic.slug


def test_each_country_has_its_statutory_terms() -> None:
    thesaurus = load_thesaurus()
    for country in ("us", "uk", "ca", "au", "nz"):
        legal = [e.term for e in thesaurus.entries if e.statute and country in e.countries]
        assert len(legal) >= 3, (country, legal)
