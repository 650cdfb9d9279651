"""Text folding: what counts as the same word for search, tagging and alerts."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.taxonomy import tag_topics
from models.text import _TRANSLATE, fold, reference_key, safe_link, tokens


def test_accents_case_and_apostrophes_fold() -> None:
    assert fold("Sécurité") == fold("securite") == "securite"
    assert tokens("l’âge de l'enfant") == ["l", "age", "de", "l", "enfant"]


def test_hyphens_split_words() -> None:
    assert tokens("child-safety") == ["child", "safety"]


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("C-63", "c63"),
        ("c63", "c63"),
        ("S. 1748", "s1748"),
        ("H.R. 1", "hr1"),
        ("HL Bill 12", "hlbill12"),
    ],
)
def test_references_fold_to_one_key(reference: str, key: str) -> None:
    assert reference_key(reference) == key


def test_french_terms_and_prefixes_tag_topics() -> None:
    assert tag_topics("Loi sur les préjudices en ligne") == ["online-harms", "child-online-laws"]
    assert tag_topics("matériel d'abus pédosexuels") == ["csam"]
    assert tag_topics("Abolition of Business Rates Bill") == []


def test_a_long_text_is_about_a_topic_only_when_its_terms_recur() -> None:
    filler = "the house debated the appropriation of funds for regional roads " * 500  # 5,000 words
    passing = filler + "online harms " * 4  # 4 mentions in 5,008 words: in passing
    recurring = filler + "online harms " * 5  # one per 1,000 words
    assert tag_topics(passing) == []
    assert tag_topics(recurring) == ["online-harms"]
    assert tag_topics(passing, heading="Online Harms Bill") == ["online-harms"]  # its title
    assert tag_topics("online harms once") == ["online-harms"]  # a short text: once is enough


def test_fold_is_idempotent_over_the_basic_multilingual_planes() -> None:
    unstable = [chr(c) for c in range(0x20, 0x30000) if fold(fold(chr(c))) != fold(chr(c))]
    assert unstable == []
    assert fold("𝕬𝖇𝖚𝖘") == "abus"


def _fold_char_by_char(text: str) -> str:
    """`fold` as first written: a Python pass over every character to drop the marks."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    folded = unicodedata.normalize("NFKD", decomposed.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_TRANSLATE)


@given(st.text(max_size=40))
def test_folding_drops_exactly_the_combining_marks(text: str) -> None:
    assert fold(text) == _fold_char_by_char(text)


def test_marks_beyond_the_basic_plane_are_dropped_too() -> None:
    assert fold("a\U0001d167b\u0301") == _fold_char_by_char("a\U0001d167b\u0301") == "ab"


# SYNTHETIC: links that must never reach an href, in a page or an email.
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "https://example.org/\u202e",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:a@example.org",
        "ftp://example.org/file",
        "https://",
        "https:/\\evil.example",
        "//evil.example/path",
        "http://[::1",
        "/relative/path",
        "",
    ],
)
def test_safe_link_refuses_anything_but_an_http_link_with_a_host(url: str) -> None:
    assert safe_link(url) == ""


def test_safe_link_keeps_http_links_trimmed_with_spaces_encoded() -> None:
    assert safe_link("https://bills.parliament.uk/bills/2818") == (
        "https://bills.parliament.uk/bills/2818"
    )
    assert safe_link(" HTTP://Example.org/a b \n") == "HTTP://Example.org/a%20b"
