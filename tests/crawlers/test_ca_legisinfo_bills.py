# ruff: noqa: E501  (titles and event texts are quoted verbatim from the recorded bodies)
"""ca-legisinfo-bills: parsers on the real recorded LEGISinfo bodies, bad input derived from them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import XmlResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.errors import LayoutChanged, ParseError
from crawlers.spiders.ca.legisinfo_bills import (
    WATERMARK_SLACK,
    CaLegisinfoBillsSpider,
    changed_since,
    json_url,
    list_url,
    parse_bills_arg,
    xml_url,
)
from crawlers.spiders.ca.legisinfo_forms import (
    ListedBill,
    bill_from_json,
    bill_from_xml,
    list_entries,
    listed_activity,
    looks_like_html,
)
from crawlers.spiders.ca.legisinfo_record import bill_record, moment
from crawlers.spiders.ca.legisinfo_vocab import (
    CA_STAGES,
    SESSION_ENDS,
    is_mapped,
    stage_category,
)
from crawlers.stages import second_chamber_category
from models.documents import BillEvent, Document
from models.records import DocumentRecord
from models.store import ensure_source, upsert_document
from models.vocabulary import OUTCOMES, STAGES

ROOT = Path(__file__).resolve().parents[2]
BODIES = ROOT / "cassettes" / "ca-legisinfo-bills" / "bodies"
SLUG = "ca-legisinfo-bills"
FETCHED = datetime(2026, 11, 29, tzinfo=UTC)
LIST = "bills_json_parlsession-45-1_ingenium-bcf.json"
C63_XML = "bill_44-1_C-63_xml_civican.xml"
C34_XML = "bill_45-1_C-34_xml_civican.xml"
S209_XML = "bill_45-1_S-209_xml_civican.xml"
S209_JSON = "bill_45-1_S-209_json_UNWRAPPED-REINDENTED_ingenium-bcf.json"
C22_JSON = "bill_45-1_C-22_json_UNWRAPPED-REINDENTED_ingenium-bcf.json"
URL = "https://www.parl.ca/legisinfo/en/bill/45-1/s-209/json"
LCJC = "Standing Senate Committee on Legal and Constitutional Affairs"


def body(name: str) -> bytes:
    return (BODIES / name).read_bytes()


def from_json(raw: bytes, url: str = URL) -> DocumentRecord:
    return bill_record(
        bill_from_json(SLUG, url, raw), source=SLUG, source_url=url, fetched_at=FETCHED
    )


def from_xml(raw: bytes, url: str = URL) -> DocumentRecord:
    return bill_record(
        bill_from_xml(SLUG, url, raw), source=SLUG, source_url=url, fetched_at=FETCHED
    )


def events(record: DocumentRecord) -> list[tuple[Any, ...]]:
    return [
        (e.occurred_on.isoformat() if e.occurred_on else None,
         e.occurred_at.isoformat() if e.occurred_at else None,
         e.chamber, e.stage, e.stage_category, e.description)
        for e in record.events
    ]  # fmt: skip


@pytest.fixture(scope="module")
def c63() -> DocumentRecord:
    return from_xml(body(C63_XML), xml_url("44-1", "C-63"))


@pytest.fixture(scope="module")
def s209() -> DocumentRecord:
    return from_json(body(S209_JSON))


# --- C-63 (44-1, XML): the Online Harms Act ---------------------------------------------


def test_c63_identity(c63: DocumentRecord) -> None:
    assert c63.reference == "C-63"
    assert c63.external_id == "44-1/C-63"
    assert c63.session == "44-1"
    assert (c63.jurisdiction, c63.kind) == ("ca", "bill")
    assert c63.url == "https://www.parl.ca/legisinfo/en/bill/44-1/c-63"
    assert c63.source_url == "https://www.parl.ca/legisinfo/en/bill/44-1/C-63/xml"


def test_c63_titles_in_both_languages(c63: DocumentRecord) -> None:
    assert c63.title == (
        "An Act to enact the Online Harms Act, to amend the Criminal Code, the Canadian Human Rights Act and An Act respecting the mandatory reporting of Internet child pornography by persons who provide an Internet service and to make consequential and related amendments to other Acts"
    )
    assert c63.title_alt == (
        "Loi édictant la Loi sur les préjudices en ligne, modifiant le Code criminel, la Loi canadienne sur les droits de la personne et la Loi concernant la déclaration obligatoire de la pornographie juvénile sur Internet par les personnes qui fournissent des services Internet et apportant des modifications corrélatives et connexes à d'autres lois"
    )
    assert "short_title" not in c63.extra  # titles live in `titles` now
    assert c63.titles == [  # C-63 has no short title (blank elements): long titles only
        {"type": "Long title", "title": c63.title, "language": "en"},
        {"type": "Long title", "title": c63.title_alt, "language": "fr"},
    ]


def test_c63_stage_status_sponsor_dates(c63: DocumentRecord) -> None:
    assert c63.current_stage == "Second reading"
    assert c63.chamber == "House of Commons"
    assert c63.stage_category == "lapsed"  # IsSessionOngoing false: died at second reading
    # the body says only IsSessionOngoing false; the end of 44-1 comes from SESSION_ENDS
    assert (c63.outcome, c63.outcome_on) == ("lapsed", date(2025, 1, 6))
    assert (
        c63.status == "Lapsed — session 44-1 prorogued 2025-01-06; Parliament dissolved 2025-03-23"
    )
    assert c63.extra["status_en"] == "At second reading in the House of Commons"  # LEGISinfo's
    assert c63.sponsor == "Arif Virani (Minister of Justice)"
    assert c63.published_on == date(2024, 2, 26)
    # LatestBillEventDateTime 2024-09-23T11:00:00, Ottawa summer time (UTC-4)
    assert c63.source_updated_at == datetime(2024, 9, 23, 15, 0, tzinfo=UTC)


# fmt: off
def test_c63_every_event(c63: DocumentRecord) -> None:
    assert events(c63) == [
        ("2024-02-26", None, "House of Commons", "First reading", "first_reading", "Introduction and first reading"),
        ("2024-06-07", None, "House of Commons", "Second reading", "second_reading", "Debate at second reading (sitting 327)"),
        ("2024-09-23", None, "House of Commons", "Second reading", "second_reading", "Debate at second reading (sitting 341)"),
    ]
    assert [e.key for e in c63.events] == [
        "H60029/event/60110/2024-02-26",
        "H60030/sitting/327/Debate at second reading",
        "H60030/sitting/341/Debate at second reading",
    ]
# fmt: on


def test_c63_summary_is_sanitised_text(c63: DocumentRecord) -> None:
    assert c63.summary.startswith(
        "A legislative summary is currently being prepared for this bill by the Parliamentary Information, Education and Research Services of the Library of Parliament. Meanwhile, the following executive summary is available.\nOn 26 February 2024, the Minister of Justice introduced Bill C-63"
    )
    assert "<" not in c63.summary
    assert "&lt;" not in c63.summary
    # ShortLegislativeSummaryFr: the same escaped <div> layout in XML
    assert c63.summary_alt.startswith(
        "Les Service d'information, d'éducation et de recherche parlementaires de la Bibliothèque du Parlement rédige actuellement le résumé législatif de ce projet de loi. Entre-temps, le Service met à votre disposition le sommaire suivant.\nLe 26 février 2024, le ministre de la Justice a déposé le projet de loi C-63"
    )
    assert c63.summary_alt.endswith("La partie 5 prévoit une disposition de coordination.")
    assert "<" not in c63.summary_alt
    assert c63.summary.endswith("Part 5 contains a coordinating amendment.")


def test_c63_events_carry_the_french_stage(c63: DocumentRecord) -> None:
    assert [(e.stage, e.stage_alt, e.unmapped) for e in c63.events] == [
        ("First reading", "Première lecture", False),
        ("Second reading", "Deuxième lecture", False),
        ("Second reading", "Deuxième lecture", False),
    ]


def test_c63_links_and_publications(c63: DocumentRecord) -> None:
    assert c63.extra["legisinfo_id"] == "12913297"
    assert c63.extra["publications"] == [
        {"title": "First Reading", "url": "", "type": "bill text", "date": "", "id": "12921271"}
    ]
    assert len(c63.extra["links"]) == 8
    assert all(link["url"].startswith("http") for link in c63.extra["links"])


# --- S-209 (45-1, JSON): a Senate bill now in the House -----------------------------------


def test_s209_fields(s209: DocumentRecord) -> None:
    assert (s209.reference, s209.session, s209.external_id) == ("S-209", "45-1", "45-1/S-209")
    assert s209.title == "An Act to restrict young persons' online access to pornographic material"
    assert s209.title_alt == "Loi limitant l'accès en ligne des jeunes au matériel pornographique"
    assert "short_title" not in s209.extra
    assert s209.titles == [
        {"type": "Long title", "title": s209.title, "language": "en"},
        {"type": "Long title", "title": s209.title_alt, "language": "fr"},
        {
            "type": "Short title",
            "title": "Protecting Young Persons from Exposure to Pornography Act",
            "language": "en",
        },
        {
            "type": "Short title",
            "title": "Loi sur la protection des jeunes contre l'exposition à la pornographie",
            "language": "fr",
        },
    ]
    assert (s209.outcome, s209.outcome_on) == ("active", None)
    assert "status_en" not in s209.extra  # status is LEGISinfo's own words
    assert s209.sponsor == "Julie Miville-Dechêne (Senator)"
    assert s209.status == "At second reading in the House of Commons"
    assert (s209.current_stage, s209.chamber, s209.stage_category) == (
        "Second reading", "House of Commons", "second_reading",
    )  # fmt: skip
    assert s209.published_on == date(2025, 5, 28)  # Senate first reading: a Senate bill
    assert s209.source_updated_at == datetime(2026, 4, 30, 18, 24, 13, 350000, tzinfo=UTC)
    assert (s209.summary, s209.summary_alt) == ("", "")  # both null (XML: blank elements)


# fmt: off
def test_s209_every_event(s209: DocumentRecord) -> None:
    meetings = [
        ("2025-10-01", 4), ("2025-10-02", 5), ("2025-10-08", 6), ("2025-10-09", 7), ("2025-10-22", 8),
        ("2025-10-23", 9), ("2025-10-29", 10), ("2026-02-04", 22), ("2026-02-05", 23), ("2026-03-12", 29),
    ]  # fmt: skip
    assert events(s209) == [
        ("2025-05-28", None, "Senate", "First reading", "first_reading", "Introduction and first reading"),
        ("2025-06-03", None, "Senate", "Second reading", "second_reading", "Debate at second reading (sitting 5)"),
        ("2025-06-10", None, "Senate", "Second reading", "second_reading", "Debate at second reading (sitting 8)"),
        ("2025-06-12", None, "Senate", "Second reading", "second_reading", "Debate at second reading (sitting 10)"),
        ("2025-06-12", "2025-06-12T15:05:00+00:00", "Senate", "Second reading", "second_reading", "Second reading"),
        ("2025-06-12", "2025-06-12T15:10:00+00:00", "Senate", "Second reading", "second_reading", "Referral to committee"),
        *[
            (day, None, "Senate", "Consideration in committee", "committee", f"Committee meeting {number}: {LCJC}")
            for day, number in meetings
        ],
        ("2026-03-24", "2026-03-24T14:00:00+00:00", "Senate", "Consideration in committee", "committee", "Committee report presented with amendments"),
        ("2026-03-26", None, "Senate", "Report stage", "report", "Debate at consideration of committee report (sitting 61)"),
        ("2026-03-26", "2026-03-26T15:55:00+00:00", "Senate", "Report stage", "report", "Committee report adopted"),
        ("2026-04-14", None, "Senate", "Third reading", "third_reading", "Debate at third reading (sitting 62)"),
        ("2026-04-15", None, "Senate", "Third reading", "third_reading", "Debate at third reading (sitting 63)"),
        ("2026-04-15", "2026-04-15T14:20:00+00:00", "Senate", "Third reading", "third_reading", "Third reading"),
        # a Senate bill: its first reading in the House is the second chamber's arrival
        ("2026-04-30", None, "House of Commons", "First reading", "other_chamber", "First reading"),
        ("2026-04-30", None, "House of Commons", "Second reading", "second_reading", "Placed in the Order of Precedence"),
    ]
    assert len({e.key for e in s209.events}) == len(s209.events)
    french = {e.stage: e.stage_alt for e in s209.events}
    assert french == {
        "First reading": "Première lecture", "Second reading": "Deuxième lecture",
        "Consideration in committee": "Examen en comité", "Report stage": "Étape du rapport",
        "Third reading": "Troisième lecture",
    }
    assert not any(e.unmapped for e in s209.events)
# fmt: on


def test_s209_json_and_xml_give_one_record(s209: DocumentRecord) -> None:
    """Same bill, two forms: equal in every field; the XML lacks only unused JSON arrays."""
    xml_bill = bill_from_xml(SLUG, URL, body(S209_XML))
    json_bill = bill_from_json(SLUG, URL, body(S209_JSON))
    assert set(json_bill) - set(xml_bill) == {
        "HouseVoteDetails", "SenateVoteDetails", "HouseRulingAndStatements",
        "SenateRulingAndStatements", "BibliographicNotices",
    }  # fmt: skip
    assert set(xml_bill) <= set(json_bill)
    assert dataclasses.asdict(from_xml(body(S209_XML))) == dataclasses.asdict(s209)


def test_wire_shape_one_element_array_equals_unwrapped_copy(s209: DocumentRecord) -> None:
    wrapped = b"[" + body(S209_JSON) + b"]"
    assert dataclasses.asdict(from_json(wrapped)) == dataclasses.asdict(s209)


# fmt: off
def test_c22_decision_and_committee_meetings() -> None:
    c22 = from_json(body(C22_JSON), json_url("45-1", "C-22"))
    assert (c22.reference, c22.title, c22.current_stage, c22.stage_category) == (
        "C-22", "An Act respecting lawful access", "Consideration in committee", "committee",
    )  # fmt: skip
    assert c22.sponsor == "Gary Anandasangaree (Minister of Public Safety)"
    assert events(c22)[4:] == [
        ("2026-04-20", None, "House of Commons", "Second reading", "second_reading", "Debate at second reading (sitting 106)"),
        ("2026-04-20", None, "House of Commons", "Second reading", "second_reading", "Second reading and referral to committee"),
        ("2026-04-20", None, "House of Commons", "Second reading", "second_reading", "2nd reading and referral to committee - SECU: Agreed To (On division)"),
        ("2026-05-05", None, "House of Commons", "Consideration in committee", "committee", "Committee meeting 36: Standing Committee on Public Safety and National Security"),
        ("2026-05-07", None, "House of Commons", "Consideration in committee", "committee", "Committee meeting 37: Standing Committee on Public Safety and National Security"),
    ]
    assert c22.events[6].key == "H60030/decision/13452683"
    assert c22.summary.startswith("A legislative summary is currently being prepared")
    assert c22.summary_alt.startswith("Les Service d'information, d'éducation et de recherche")  # ’ unified
    assert c22.summary_alt.endswith("La partie 3 prévoit l'examen parlementaire des parties 1 et 2.")
    assert [t["type"] + "/" + t["language"] for t in c22.titles] == [
        "Long title/en", "Long title/fr", "Short title/en", "Short title/fr",
    ]
    assert c22.titles[3]["title"] == "Loi de 2026 sur l'accès légal"
# fmt: on


# fmt: off
def test_c34_current_stage_is_the_first_open_stage() -> None:
    """C-34 calls its completed first reading "ongoing"; its status and stages say second reading."""
    c34 = from_xml(body(C34_XML), xml_url("45-1", "C-34"))
    assert c34.title.startswith("An Act to enact the Digital Safety Act and the Digital Safety Commission")
    assert (c34.current_stage, c34.chamber, c34.stage_category) == (
        "Second reading", "House of Commons", "second_reading",
    )  # fmt: skip
    assert events(c34) == [
        ("2026-06-10", None, "House of Commons", "First reading", "first_reading", "Introduction and first reading")
    ]
# fmt: on


# --- the list ----------------------------------------------------------------------------


def test_list_entries_and_decoded_activity() -> None:
    listed = list_entries(SLUG, list_url("45-1"), body(LIST))
    assert len(listed) == 162
    s209 = next(bill for bill in listed if bill.number == "S-209")
    # list says 10:24:13.35-04:00; the detail's 14:24:13.35 Ottawa time is the same instant
    assert s209 == ListedBill(
        "45-1", "S-209", datetime(2026, 4, 30, 18, 24, 13, 350000, tzinfo=UTC)
    )


def test_listed_activity_matches_the_detail_time() -> None:
    detail = bill_from_json(SLUG, URL, body(S209_JSON))
    listed = json.loads(body(LIST))
    entry = next(item for item in listed if item["BillNumberFormatted"] == "S-209")
    assert (
        listed_activity(entry["LatestActivityDateTime"])
        == from_json(body(S209_JSON)).source_updated_at
    )
    assert detail["LatestBillEventDateTime"] == "2026-04-30T14:24:13.35"


def test_changed_since_uses_the_watermark_with_slack() -> None:
    at = datetime(2026, 4, 30, 18, 0, tzinfo=UTC)
    bill = ListedBill("45-1", "S-209", at)
    assert changed_since(bill, None)
    assert changed_since(bill, at + WATERMARK_SLACK)
    assert not changed_since(bill, at + WATERMARK_SLACK + WATERMARK_SLACK)
    assert changed_since(ListedBill("45-1", "S-1", None), at)
    naive = (at + WATERMARK_SLACK * 2).replace(tzinfo=None)
    assert not changed_since(bill, naive)  # read as UTC, not refused


# --- times ------------------------------------------------------------------------------


# fmt: off
def test_moment_naive_times_are_ottawa_and_midnight_is_a_date() -> None:
    assert moment("2025-06-12T11:05:00") == (date(2025, 6, 12), datetime(2025, 6, 12, 15, 5, tzinfo=UTC))
    assert moment("2026-01-15T11:05:00") == (date(2026, 1, 15), datetime(2026, 1, 15, 16, 5, tzinfo=UTC))
    assert moment("2024-02-26T00:00:00") == (date(2024, 2, 26), None)
    assert moment("2025-06-12T11:05:00-04:00") == (date(2025, 6, 12), datetime(2025, 6, 12, 15, 5, tzinfo=UTC))
    assert moment("2025-06-13T02:00:00+00:00") == (date(2025, 6, 12), datetime(2025, 6, 13, 2, 0, tzinfo=UTC))
    assert moment(None) == (None, None)
# fmt: on


# --- vocabulary and arguments -----------------------------------------------------------


def test_stage_map_uses_common_categories() -> None:
    assert set(CA_STAGES.values()) <= set(STAGES)
    assert stage_category("Consideration in committee") == "committee"
    assert stage_category("Royal assent") == "assent"
    assert stage_category("Pre-study") == ""
    assert not is_mapped("Pre-study")
    assert is_mapped("")  # no wording, no stage: not "unmapped"
    assert stage_category("Consideration of Senate amendments") == "amendments"
    assert stage_category("Consideration of House of Commons amendments") == "amendments"
    assert stage_category("  consideration  of amendments ") == "amendments"
    assert second_chamber_category("first_reading", "Senate", "House of Commons") == "other_chamber"
    assert second_chamber_category("third_reading", "Senate", "House of Commons") == "passed_both"
    assert second_chamber_category("committee", "Senate", "House of Commons") == "committee"
    assert second_chamber_category("first_reading", "Senate", "Senate") == "first_reading"
    assert second_chamber_category("first_reading", "", "Senate") == "first_reading"


def test_urls_and_arguments() -> None:
    assert list_url("45-1") == "https://www.parl.ca/legisinfo/en/bills/json?parlsession=45-1"
    assert json_url("45-1", "S-209") == "https://www.parl.ca/legisinfo/en/bill/45-1/s-209/json"
    assert xml_url("44-1", "c-63") == "https://www.parl.ca/legisinfo/en/bill/44-1/C-63/xml"
    assert parse_bills_arg(" 44-1/C-63, 45-1/s-209 ,") == [("44-1", "C-63"), ("45-1", "S-209")]
    with pytest.raises(ValueError, match="SESSION/NUMBER"):
        parse_bills_arg("C-63")
    spider = CaLegisinfoBillsSpider(sessions="44-1,45-1", bills="45-1/C-34")
    assert (spider.sessions, spider.tracked) == (["44-1", "45-1"], [("45-1", "C-34")])
    assert CaLegisinfoBillsSpider().tracked == [("44-1", "C-63")]
    assert CaLegisinfoBillsSpider.allowed_domains == ["www.parl.ca"]


# --- bad input, derived from the real bodies --------------------------------------------


@pytest.mark.parametrize("cut", [1, 100, 20_000])
def test_truncated_json_is_a_parse_error_naming_the_url(cut: int) -> None:
    with pytest.raises(ParseError) as caught:
        bill_from_json(SLUG, URL, body(S209_JSON)[:cut])
    assert (caught.value.source, caught.value.url) == (SLUG, URL)
    assert "not JSON" in caught.value.cause


def test_truncated_xml_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not XML"):
        bill_from_xml(SLUG, URL, body(C63_XML)[:30_000])


def html_page_from(raw: bytes) -> bytes:
    """A redirect-to-HTML answer, built from the real bill's own text inside an HTML page."""
    return (
        b"<!DOCTYPE html>\n<html><head><title>LEGISinfo</title></head><body><pre>"
        + raw[:500]
        + b"</pre></body></html>"
    )


