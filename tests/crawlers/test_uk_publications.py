"""uk_publications.parse_publications on the real bill-512 publications body."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawlers.spiders.uk.bill_publications import bill_numbers, parse_publications

BODY = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "uk-publications"


@pytest.fixture
def body() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BODY / "bill-512_publications_snommoc.json").read_bytes())
    return data


def test_every_publication_in_source_order(body: dict[str, Any]) -> None:
    publications = parse_publications(body)
    assert len(publications) == 41
    assert publications[0] == {
        "title": "Constitutional Reform and Governance Act 2010 c.25",
        "type": "Act of Parliament",
        "date": "2010-04-12",
        "house": "Commons",
        "links": [
            {
                "url": "http://www.opsi.gov.uk/acts/acts2010/pdf/ukpga_20100025_en.pdf",
                "content_type": "application/pdf",
            },
            {
                "url": "http://www.opsi.gov.uk/acts/acts2010/ukpga_20100025_en_1",
                "content_type": "text/html",
            },
        ],
    }
    assert publications[-1]["title"] == (
        "Public Administration Select Committee, Constitional Renewal: "
        "Draft Bill and White Paper (HC 499, 2007-08)"
    )
    assert publications[-1]["date"] == "2008-06-04"


def test_types_and_links_counted(body: dict[str, Any]) -> None:
    publications = parse_publications(body)
    types = Counter(publication["type"] for publication in publications)
    assert types["Amendment Paper"] == 9
    assert types["Bill"] == 5
    links = [link for publication in publications for link in publication["links"]]
    assert Counter(link["content_type"] for link in links) == {
        "text/html": 31,
        "application/pdf": 20,
    }


def test_missing_optional_parts(body: dict[str, Any]) -> None:
    first = body["publications"][0]
    del first["publicationType"], first["displayDate"]
    first["links"][0]["url"] = None
    del first["links"][1]["contentType"]
    parsed = parse_publications(body)[0]
    assert (parsed["type"], parsed["date"]) == ("", "")
    assert parsed["links"] == [
        {"url": "http://www.opsi.gov.uk/acts/acts2010/ukpga_20100025_en_1", "content_type": ""}
    ]


def test_layout_changes_raise_naming_what_is_missing(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="no publications list"):
        parse_publications({"items": body["publications"]})
    with pytest.raises(ValueError, match="no publications list"):
        parse_publications(body["publications"])
    del body["publications"][3]["title"]
    with pytest.raises(ValueError, match="publication without a title"):
        parse_publications(body)


def test_bill_numbers_are_each_houses_latest_print(body: dict[str, Any]) -> None:
    """Bill 512's prints: Commons "Bill 4", "Bill 68", "Bill 106 (Lords Amendments to)"; Lords
    "HL Bill 40"; "Bill as introduced" has no number and "Bill 4 EN" is explanatory notes."""
    assert bill_numbers(parse_publications(body)) == {
        "Commons": "Bill 106",
        "Lords": "HL Bill 40",
    }


def test_bill_numbers_need_a_numbered_print_of_the_bill(body: dict[str, Any]) -> None:
    publications = parse_publications(body)
    notes_only = [p for p in publications if p["type"] == "Explanatory Notes"]
    assert [p["title"] for p in notes_only][-1] == "Explanatory Notes to Bill"
    assert bill_numbers(notes_only) == {}
    assert bill_numbers([]) == {}
    # SYNTHETIC: a number without a session suffix, an older print, and notes typed "Bill".
    synthetic = [
        {"title": "HL Bill 12", "type": "Bill", "date": "2024-02-01"},
        {"title": "HL Bill 3 (as introduced)", "type": "Bill", "date": "2023-11-08"},
        {"title": "Bill 4 EN 09-10", "type": "Bill", "date": "2024-03-01"},
    ]
    assert bill_numbers(synthetic) == {"Lords": "HL Bill 12"}
