"""Bill text by section: labels, hashing, stage order, what changed between versions and which
watched terms came or went. The texts are H.R. 1500's real versions (116th Congress), as parsed
into tests/crawlers/golden/us-bill-text/sections/ (itself checked against the GovInfo XML)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models import billtext
from models.billtext import (
    Section,
    SectionChange,
    TextDiff,
    TextVersionRecord,
    diff_sections,
    plain_text,
    sections_from_json,
    sections_to_json,
    split_sentences,
    stage_order,
    term_changes,
)
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "crawlers" / "golden" / "us-bill-text" / "sections"


def version(code: str, bill: str = "116hr1500") -> list[Section]:
    document = json.loads((GOLDEN / f"BILLS-{bill}{code}.xml.json").read_text(encoding="utf-8"))
    return sections_from_json(document["sections"])


IH, RH, EH, RFS = (version(code) for code in ("ih", "rh", "eh", "rfs"))


def record(code: str, sections: list[Section]) -> TextVersionRecord:
    return TextVersionRecord(
        "us-govinfo-billstatus", "116-hr-1500", code, "", None, "", "", sections
    )


def labels(changes: list[SectionChange] | tuple[SectionChange, ...], kind: str) -> list[str]:
    return [
        f"{c.old.number if c.old else ''}->{c.new.number if c.new else ''}"
        for c in changes
        if c.kind == kind
    ]


def test_label_names_number_and_heading() -> None:
    assert IH[2].label == "SEC. 3. Consumer Financial Protection Bureau"
    assert Section("", "Preamble", "").label == "Preamble"  # SYNTHETIC: unnumbered


def test_sections_round_trip_through_json_exactly() -> None:
    for sections in (IH, EH, version("ih", "115hr6972")):
        rows = json.loads(json.dumps(sections_to_json(sections)))
        assert sections_from_json(rows) == sections


def test_the_hash_follows_the_words_not_the_version() -> None:
    """Referred in Senate reprints the engrossed text: same words, same hash."""
    assert record("eh", EH).text_hash == record("rfs", RFS).text_hash
    assert record("ih", IH).text_hash != record("rh", RH).text_hash
    assert len(record("ih", IH).text_hash) == 64


def test_plain_text_is_a_section_a_paragraph() -> None:
    text = plain_text(IH)
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == len(IH)
    assert paragraphs[2].startswith("SEC. 3. Consumer Financial Protection Bureau\n(a) In general")
    assert paragraphs[2].endswith("or the “CFPB”.”.")  # the quoted block, after the text
    assert paragraphs[7].startswith("SEC. 8. Effective date\nThis Act and the amendments")


def test_stage_order_is_date_then_legislative_order_then_undated() -> None:
    day = date(2019, 5, 22)
    keys = {
        "eh-undated": stage_order("eh", None),
        "ih": stage_order("ih", date(2019, 3, 5)),
        "rh": stage_order("rh", date(2019, 5, 1)),
        "rfs": stage_order("rfs", day),
        "eh": stage_order("eh", day),
        "zz": stage_order("zz", day),
        "enr": stage_order("enr", day),
        "is-undated": stage_order("is", None),
    }
    assert sorted(keys, key=keys.__getitem__) == [
        "ih",
        "rh",
        "rfs",
        "eh",
        "enr",
        "zz",  # unknown codes after the known ones
        "is-undated",
        "eh-undated",
    ]


def test_introduced_to_reported_rewords_four_sections() -> None:
    diff = diff_sections(IH, RH)
    assert labels(diff.changes, "reworded") == ["4->4", "5->5", "6->6", "7->7"]
    assert diff.sentence() == "4 sections reworded"
    sec4 = next(c for c in diff.changes if c.new and c.new.number == "4")
    assert ("delete", "(14) The Omnibus Appropriations Act, 2009 (Public Law 111–8).") in sec4.words
    assert all(words for _kind, words in sec4.words)


def test_reported_to_engrossed_adds_ten_sections_and_moves_the_effective_date() -> None:
    diff = diff_sections(RH, EH)
    assert labels(diff.changes, "added") == [f"->{n}" for n in range(8, 18)]
    assert labels(diff.changes, "moved") == ["8->18"]
    assert labels(diff.changes, "reworded") == ["1->1", "2->2", "4->4", "5->5", "6->6", "7->7"]
    assert diff.sentence() == (
        "10 sections added (SEC. 8. Discretionary surplus funds, SEC. 9. Modification of the"
        " exemption from certain disclosure requirements, SEC. 10. Limitation on providing"
        " exemptions from HMDA reporting requirements, and 7 more), 1 moved, 6 reworded"
    )
    findings = next(c for c in diff.changes if c.new and c.new.number == "2")
    assert [mark for mark in findings.words if mark[0] != "equal"][:2] == [
        ("delete", "three"),
        ("insert", "3"),
    ]


def test_referred_in_senate_changes_nothing_of_the_engrossed_text() -> None:
    diff = diff_sections(EH, RFS)
    assert {change.kind for change in diff.changes} == {"unchanged"}
    assert diff.sentence() == "no change to the text"


def test_going_back_removes_sections_where_they_were() -> None:
    """Engrossed -> reported: the removed sections sit between SEC. 7 and the effective date."""
    diff = diff_sections(EH, RH)
    order = [
        f"{c.kind}:{c.new.number if c.new else c.old.number if c.old else ''}" for c in diff.changes
    ]
    assert order[7:] == [f"removed:{n}" for n in range(8, 18)] + ["moved:8"]
    assert diff.sentence().startswith("10 sections removed (SEC. 8. Discretionary surplus funds,")


def test_an_earlier_bill_drops_a_section_and_renumbers_the_effective_date() -> None:
    diff = diff_sections(version("ih", "115hr6972"), IH)
    assert labels(diff.changes, "removed") == ["8->"]
    assert labels(diff.changes, "reworded")[-1] == "9->8"  # renumbered and reworded
    assert diff.sentence() == (
        "1 section removed (SEC. 8. Investigation of the Consumer Financial Protection"
        " Bureau’s Oversight of Student Lending), 8 reworded"
    )


def test_many_sections_compare_only_those_sharing_a_number_or_heading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An omnibus bill's diff stays linear: same result here, where headings are kept."""
    earlier = version("ih", "115hr6972")
    expected = diff_sections(earlier, IH)
    monkeypatch.setattr(billtext, "_MAX_PAIRS", 0)
    assert diff_sections(earlier, IH) == expected