def test_html_where_json_or_xml_was_expected() -> None:
    for reader, raw, form in (
        (bill_from_json, body(S209_JSON), "JSON"),
        (bill_from_xml, body(C63_XML), "XML"),
    ):
        with pytest.raises(ParseError) as caught:
            reader(SLUG, URL, html_page_from(raw))
        assert caught.value.cause == f"HTML page where {form} was expected"
        assert f"{SLUG} {URL}: " in str(caught.value)
    with pytest.raises(ParseError, match="HTML"):
        list_entries(SLUG, list_url("45-1"), html_page_from(body(LIST)))


def test_html_detection_spares_json_and_xml_bodies() -> None:
    assert not looks_like_html(body(S209_JSON))
    assert not looks_like_html(body(LIST))
    assert not looks_like_html(body(C63_XML))
    assert not looks_like_html(b'{"LongTitleEn": "<html> in a title"}')
    assert looks_like_html(b"\xef\xbb\xbf\n<!-- moved -->\n<html><body></body></html>")


def test_layout_changed_json() -> None:
    bill = json.loads(body(S209_JSON))
    del bill["NumberCode"]
    with pytest.raises(LayoutChanged, match="NumberCode") as caught:
        from_json(json.dumps(bill).encode())
    assert caught.value.url == URL
    with pytest.raises(LayoutChanged, match="one-element array, got 2"):
        bill_from_json(SLUG, URL, b"[" + body(S209_JSON) + b"," + body(S209_JSON) + b"]")
    with pytest.raises(LayoutChanged, match="bill object, got str"):
        bill_from_json(SLUG, URL, json.dumps(bill["LongTitleEn"]).encode())


