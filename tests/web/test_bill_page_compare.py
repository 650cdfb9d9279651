"""The bill page and compare (issue #21 items 1, 2) on real recorded bodies, as the crawlers read
them: the UK Bills API list page (cassettes/uk-bills: sessions 20-39, two Acts), Canada's C-63
(44-1, lapsed) and C-34 (45-1) from LEGISinfo, H.R. 1500 with its GovInfo text versions, and the
web corpus (S-209 and the statement naming it)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from crawlers.spiders.uk.bills_api import bill_record
from models import Document
from models.bill_status import PROGRESS_STEPS
from tests.hr1500_texts import store_hr1500
from tests.web.conftest import Corpus, store
from tests.web.test_bill_status import store_c63_c34

UK_LIST = Path(__file__).resolve().parents[2] / "cassettes/uk-bills/bodies/bills_page1_snommoc.json"
UK_LIST_URL = "https://bills-api.parliament.uk/api/v1/Bills?SortOrder=DateUpdatedDescending"


@dataclass
class Recorded:
    uk: dict[int, Document]  # by billId
    c63: Document
    c34: Document
    hr1500: Document
    corpus: Corpus


@pytest.fixture
def recorded(session: Session, corpus: Corpus) -> Recorded:
    items = json.loads(UK_LIST.read_bytes())["items"]
    uk = {
        item["billId"]: store(
            session, bill_record(item, None, None, source_url=UK_LIST_URL), "bills"
        )
        for item in items
    }
    c63, c34 = store_c63_c34(session)
    session.commit()
    return Recorded(uk, c63, c34, store_hr1500(session), corpus)


def _tree(client: TestClient, path: str) -> html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _badge(client: TestClient, bill: Document) -> tuple[str, str]:
    badge = _tree(client, f"/bills/{bill.id}").get_element_by_id("outcome")
    return badge.get("class"), _text(badge)


def test_badges_lapsed_enacted_active_and_unknown(client: TestClient, recorded: Recorded) -> None:
    # Session 38's bill 3554 stopped at 1st reading; bills of session 39 are stored: lapsed.
    assert _badge(client, recorded.uk[3554]) == ("badge outcome-lapsed", "Lapsed")
    reason = _text(_tree(client, f"/bills/{recorded.uk[3554].id}").cssselect(".status-reason")[0])
    assert reason == "(session 38 ended: bills of a later session are stored)"
    assert _badge(client, recorded.uk[3785]) == ("badge outcome-active", "Active")  # session 39
    assert _badge(client, recorded.uk[642]) == ("badge outcome-enacted", "Enacted")  # an Act
    assert _badge(client, recorded.c63) == ("badge outcome-lapsed", "Lapsed")  # stated
    assert _badge(client, recorded.c34) == ("badge outcome-active", "Active")
    assert _badge(client, recorded.hr1500)[1] == "Lapsed"  # the 116th Congress ended
    # The corpus's S-209 states neither outcome nor session: not guessed.
    assert _badge(client, recorded.corpus.ca) == ("badge outcome-unknown", "Unknown")


def test_progress_per_chamber_in_the_common_steps(client: TestClient, recorded: Recorded) -> None:
    page = _tree(client, f"/bills/{recorded.hr1500.id}")
    chambers = [_text(h3) for h3 in page.cssselect("#progress h3")]
    assert chambers == ["House", "Senate"]
    house, senate = page.cssselect("ol.progress-bar")
    steps = [li.get("data-step") for li in house.cssselect("li")]
    assert steps == [step.key for step in PROGRESS_STEPS]
    reached = {li.get("data-step"): li.cssselect("time")[0].get("datetime")
               for li in house.cssselect("li.reached")}  # fmt: skip
    assert reached == {
        "introduced": "2019-03-05",
        "committee": "2019-03-05",
        "report": "2019-05-10",
        "third_reading": "2019-05-22",
    }
    assert [li.get("data-step") for li in senate.cssselect("li.reached")] == ["other_chamber"]


def test_summary_paragraphs_titles_and_text_links(client: TestClient, recorded: Recorded) -> None:
    bill = recorded.hr1500
    page = _tree(client, f"/bills/{bill.id}")
    paragraphs = [_text(p) for p in page.cssselect("#summary .summary p")]
    lines = [line.strip() for line in bill.summary.splitlines() if line.strip()]
    assert len(paragraphs) == len(lines) > 1
    assert paragraphs[0] == lines[0]
    links = [a.get("href") for a in page.cssselect("a.version-link")]
    assert links == [f"/bills/{bill.id}/text/{code}" for code in ("ih", "rh", "eh", "rfs")]
    assert all(client.get(link).status_code == 200 for link in links)
    assert len(page.cssselect("#titles li")) == len(bill.titles)


def test_a_text_with_no_url_of_its_own_links_the_official_page(
    client: TestClient, recorded: Recorded
) -> None:
    """LEGISinfo names C-63's First Reading by id only: the link is the bill's page."""
    [item] = [li for li in _tree(client, f"/bills/{recorded.c63.id}").cssselect("li.publication")
              if _text(li).startswith("First Reading")]  # fmt: skip
    assert [(a.get("href"), _text(a)) for a in item.cssselect("a")] == [
        (recorded.c63.url, "on the official page")
    ]


def test_statements_listed_and_api_says_what_the_page_says(
    client: TestClient, recorded: Recorded
) -> None:
    bill = recorded.corpus.ca
    page = _tree(client, f"/bills/{bill.id}")
    statement_links = [a.get("href") for a in page.cssselect("#statements a")]
    assert f"/documents/{recorded.corpus.mentioning.id}" in statement_links
    api = client.get(f"/api/bills/{bill.id}").json()
    assert [s["id"] for s in api["statements"]] == [recorded.corpus.mentioning.id]
    for document in (recorded.hr1500, recorded.uk[3554], recorded.c63):
        page = _tree(client, f"/bills/{document.id}")
        api = client.get(f"/api/bills/{document.id}").json()
        assert api["status"]["label"] == _text(page.get_element_by_id("outcome"))
        shown = [_reached_on(bar) for bar in page.cssselect("ol.progress-bar")]
        assert [[s["reached_on"] for s in bar["steps"]] for bar in api["progress"]] == shown
        assert api["summary_paragraphs"] == [
            _text(p) for p in page.cssselect("#summary .summary p")
        ]
        assert [t["page"] for t in api["texts"]] == [
            a.get("href") for a in page.cssselect("a.version-link")
        ]
        assert len(api["events"]) == len(page.cssselect("#timeline li"))


def _reached_on(bar: html.HtmlElement) -> list[str | None]:
    return [time[0].get("datetime") if (time := li.cssselect("time")) else None
            for li in bar.cssselect("li")]  # fmt: skip


def _compare(client: TestClient) -> html.HtmlElement:
    return _tree(client, "/compare?scope=all")


def test_compare_puts_ca_and_uk_first_readings_on_one_row(
    client: TestClient, recorded: Recorded
) -> None:
    page = _compare(client)
    headers = [_text(th) for th in page.cssselect("table.compare thead th")]
    row = page.cssselect("table.compare tr[data-step=introduced]")[0]
    cells = dict(zip(headers[1:], row.cssselect("td"), strict=True))
    [c63] = [cell for header, cell in cells.items() if header.startswith("CA C-63")]
    [uk] = [cell for header, cell in cells.items() if header.startswith("UK ")
            and "Abortion (Gestational" in header]  # fmt: skip
    assert _text(c63).startswith("2024-02-26 First reading")
    assert "1st reading" in _text(uk)
    assert not page.cssselect("table.compare tr[data-step=lapsed]")


def test_compare_csv_has_the_aligned_columns(client: TestClient, recorded: Recorded) -> None:
    page = _compare(client)
    response = client.get("/compare.csv?scope=all")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    names = [_text(a) for a in page.cssselect("table.compare thead th a")]
    assert rows[0][:2] == ["step", "stage"]
    assert [header.split(" ", 2)[:2] for header in rows[0][2:]] == [n.split(" ")[:2] for n in names]
    assert rows[1][0] == "status"
    steps = [tr.get("data-step") for tr in page.cssselect("table.compare tbody tr[data-step]")]
    assert [row[0] for row in rows[2:]] == steps
    [c63] = [i for i, name in enumerate(names) if name.startswith("CA C-63")]
    introduced = next(row for row in rows if row[0] == "introduced")
    assert introduced[2 + c63] == "2024-02-26"
    assert rows[1][2 + c63] == "lapsed"


def test_compare_chart_is_labelled_svg_with_a_legend(
    client: TestClient, recorded: Recorded
) -> None:
    page = _compare(client)
    svg = page.cssselect("svg.progress-chart")[0]
    assert _text(svg.cssselect("title")[0]) == "How far and how fast each bill went"
    labels = [_text(t) for t in svg.cssselect("text.step-label")]
    assert labels == [step.label for step in PROGRESS_STEPS]
    assert _text(svg.cssselect("text.axis-title")[0]) == "Days since the bill's first stage"
    legend = [_text(li) for li in page.cssselect("ol.chart-legend li")]
    assert any(recorded.c63.title in entry for entry in legend)  # full names, never cut
    assert "C-63" in _text(svg.cssselect("desc")[0])
    assert len(svg.cssselect("polyline")) == len(legend)
