"""The Monitor: its term index picks candidates, and never changes what matches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.monitor import Monitor, document_frequency
from alerts.query import MatchDocument, Query, parse
from alerts.query.ast import Filter
from alerts.query.document import located_words
from alerts.query.evaluate import filter_matches
from models.text import tokens
from tests.alerts.conftest import holds_any
from tests.alerts.test_query_match import ENGLISH, FRENCH, QUERY_TEXTS, doc, small_texts


def monitor_of(*queries: str) -> Monitor[str]:
    monitor: Monitor[str] = Monitor()
    for text in queries:
        monitor.add(text, parse(text))
    return monitor


def candidates(monitor: Monitor[str], document: MatchDocument) -> list[str]:
    return monitor.candidates([document])


def matched(monitor: Monitor[str], document: MatchDocument) -> list[str]:
    [found] = monitor.match_batch([document])
    return found.items


def test_only_queries_whose_required_terms_occur_are_candidates() -> None:
    monitor = monitor_of("grooming", "verification", "media", "securite OR csam")
    assert candidates(monitor, ENGLISH) == ["verification", "media"]
    assert candidates(monitor, FRENCH) == ["securite OR csam"]


def test_a_candidate_is_still_evaluated() -> None:
    # Indexed under its two most selective groups (social, media): csam is left to evaluate.
    monitor = monitor_of('"social media" csam', '"social grooming"', "media -csam")
    assert candidates(monitor, ENGLISH) == ['"social media" csam', "media -csam"]
    assert matched(monitor, ENGLISH) == ["media -csam"]


def test_prefix_keys_find_longer_words_and_only_those() -> None:
    monitor = monitor_of("verif*", "verifications*", "pornograph*", "chi*")
    assert candidates(monitor, ENGLISH) == ["verif*", "chi*"]
    assert candidates(monitor, FRENCH) == ["pornograph*"]


def test_queries_without_required_terms_are_evaluated_on_every_document() -> None:
    monitor = monitor_of("jurisdiction:uk", "grooming OR type:bill", "grooming")
    assert monitor.always_evaluated == 2
    # The French document has no jurisdiction: the top-level filter rules it out at once.
    assert candidates(monitor, FRENCH) == ["grooming OR type:bill"]
    assert matched(monitor, ENGLISH) == ["jurisdiction:uk", "grooming OR type:bill"]


def test_title_keys_are_looked_up_in_the_title_only() -> None:
    monitor = monitor_of("title:safety", "title:verification", "title:onl*", "title:verif*")
    assert candidates(monitor, ENGLISH) == ["title:safety", "title:onl*"]


def test_top_level_query_filters_are_checked_before_the_words() -> None:
    monitor = monitor_of("online type:statement", "online type:bill", 'online stage:"royal assent"')
    assert candidates(monitor, ENGLISH) == ["online type:bill", 'online stage:"royal assent"']


def test_queries_are_indexed_under_their_rarest_words_when_frequencies_are_known() -> None:
    query = parse('"online safety" OR title:(child* protection)')
    guessing: Monitor[str] = Monitor()
    knowing: Monitor[str] = Monitor({"online": 90, "safety": 3, "protection": 40, "child": 1})
    for monitor in (guessing, knowing):
        monitor.add("q", query)
    assert guessing.indexed_under("online") == guessing.indexed_under("title:protection") == ["q"]
    assert knowing.indexed_under("safety") == knowing.indexed_under("title:child*") == ["q"]
    assert knowing.indexed_under("online") == knowing.indexed_under("title:protection") == []


def test_document_frequency_counts_documents_not_occurrences() -> None:
    counts = document_frequency([ENGLISH, FRENCH, doc("Online online online")])
    assert (counts["online"], counts["securite"], counts["grooming"]) == (2, 1, 0)


def test_a_batch_is_matched_per_document_with_results_to_read() -> None:
    monitor = monitor_of("online", "securite", "enfant*")
    english, french = monitor.match_batch([ENGLISH, FRENCH])
    assert [(item, result.matched_terms) for item, result in english] == [("online", ["online"])]
    assert [(item, result.matched_terms) for item, result in french] == [
        ("securite", ["securite"]),
        ("enfant*", ["enfant*"]),
    ]


def test_an_empty_monitor_matches_nothing() -> None:
    monitor: Monitor[str] = Monitor()
    [found] = monitor.match_batch([ENGLISH])
    assert (len(monitor), found.items) == (0, [])


METADATA = st.fixed_dictionaries(
    {
        "jurisdiction": st.sampled_from(["uk", "ca"]),
        "kind": st.sampled_from(["bill", "statement"]),
        "stage": st.sampled_from(["2nd reading", "Royal Assent"]),
        "reference": st.sampled_from(["C-63", "S-209"]),
    }
)
DOCUMENTS = st.builds(
    lambda title, body, meta: doc(title, body, **meta), small_texts(4), small_texts(12), METADATA
)


@settings(max_examples=300, deadline=None)
@given(QUERY_TEXTS, DOCUMENTS)
def test_a_matching_document_holds_a_key_of_every_required_group(
    text: str, document: MatchDocument
) -> None:
    query = parse(text)
    if query.match(document) is not None:
        assert all(holds_any(document, group) for group in query.required_groups)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_plain_ascii_text_is_tokenised_as_models_text_tokens_it(text: str) -> None:
    words, spans = located_words(text)
    assert list(words) == tokens(text)
    assert all(
        text[start:end].lower() == word for word, (start, end) in zip(words, spans, strict=True)
    )


def test_an_items_own_filters_rule_documents_out() -> None:
    monitor: Monitor[str] = Monitor()
    monitor.add("uk", parse("online"), (Filter("jurisdiction", ("uk",)),))
    monitor.add("ca", parse("online"), (Filter("jurisdiction", ("ca",)),))
    monitor.add("bills", parse("type:bill"), (Filter("jurisdiction", ("uk", "ca")),))
    assert candidates(monitor, ENGLISH) == ["uk", "bills"]
    assert matched(monitor, ENGLISH) == ["uk", "bills"]
    assert matched(monitor, FRENCH) == []


def test_a_query_with_two_groups_is_a_candidate_only_with_both() -> None:
    monitor = monitor_of("online grooming", "online verification", "csam grooming")
    assert candidates(monitor, ENGLISH) == ["online verification"]


OWN_FILTERS = st.lists(
    st.sampled_from(
        [
            Filter("jurisdiction", ("uk",)),
            Filter("jurisdiction", ("ca", "uk")),
            Filter("type", ("statement",)),
            Filter("stage", ("2nd reading",)),
            Filter("stage", ("royal assent", "reading")),
            Filter("number", ("c63",)),
        ]
    ),
    max_size=2,
)


# Batches across the 64-bit word boundaries too, of a few documents in any arrangement.
BATCH_SIZES = (1, 2, 5, 63, 64, 65, 130)


@st.composite
def batches(draw: st.DrawFn) -> list[MatchDocument]:
    documents = draw(st.lists(DOCUMENTS, min_size=1, max_size=6))
    size = draw(st.sampled_from(BATCH_SIZES))
    picks = st.integers(0, len(documents) - 1)
    return [documents[pick] for pick in draw(st.lists(picks, min_size=size, max_size=size))]


ENTRIES = st.lists(st.tuples(QUERY_TEXTS, OWN_FILTERS), max_size=15)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ENTRIES, batches()), min_size=1, max_size=3))
def test_batches_match_exactly_what_evaluating_every_query_on_every_document_matches(
    rounds: list[tuple[list[tuple[str, list[Filter]]], list[MatchDocument]]],
) -> None:
    """Rounds of queries added, then a batch matched: what earlier batches left behind (words
    seen, keys looked up) never hides a match from a later one."""
    monitor: Monitor[int] = Monitor()
    entries: list[tuple[Query, list[Filter]]] = []
    for added, documents in rounds:
        for text, own in added:
            monitor.add(len(entries), parse(text), own)
            entries.append((parse(text), own))
        for document, pairs in zip(documents, monitor.match_batch(documents), strict=True):
            expected = [
                number
                for number, (query, own) in enumerate(entries)
                if all(filter_matches(node, document) for node in own)
                and query.match(document) is not None
            ]
            assert [number for number, _ in pairs] == expected
            assert all(result == entries[n][0].match(document) for n, result in pairs)


def test_phrases_and_near_are_verified_on_each_document() -> None:
    # ENGLISH holds "social media services": every pair below has both its words.
    monitor = monitor_of(
        '"media services"', '"services media"', "social NEAR/0 services", "social NEAR/1 services"
    )
    assert matched(monitor, ENGLISH) == ['"media services"', "social NEAR/1 services"]


def test_not_a_phrase_excludes_only_documents_holding_the_phrase() -> None:
    monitor = monitor_of('safety -"social services"', 'safety -"social media"')
    assert matched(monitor, ENGLISH) == ['safety -"social services"']


def test_prefixes_cover_the_words_of_the_whole_batch() -> None:
    # "pro*": protect and provision in one, protection (between them) in the other.
    monitor = monitor_of("verif*", "porn*", "title:prot*", "title:verif*", "chil*", "pro*")
    english, french = monitor.match_batch([ENGLISH, FRENCH])
    assert english.items == ["verif*", "chil*", "pro*"]
    assert french.items == ["porn*", "title:prot*", "pro*"]


def test_adding_a_query_after_matching_finds_it_too() -> None:
    monitor = monitor_of("online")
    assert matched(monitor, ENGLISH) == ["online"]
    monitor.add("safety", parse("safety"))
    monitor.add("uk only", parse("media"), (Filter("jurisdiction", ("uk",)),))
    monitor.add("prefix", parse("verif*"))
    assert matched(monitor, ENGLISH) == ["online", "safety", "uk only", "prefix"]