def test_layout_changed_xml_and_list() -> None:
    renamed = body(C63_XML).replace(b"<Bills>", b"<Projets>", 1).replace(b"</Bills>", b"</Projets>")
    with pytest.raises(LayoutChanged, match="expected one /Bills/Bill, found 0"):
        bill_from_xml(SLUG, URL, renamed)
    listed = json.loads(body(LIST))
    with pytest.raises(LayoutChanged, match="expected an array of bills, got dict"):
        list_entries(SLUG, URL, json.dumps({"Bills": listed}).encode())
    del listed[3]["BillNumberFormatted"]
    with pytest.raises(LayoutChanged, match="list entry without BillNumberFormatted"):
        list_entries(SLUG, URL, json.dumps(listed).encode())


def test_xml_reads_the_bill_never_its_similar_bills() -> None:
    """Without the bill's own StatusNameEn, SimilarBills' status must not leak in."""
    raw = body(S209_XML)
    own = b"<StatusNameEn>At second reading in the House of Commons</StatusNameEn>"
    assert raw.count(b"<StatusNameEn>") > 1  # SimilarBills repeat the field
    record = from_xml(raw.replace(own, b"<StatusNameEn />", 1))
    assert record.status == ""
    assert record.reference == "S-209"


def test_missing_optional_fields_leave_them_empty() -> None:
    bill = json.loads(body(C22_JSON))
    for key in ("ShortLegislativeSummaryEn", "ShortLegislativeSummary", "SponsorAffiliationTitleEn",
                "Publications", "WebReferences", "ShortTitleEn", "ShortTitleFr",
                "LatestBillEventDateTime"):  # fmt: skip
        del bill[key]
    bill["BillStages"]["HouseBillStages"][1]["Decisions"] = None
    record = from_json(json.dumps([bill]).encode())
    assert (record.summary, record.sponsor, record.source_updated_at) == (
        "",
        "Gary Anandasangaree",
        None,
    )
    assert set(record.extra) == {"legisinfo_id", "bill_type", "status_fr"}
    assert record.summary_alt.startswith("Les Service")  # only the English one was removed
    assert [t["type"] for t in record.titles] == ["Long title", "Long title"]
    assert "decision" not in " ".join(e.key for e in record.events)
    assert record.title == "An Act respecting lawful access"