def test_no_change_when_nothing_is_compared() -> None:
    assert TextDiff(()).sentence() == "no change to the text"
    assert diff_sections([], []).changes == ()


def test_watched_terms_appear_in_the_new_sections_and_the_table_of_contents() -> None:
    found = term_changes(RH, EH, ["hmda", "Payday"])
    assert [(t.term, t.direction, t.section.label) for t in found] == [
        ("hmda", "appeared", "SEC. 1. Short title; table of contents"),
        ("Payday", "appeared", "SEC. 1. Short title; table of contents"),
        (
            "hmda",
            "appeared",
            "SEC. 10. Limitation on providing exemptions from HMDA reporting requirements",
        ),
        ("hmda", "appeared", "SEC. 11. Limitation on modifying HMDA data fields"),
        (
            "hmda",
            "appeared",
            "SEC. 12. Maintaining the HMDA Explorer tool and the Public Data Platform API",
        ),
        (
            "Payday",
            "appeared",
            "SEC. 17. Report on payday loan and car-title loan investigations and enforcement"
            " actions",
        ),
    ]
    toc, new_section = found[0], found[2]
    assert (
        toc.after == "Sec. 10. Limitation on providing exemptions from HMDA reporting requirements."
    )
    assert new_section.before == ""  # the section is new
    assert new_section.after == new_section.section.heading  # the text as written: "HMDA"


def test_a_term_that_disappears_shows_the_sentence_it_was_in() -> None:
    found = term_changes(IH, RH, ["omnibus appropriations act", "redesignating"])
    assert [(t.term, t.direction, t.section.label) for t in found] == [
        ("omnibus appropriations act", "disappeared", "SEC. 4. Conforming amendments"),
        (
            "redesignating",
            "disappeared",
            "SEC. 6. Offices of the Consumer Financial Protection Bureau",
        ),
    ]
    assert found[0].before == "(14) The Omnibus Appropriations Act, 2009 (Public Law 111–8)."
    assert found[1].before == "(A) by redesignating subsection (h) as subsection (i);"


def test_a_removed_section_has_no_after() -> None:
    found = term_changes(EH, RH, ["HMDA"])
    removed = [t for t in found if t.section.number in ("10", "11", "12")]
    assert [t.direction for t in removed] == ["disappeared"] * 3
    assert {t.after for t in removed} == {""}


def test_terms_inserted_into_law_count_and_long_sentences_are_clipped() -> None:
    """SEC. 5 of the reported text inserts a new paragraph (i) into the law (a quoted block)."""
    (found,) = term_changes(IH, RH, ["numerical estimate"])
    assert (found.direction, found.section.number, found.before) == ("appeared", "5", "")
    assert "numerical estimate" in found.after
    assert found.after.startswith("…")
    assert len(found.after) <= 302


def test_a_term_present_in_both_versions_is_no_change() -> None:
    assert term_changes(IH, RH, ["Consumer Financial Protection Bureau"]) == []
    assert term_changes(EH, RFS, ["HMDA"]) == []


def test_terms_match_accents_and_case_but_report_the_text_as_written() -> None:
    # SYNTHETIC: a two-word edit, for the accent.
    old = [Section("1", "Short title", "This Act may be cited as the Protection Act.")]
    new = [Section("1", "Short title", "This Act may be cited as the Sécurité Protection Act.")]
    (found,) = term_changes(old, new, ["securite"])
    assert found.after == "This Act may be cited as the Sécurité Protection Act."
    assert found.before == "This Act may be cited as the Protection Act."
    assert term_changes(old, new, ["curit"]) == []  # whole words only


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Sec. 10. Limitation on HMDA.", ["Sec. 10. Limitation on HMDA."]),
        (
            "Section 1011 (12 U.S.C. 5491) is amended. The Bureau shall; and",
            ["Section 1011 (12 U.S.C. 5491) is amended.", "The Bureau shall;", "and"],
        ),
        ("(a) In general.—The Director\n(b) Rule", ["(a) In general.—The Director", "(b) Rule"]),
    ],
)
def test_sentences_end_at_stops_not_at_abbreviations(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
