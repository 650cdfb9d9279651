"""bench/match_bench.py at a tiny size: the three matchers (the monitor on both cores) agree, and a
disagreement is reported."""

from __future__ import annotations

import json
import random

import pytest

from alerts.match import Compiled
from alerts.query import MatchDocument, parse
from bench import match_bench
from bench.match_bench import fts5_expression, fts5_table


def test_a_small_run_agrees_and_ends_with_the_json_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    match_bench.main(["--subscriptions", "300", "--documents", "150", "--sizes", "100,300"])
    lines = capsys.readouterr().out.splitlines()
    figures = json.loads(lines[-1])
    assert figures["results_identical"] is True
    assert figures["subscriptions"] == 300
    assert set(figures["docs_per_s_by_subscriptions"]) == {"100", "300"}
    assert figures["docs_per_s"] > 0
    assert figures["core"] in ("native", "pure")
    assert figures["pure_docs_per_s"] > 0
    assert figures["pure_over_native"] > 0
    assert figures["pure_speedup_vs_naive"] > 0
    assert set(figures["pure_docs_per_s_by_subscriptions"]) == {"100", "300"}
    assert figures["speedup_vs_naive"] > 0
    assert figures["speedup_vs_fts5"] > 0
    assert figures["docs_per_s_reading_matches"] > 0
    assert (figures["fts5_batch_documents"], figures["speedup_vs_fts5_batches"] > 0) == (500, True)
    assert figures["docs_per_s_in_batches"] > 0
    assert figures["speedup_in_batches_vs_fts5_batches"] > 0


def small(documents: int) -> tuple[list[Compiled], list[MatchDocument]]:
    """200 subscriptions and `documents` documents, as the bench makes them."""
    rng = random.Random(1)
    corpus = match_bench.load_corpus()
    return match_bench.make_subscriptions(corpus, 200, rng), match_bench.make_documents(
        corpus, documents, rng
    )


def one_pair_less(found: match_bench.Found) -> match_bench.Found:
    """A way's result read as its pairs less one: a matcher that missed a match."""
    return lambda: set(sorted(found())[1:])


def test_a_matcher_that_disagrees_makes_the_result_not_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscriptions, documents = small(100)
    assert match_bench.measure(subscriptions, documents, documents, 50).identical
    honest = match_bench.run_fts5
    monkeypatch.setattr(match_bench, "run_fts5", lambda s, d: one_pair_less(honest(s, d)))
    assert not match_bench.measure(subscriptions, documents, documents, 50).identical


def test_a_monitor_way_that_disagrees_makes_the_extras_not_identical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscriptions, documents = small(600)  # more than one BATCH
    assert match_bench.measure_extras(subscriptions, documents, documents, 20).identical
    honest = match_bench.run_monitor_batches
    monkeypatch.setattr(
        match_bench, "run_monitor_batches", lambda m, d: one_pair_less(honest(m, d))
    )
    assert not match_bench.measure_extras(subscriptions, documents, documents, 20).identical


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ('"online safety"', '"online safety"'),
        ("child*", '"child"*'),
        ("a OR b", '("a" OR "b")'),
        ("a b -c -d", '("a" AND "b") NOT ("c") NOT ("d")'),
        ("a NEAR/3 b", 'NEAR("a" "b", 3)'),
        ("title:(a OR b)", 'title : (("a" OR "b"))'),
        ("a jurisdiction:uk", None),
        ("a OR (b -c)", '("a" OR ("b") NOT ("c"))'),
    ],
)
def test_fts5_expressions(query: str, expression: str | None) -> None:
    assert fts5_expression(parse(query).root) == expression


def test_fts5_agrees_on_french_accents_apostrophes_and_hyphens() -> None:
    title = "Loi sur la sécurité en ligne"
    doc = MatchDocument(title, f"{title}\nL’accès des enfants: child-safety duties.")
    table = fts5_table([doc])
    for text in (
        "securite",
        "l'acces",
        '"child safety"',
        "title:ligne",
        "enfant*",
        "title:enfants",
    ):
        expression = fts5_expression(parse(text).root)
        found = table.execute("SELECT rowid FROM batch WHERE batch MATCH ?", (expression,))
        assert (parse(text).match(doc) is not None) == bool(found.fetchall()), text