def test_title_falls_back_to_the_short_title() -> None:
    bill = json.loads(body(S209_JSON))
    bill["LongTitleEn"], bill["LongTitleFr"] = "", None
    record = from_json(json.dumps(bill).encode())
    assert record.title == "Protecting Young Persons from Exposure to Pornography Act"
    assert (
        record.title_alt == "Loi sur la protection des jeunes contre l'exposition à la pornographie"
    )


# fmt: off
def test_royal_assent_and_defeat_categories() -> None:
    """Derived from S-209: a royal assent time, then a defeating event."""
    bill = json.loads(body(S209_JSON))
    bill["ReceivedRoyalAssentDateTime"] = "2026-06-18T20:15:00"
    assented = from_json(json.dumps(bill).encode())
    assert (assented.current_stage, assented.stage_category, assented.chamber) == ("Royal assent", "assent", "")
    assert events(assented)[-1] == ("2026-06-18", "2026-06-19T00:15:00+00:00", "", "Royal assent", "assent", "Royal assent")
    assert assented.events[-1].stage_alt == "Sanction royale"
    assert (assented.outcome, assented.outcome_on, assented.status) == ("enacted", date(2026, 6, 18), "Royal assent 2026-06-18")
    bill["ReceivedRoyalAssentDateTime"] = None
    bill["BillStages"]["HouseBillStages"][1]["SignificantEvents"][0]["IsDefeatedEvent"] = True
    defeated = from_json(json.dumps(bill).encode())
    assert defeated.stage_category == "defeated"
    assert events(defeated)[-1][4] == "defeated"
    assert (defeated.outcome, defeated.outcome_on) == ("defeated", date(2026, 4, 30))
    assert defeated.status == "Defeated at second reading in the House of Commons 2026-04-30"
    bill["IsSessionOngoing"] = False  # defeated, then the session ended: still defeated
    assert from_json(json.dumps(bill).encode()).outcome == "defeated"
