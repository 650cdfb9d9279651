"""Each bill's truth on the web: outcome badge and status line, session, every title, the
French summary and stage names, the latest event's date; the JSON API; finding a bill by name.

Real records: Canada's C-63 (44-1, lapsed) and C-34 (45-1, active) as the LEGISinfo crawler
reads its recorded bodies (cassettes/ca-legisinfo-bills), beside the web corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from crawlers.spiders.ca.legisinfo_forms import bill_from_xml
from crawlers.spiders.ca.legisinfo_record import bill_record
from models import Document
from models.lookup import describe
from models.records import DocumentRecord
from models.vocabulary import status_line
from tests.web.conftest import Corpus, store

BODIES = Path(__file__).resolve().parents[2] / "cassettes/ca-legisinfo-bills/bodies"
SOURCE = "ca-legisinfo-bills"


def legisinfo(body: str, url: str) -> DocumentRecord:
    """The record the crawler makes of a recorded LEGISinfo XML body."""
    bill = bill_from_xml(SOURCE, url, (BODIES / body).read_bytes())
    return bill_record(
        bill, source=SOURCE, source_url=url, fetched_at=datetime(2026, 6, 11, tzinfo=UTC)
    )


@dataclass
class Canada:
    c63: Document  # lapsed at prorogation
    c34: Document  # active
    corpus: Corpus


def store_c63_c34(session: Session) -> tuple[Document, Document]:
    """C-63 (44th Parliament, lapsed at prorogation) and C-34 (45th, active), as recorded."""
    return tuple(  # type: ignore[return-value]
        store(
            session, legisinfo(name, f"https://www.parl.ca/legisinfo/en/bill/{path}/xml"), "bills"
        )
        for name, path in (
            ("bill_44-1_C-63_xml_civican.xml", "44-1/C-63"),
            ("bill_45-1_C-34_xml_civican.xml", "45-1/C-34"),
        )
    )


@pytest.fixture
def canada(session: Session, corpus: Corpus) -> Canada:
    c63, c34 = store_c63_c34(session)
    session.commit()
    return Canada(c63, c34, corpus)


def _tree(client: TestClient, path: str, status: int = 200) -> html.HtmlElement:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status, response.text
    return html.fromstring(response.text)


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_bill_page_says_lapsed_with_session_titles_french_summary_and_stages(
    client: TestClient, canada: Canada
) -> None:
    c63 = canada.c63
    page = _tree(client, f"/bills/{c63.id}")
    assert _text(page.get_element_by_id("outcome")) == "Lapsed"
    assert page.get_element_by_id("outcome").get("class") == "badge outcome-lapsed"
    line = status_line(c63.outcome, c63.outcome_on, c63.status)
    assert line.startswith("Lapsed — session 44-1 prorogued 2025-01-06")
    assert _text(page.get_element_by_id("status-line")) == line
    h1 = page.cssselect("h1")[0]
    assert _text(h1.cssselect(".ref")[0]) == "C-63"
    assert _text(h1.cssselect(".session")[0]) == "(44-1)"
    assert "latest event 2024-09-23" in _text(page.get_element_by_id("current-stage"))
    titles = [
        (
            li.get("lang"),
            _text(li.cssselect(".title-type")[0]),
            _text(li.cssselect(".title-text")[0]),
        )
        for li in page.cssselect("#titles li")
    ]
    assert titles == [(t["language"], t["type"], t["title"]) for t in c63.titles]
    assert {lang for lang, _, _ in titles} == {"en", "fr"}
    french = page.cssselect("div.summary-alt")[0]
    assert french.get("lang") == "fr"
    paragraphs = " ".join(_text(p) for p in french.cssselect("p"))
    assert paragraphs == " ".join(c63.summary_alt.split())
    events = page.cssselect("#timeline li")
    assert [li.cssselect("time")[0].get("datetime") for li in events] == [
        "2024-02-26",
        "2024-06-07",
        "2024-09-23",
    ]
    first = events[0].cssselect(".stage-alt")[0]
    assert (first.get("lang"), _text(first)) == ("fr", "(Première lecture)")


def test_active_bill_page_has_an_active_badge_and_no_french_summary(
    client: TestClient, canada: Canada
) -> None:
    page = _tree(client, f"/bills/{canada.c34.id}")
    assert _text(page.get_element_by_id("outcome")) == "Active"
    assert _text(page.get_element_by_id("status-line")) == canada.c34.status
    assert _text(page.cssselect("h1 .session")[0]) == "(45-1)"
    # The S-209 of the web corpus states no outcome nor session: "Unknown", no empty sections.
    corpus_bill = _tree(client, f"/bills/{canada.corpus.ca.id}")
    assert _text(corpus_bill.get_element_by_id("outcome")) == "Unknown"
    assert not corpus_bill.cssselect("#titles, .summary-alt, .stage-alt")


def test_search_rows_show_outcome_session_and_latest_event_date(
    client: TestClient, canada: Canada
) -> None:
    page = _tree(client, "/search?type=bill&jurisdiction=ca&scope=all")
    rows = {li.cssselect("a .ref")[0].text: li for li in page.cssselect("li.hit")}
    lapsed = rows["C-63"]
    badge = lapsed.cssselect(".badge")[0]
    assert _text(badge) == "Lapsed"
    assert badge.get("title").startswith("Lapsed — session 44-1 prorogued 2025-01-06")
    assert _text(lapsed.cssselect(".session")[0]) == "session 44-1"
    assert _text(lapsed.cssselect(".stage-date")[0]) == "latest event 2024-09-23"
    assert _text(lapsed.cssselect(".published")[0]) == "introduced 2024-02-26"
    active = rows["C-34"]
    assert not active.cssselect(".badge")  # an active bill needs no badge in a list
    assert _text(active.cssselect(".session")[0]) == "session 45-1"
    statement = _tree(client, "/search?type=statement&scope=all").cssselect("li.hit")[0]
    assert _text(statement.cssselect(".published")[0]).startswith("published ")


def test_api_documents_carry_outcome_status_session_titles_and_french(
    client: TestClient, canada: Canada
) -> None:
    c63 = canada.c63
    detail = client.get(f"/api/documents/{c63.id}").json()
    assert detail["outcome"] == "lapsed"
    assert detail["outcome_on"] == "2025-01-06"
    assert detail["status_line"] == status_line("lapsed", date(2025, 1, 6), c63.status)
    assert detail["session"] == "44-1"
    assert detail["titles"] == c63.titles
    assert detail["summary_alt"] == c63.summary_alt
    listed = client.get("/api/documents", params={"jurisdiction": "ca", "type": "bill"}).json()
    by_reference = {d["reference"]: d for d in listed["documents"]}
    assert by_reference["C-34"]["outcome"] == "active"
    assert by_reference["C-34"]["status_line"] == canada.c34.status
    assert by_reference["C-63"]["session"] == "44-1"
    statement = client.get(f"/api/documents/{canada.corpus.statements[0].id}").json()
    assert (statement["outcome"], statement["status_line"]) == ("", "")
    history = client.get(f"/api/bills/{c63.id}/history").json()
    assert [e["stage_alt"] for e in history["events"]] == [
        "Première lecture",
        "Deuxième lecture",
        "Deuxième lecture",
    ]
    assert history["bill"]["status_line"] == detail["status_line"]


def test_find_one_match_redirects_to_its_page(client: TestClient, canada: Canada) -> None:
    for said in ("C-63", "c63", "44-1/C-63", f"#{canada.c63.id}", "an act to enact the online"):
        response = client.get("/find", params={"ref": said}, follow_redirects=False)
        assert response.status_code == 303, said
        assert response.headers["location"] == f"/bills/{canada.c63.id}"
    statement = canada.corpus.statements[0]
    response = client.get("/find", params={"ref": f"id:{statement.id}"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/statements/{statement.id}",
    )
    # Followed, it lands on the bill page.
    assert client.get("/find", params={"ref": "C-34"}).url.path == f"/bills/{canada.c34.id}"


def test_find_ambiguous_lists_the_candidates(client: TestClient, canada: Canada) -> None:
    page = _tree(client, "/find?ref=An+Act+to+enact+the")
    links = {a.get("href"): _text(a) for a in page.cssselect("#candidates li a")}
    assert links == {
        f"/bills/{canada.c63.id}": " ".join(describe(canada.c63).split()),
        f"/bills/{canada.c34.id}": " ".join(describe(canada.c34).split()),
    }
    lapsed = next(li for li in page.cssselect("#candidates li") if "C-63" in _text(li))
    assert _text(lapsed.cssselect(".badge")[0]) == "Lapsed"


def test_find_nothing_is_a_404_saying_what_was_tried(client: TestClient, canada: Canada) -> None:
    page = _tree(client, "/find?ref=Z-999", status=404)
    assert _text(page.cssselect("#nothing h2")[0]) == "Nothing found for Z-999"
    tried = [_text(li) for li in page.cssselect("ol.tried li")]
    assert len(tried) == 5
    assert tried[2].startswith("a bill number")
    assert page.cssselect("#nothing a")[0].get("href") == "/search?q=Z-999"
    # The jurisdiction narrows: C-63 is Canadian.
    elsewhere = _tree(client, "/find?ref=C-63&jurisdiction=uk", status=404)
    assert "in UK" in _text(elsewhere.cssselect("#nothing h2")[0])


def test_find_without_a_reference_shows_the_form(client: TestClient, canada: Canada) -> None:
    page = _tree(client, "/find")
    assert page.cssselect("form.find-form input[name=ref]")
    assert _tree(client, "/").cssselect("form.find-box[action='/find'] input[name=ref]")


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "zq\x00zq",
        "\x00",
        "99999999999999999999999",
        "#99999999999",
        "id:2147483648",
        "²",
        "١٢٣٤٥٦٧٨٩٠١٢٣",
        "%_\\",
        "'; DROP TABLE documents; --",
        "https://example.com/bills/99999999999999",
        "\u202e\ufeff\U0001f600",
        "x" * 299,
    ],
)
def test_find_hostile_input_is_escaped_and_never_a_500(
    client: TestClient, canada: Canada, hostile: str
) -> None:
    response = client.get("/find", params={"ref": hostile}, follow_redirects=False)
    assert response.status_code == 404, response.text
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    page = html.fromstring(response.text)
    assert page.cssselect("#nothing")
    # The page still answers after whatever the database refused.
    assert client.get("/find", params={"ref": "C-63"}, follow_redirects=False).status_code == 303


def test_find_refuses_a_too_long_reference_with_a_page(client: TestClient, canada: Canada) -> None:
    response = client.get("/find", params={"ref": "<b>" + "y" * 5000}, follow_redirects=False)
    assert response.status_code == 400
    assert "<b>yyy" not in response.text
    page = html.fromstring(response.text)
    assert "5003 characters long" in _text(page.cssselect(".error")[0])
