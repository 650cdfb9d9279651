"""Snippets: about 200 characters of the document around the best match, terms in [[ ]]."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from alerts.query import MatchDocument, parse
from alerts.snippet import WIDTH, snippet
from tests.alerts.realbills import ca_bill_s209

FILLER = st.lists(
    st.sampled_from(["loi", "act", "online", "safety", "l’accès", "Sécurité"]), max_size=120
)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("[[", "").replace("]]", "").strip("…"))


@given(FILLER, FILLER)
def test_the_snippet_is_a_marked_window_of_the_text(before: list[str], after: list[str]) -> None:
    body = " ".join([*before, "grooming", *after])
    document = MatchDocument(title="Bill", text=f"Bill\n{body}")
    result = parse("grooming OR safety").match(document)
    assert result is not None
    text = snippet(document, result.hits, result.best)
    assert "[[" in text
    assert _plain(text).strip() in re.sub(r"\s+", " ", document.text.replace("\n", " · "))
    assert len(_plain(text)) <= WIDTH + 2  # the line break became " · "


def test_a_real_summary_snippet_marks_every_hit_in_the_window() -> None:
    record = ca_bill_s209()
    document = MatchDocument(title=record.title, text=f"{record.title}\n{record.summary}")
    result = parse("jeunes").match(document)
    assert result is not None
    text = snippet(document, result.hits, result.best)
    assert text.startswith("…access to pornographic material · Loi limitant")
    assert text.endswith("des [[jeunes]] au matériel pornographique")


def test_without_a_hit_the_snippet_is_the_start_of_the_text() -> None:
    document = MatchDocument(title="Bill", text="Bill\n" + "word " * 100)
    text = snippet(document, [], None)
    assert text.startswith("Bill · word word")
    assert text.endswith(" word…")  # cut between words
    assert WIDTH - 6 <= len(text) <= WIDTH + 3