# fmt: on


# --- the second chamber, unknown and amendment stages (SYNTHETIC changes to S-209) --------


# fmt: off
def test_third_reading_in_the_second_chamber_is_passed_both() -> None:
    """SYNTHETIC: S-209 (a Senate bill) given a House third reading, the Senate's own event moved."""
    bill = json.loads(body(S209_JSON))
    senate_third = bill["BillStages"]["SenateBillStages"][4]["SignificantEvents"][0]
    house = bill["BillStages"]["HouseBillStages"]
    house[4]["SignificantEvents"] = [{**senate_third, "EventDateTime": "2026-06-10T15:00:00"}]
    record = from_json(json.dumps(bill).encode())
    assert events(record)[-1] == ("2026-06-10", "2026-06-10T19:00:00+00:00", "House of Commons", "Third reading", "passed_both", "Third reading")
    senate = [e.stage_category for e in record.events if e.chamber == "Senate" and e.stage == "Third reading"]
    assert set(senate) == {"third_reading"}  # the originating chamber's third reading


def test_a_house_bill_in_the_senate() -> None:
    """SYNTHETIC: C-22 (a House bill) given a Senate first reading: the second chamber's arrival."""
    bill = json.loads(body(C22_JSON))
    first = bill["BillStages"]["HouseBillStages"][0]
    bill["BillStages"]["SenateBillStages"] = [{**first, "BillStageId": 99, "Sittings": [], "Decisions": [], "CommitteeMeetings": []}]
    record = from_json(json.dumps(bill).encode())
    senate = [(e.stage, e.stage_alt, e.stage_category) for e in record.events if e.chamber == "Senate"]
    assert senate
    assert set(senate) == {("First reading", "Première lecture", "other_chamber")}
    assert {e.stage_category for e in record.events if e.chamber == "House of Commons" and e.stage == "First reading"} == {"first_reading"}
