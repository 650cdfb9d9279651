"""uk_publications.parse_publications on the real bill-512 publications body."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawlers.spiders.uk_publications import parse_publications

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