# fmt: on


def test_unknown_stage_is_kept_and_marked_unmapped() -> None:
    """SYNTHETIC: S-209's House second reading renamed to a stage no map knows."""
    bill = json.loads(body(S209_JSON))
    stage = bill["BillStages"]["HouseBillStages"][1]
    stage["BillStageNameEn"], stage["BillStageNameFr"] = "Pre-study", "Étude préalable"
    bill["OngoingStageNameEn"] = "Pre-study"
    record = from_json(json.dumps(bill).encode())
    odd = [e for e in record.events if e.stage == "Pre-study"]
    assert [(e.stage_alt, e.stage_category, e.unmapped) for e in odd] == [
        ("Étude préalable", "", True)
    ]
    assert all(not e.unmapped for e in record.events if e.stage != "Pre-study")
    # the current stage is stated as LEGISinfo names it, with no category
    assert (record.current_stage, record.stage_category) == ("Pre-study", "")


def test_consideration_of_amendments_stage() -> None:
    """SYNTHETIC: S-209's House third reading renamed the way LEGISinfo names amendment stages."""
    bill = json.loads(body(S209_JSON))
    stage = bill["BillStages"]["HouseBillStages"][4]
    stage["BillStageNameEn"] = "Consideration of House of Commons amendments"
    stage["BillStageNameFr"] = "Étude des amendements de la Chambre des communes"
    senate_third = bill["BillStages"]["SenateBillStages"][4]["SignificantEvents"][0]
    stage["SignificantEvents"] = [{**senate_third, "EventDateTime": "2026-06-10T15:00:00"}]
    last = from_json(json.dumps(bill).encode()).events[-1]
    assert (last.stage_category, last.unmapped, last.chamber) == (
        "amendments",
        False,
        "House of Commons",
    )


# --- outcome and status -----------------------------------------------------------------


def test_session_ends_table() -> None:
    assert {session: (end.how, end.on.isoformat()) for session, end in SESSION_ENDS.items()} == {
        "42-1": ("dissolved", "2019-09-11"),
        "43-1": ("prorogued", "2020-08-18"),
        "43-2": ("dissolved", "2021-08-15"),
        "44-1": ("prorogued", "2025-01-06"),
    }
    assert SESSION_ENDS["44-1"].parliament_dissolved == date(2025, 3, 23)


@pytest.mark.parametrize(
    ("parliament", "session", "on", "status"),
    [
        (43, 1, date(2020, 8, 18), "Lapsed — session 43-1 prorogued 2020-08-18"),
        (42, 1, date(2019, 9, 11), "Lapsed — session 42-1 ended; Parliament dissolved 2019-09-11"),
        (43, 2, date(2021, 8, 15), "Lapsed — session 43-2 ended; Parliament dissolved 2021-08-15"),
        (41, 2, None, "Lapsed — session 41-2 ended"),  # an end we do not know: no date
    ],
)
def test_lapsed_outcome_per_session(
    parliament: int, session: int, on: date | None, status: str
) -> None:
    """SYNTHETIC: C-22 moved to an ended session."""
    bill = json.loads(body(C22_JSON))
    bill.update(ParliamentNumber=parliament, SessionNumber=session, IsSessionOngoing=False)
    record = from_json(json.dumps(bill).encode())
    assert (record.outcome, record.outcome_on, record.status) == ("lapsed", on, status)
    assert record.stage_category == "lapsed"
    assert record.extra["status_en"] == "At consideration in committee in the House of Commons"


def test_outcomes_are_the_common_ones(c63: DocumentRecord, s209: DocumentRecord) -> None:
    assert {c63.outcome, s209.outcome} <= set(OUTCOMES)
    c22 = from_json(body(C22_JSON))
    assert (c22.outcome, c22.outcome_on, c22.status) == (
        "active",
        None,
        "At consideration in committee in the House of Commons",
    )


# --- summaries: every layout, and the ones never seen --------------------------------------


def test_summary_layouts_in_the_recorded_bodies() -> None:
    """JSON strings (C-22), escaped markup in XML (C-63), null (S-209 JSON), blank (S-209 XML,
    C-34 XML), and the unsuffixed English copy when the En field is gone."""
    c34 = from_xml(body(C34_XML), xml_url("45-1", "C-34"))
    assert (c34.summary, c34.summary_alt) == ("", "")
    assert (from_xml(body(S209_XML)).summary, from_xml(body(S209_XML)).summary_alt) == ("", "")
    bill = json.loads(body(C22_JSON))
    full = from_json(body(C22_JSON))
    del bill["ShortLegislativeSummaryEn"]
    assert from_json(json.dumps(bill).encode()).summary == full.summary != ""


def test_summary_in_an_unknown_wrapper_is_kept_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SYNTHETIC: C-22's summaries in a <section> and a markup with no text."""
    bill = json.loads(body(C22_JSON))
    bill["ShortLegislativeSummaryEn"] = "<section><p>Part 1 amends the Criminal Code.</p></section>"
    bill["ShortLegislativeSummaryFr"] = "<div><br/><br/></div>"
    with caplog.at_level("WARNING", logger=f"crawlers.{SLUG}"):
        record = from_json(json.dumps(bill).encode())
    assert (record.summary, record.summary_alt) == ("Part 1 amends the Criminal Code.", "")
    logged = [r.getMessage() for r in caplog.records]
    assert any(
        "bill 45-1/C-22: ShortLegislativeSummaryEn in a wrapper never seen" in m for m in logged
    )
    assert any(
        "bill 45-1/C-22: ShortLegislativeSummaryFr has markup but no text" in m for m in logged
    )
    assert any("bill 45-1/C-22: a summary in English only" in m for m in logged)


def test_recorded_summaries_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger=f"crawlers.{SLUG}"):
        from_json(body(C22_JSON))
        from_xml(body(C63_XML))
        from_json(body(S209_JSON))
    assert caplog.records == []


# --- errors name the bill (SYNTHETIC bad bodies derived from the real ones) ---------------


def test_list_errors_name_the_entry() -> None:
    listed = json.loads(body(LIST))
    listed[14]["LatestActivityDateTime"] = "yesterday"  # SYNTHETIC: S-209's entry
    with pytest.raises(LayoutChanged) as caught:
        list_entries(SLUG, list_url("45-1"), json.dumps(listed).encode())
    assert caught.value.cause.startswith(
        "list entry [14] (bill 45-1/S-209): bad LatestActivityDateTime"
    )
    assert caught.value.url == list_url("45-1")
    listed = json.loads(body(LIST))
    del listed[3]["BillNumberFormatted"]  # SYNTHETIC: S-4's entry without its number
    with pytest.raises(LayoutChanged) as caught:
        list_entries(SLUG, list_url("45-1"), json.dumps(listed).encode())
    assert caught.value.cause == (
        "list entry [3] (ParlSessionCode 45-1, BillNumber 0, BillId 13779589): "
        "list entry without BillNumberFormatted / ParlSessionCode"
    )


def test_detail_errors_name_the_bill() -> None:
    asked = "45-1/S-209"
    with pytest.raises(ParseError) as caught:
        bill_from_json(SLUG, URL, html_page_from(body(S209_JSON)), asked)
    assert str(caught.value) == f"{SLUG} {URL}: bill 45-1/S-209: HTML page where JSON was expected"
    with pytest.raises(
        ParseError, match=r"^ca-legisinfo-bills .*: bill 44-1/C-63: body is not XML"
    ):
        bill_from_xml(SLUG, URL, body(C63_XML)[:30_000], "44-1/C-63")
    with pytest.raises(LayoutChanged, match="bill 45-1/S-209: expected a one-element array"):
        bill_from_json(SLUG, URL, b"[]", asked)
    bill = json.loads(body(S209_JSON))
    bill["BillStages"]["SenateBillStages"][0]["Sittings"][0]["Date"] = "28/05/2025"  # SYNTHETIC
    with pytest.raises(LayoutChanged) as changed:
        bill_record(bill, source=SLUG, source_url=URL, fetched_at=FETCHED, asked=asked)
    assert changed.value.cause.startswith("bill 45-1/S-209: unreadable value (ValueError")
    del bill["NumberCode"]  # SYNTHETIC: the body no longer says which bill it is
    with pytest.raises(LayoutChanged) as changed:
        bill_record(bill, source=SLUG, source_url=URL, fetched_at=FETCHED, asked=asked)
    assert changed.value.cause == "bill 45-1/S-209: bill without NumberCode"
    with pytest.raises(LayoutChanged) as changed:
        bill_record(bill, source=SLUG, source_url=URL, fetched_at=FETCHED)
    assert changed.value.cause == "bill 45-1/? (Id 13541954): bill without NumberCode"


def test_a_body_of_another_bill_is_refused() -> None:
    c22 = bill_from_json(SLUG, URL, body(C22_JSON))
    with pytest.raises(LayoutChanged) as caught:
        bill_record(c22, source=SLUG, source_url=URL, fetched_at=FETCHED, asked="45-1/S-209")
    assert caught.value.cause == "bill 45-1/S-209: the body is bill 45-1/C-22"
    same = bill_record(c22, source=SLUG, source_url=URL, fetched_at=FETCHED, asked="45-1/c-22")
    assert same.external_id == "45-1/C-22"


def test_spider_passes_the_asked_bill_to_the_xml_form() -> None:
    spider = CaLegisinfoBillsSpider()
    request = spider.xml_request("45-1", "S-209")
    assert (request.url, request.cb_kwargs) == (
        xml_url("45-1", "S-209"),
        {"session": "45-1", "number": "S-209"},
    )
    response = XmlResponse(request.url, body=body(S209_XML))
    assert spider.parse_xml(response).external_id == "45-1/S-209"  # asked for with no kwargs
    assert spider.parse_xml(response, **request.cb_kwargs).external_id == "45-1/S-209"
    with pytest.raises(LayoutChanged, match="bill 45-1/C-34: the body is bill 45-1/S-209"):
        spider.parse_xml(response, "45-1", "C-34")


# --- storage: a history that shrinks keeps its events -----------------------------------


def test_shrinking_history_keeps_stored_events(session: Session) -> None:
    source = ensure_source(session, slug=SLUG, jurisdiction="ca", kind="bills")
    full = from_json(body(S209_JSON))
    upsert_document(session, source, full, FETCHED)
    shrunk = from_json(body(S209_JSON))
    shrunk.events = shrunk.events[:5]
    outcome = upsert_document(session, source, shrunk, FETCHED)
    assert outcome.new_events == 0
    assert len(outcome.vanished_events) == len(full.events) - 5
    document = session.scalars(select(Document).where(Document.external_id == "45-1/S-209")).one()
    stored = session.scalars(select(BillEvent).where(BillEvent.document_id == document.id)).all()
    assert sorted(e.key for e in stored) == sorted(e.key for e in full.events)


def test_the_xml_form_never_expands_an_external_entity() -> None:
    """SYNTHETIC: the real C-34 XML with an external entity declared and used in its title."""
    raw = (
        body(C34_XML)
        .replace(
            b"<Bills>", b'<!DOCTYPE Bills [<!ENTITY x SYSTEM "file:///etc/passwd">]><Bills>', 1
        )
        .replace(b"<LongTitleEn>An Act", b"<LongTitleEn>&x;An Act", 1)
    )
    url = "https://www.parl.ca/legisinfo/en/bill/45-1/C-34/xml"
    bill = bill_from_xml("ca-legisinfo-bills", url, raw)
    assert "root:" not in json.dumps(bill)
    assert str(bill["LongTitleEn"]).startswith("An Act")
