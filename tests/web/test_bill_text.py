"""A bill's text versions on the web: the bill page's list, a version by section, the diff
between two versions, and the same as JSON; on the real H.R. 1500 (116th) and its four real
GovInfo texts (ih, rh, eh, rfs)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from models import Document
from models.billtext import diff_sections
from tests.hr1500_texts import VERSIONS, add_text, parsed, store_bill, store_hr1500
from tests.web.conftest import Corpus


@pytest.fixture
def bill(session: Session) -> Document:
    return store_hr1500(session)


def test_the_bill_page_lists_the_four_versions_in_stage_order(
    client: TestClient, bill: Document
) -> None:
    page = client.get(f"/bills/{bill.id}").text
    listed = re.findall(r'href="/bills/\d+/text/(\w+)"', page)
    assert listed == [code for code, _ in VERSIONS]
    assert "Introduced in House" in page
    assert "2019-03-05" in page
    assert 'href="https://www.govinfo.gov/content/pkg/BILLS-116hr1500rh/xml/' in page
    # the diff form offers every version, the two newest chosen
    assert '<option value="eh" selected>' in page
    assert '<option value="rfs" selected>' in page


def test_a_bill_without_stored_text(client: TestClient, session: Session, corpus: Corpus) -> None:
    # H.R. 1500 before its texts are stored: its text links as before; S-209: no text.
    bill = store_bill(session)
    session.commit()
    page = client.get(f"/bills/{bill.id}").text
    assert 'id="text"' not in page
    assert "Texts and publications" in page
    assert "Referred in Senate" in page
    assert "No text recorded" in client.get(f"/bills/{corpus.ca.id}").text


def test_a_version_by_section_with_its_quoted_law_apart(client: TestClient, bill: Document) -> None:
    response = client.get(f"/bills/{bill.id}/text/eh")
    assert response.status_code == 200
    page = response.text
    summaries = re.findall(r"<summary>(.*?)</summary>", page)
    assert len(summaries) == len(parsed("eh").sections) == 18
    assert summaries[2] == "SEC. 3. Consumer Financial Protection Bureau"
    assert "<figcaption>Amended law</figcaption><blockquote>" in page
    assert "(f) Name use requirement.—The Consumer Financial Protection Bureau shall" in page
    assert f'href="/bills/{bill.id}/diff?from=rh&amp;to=eh"' in page


def test_an_unknown_version_is_a_404_naming_those_stored(
    client: TestClient, bill: Document
) -> None:
    response = client.get(f"/bills/{bill.id}/text/enr")
    assert response.status_code == 404
    assert "No text version &#39;enr&#39; of this bill (stored: ih, rh, eh, rfs)" in response.text
    assert f'href="/bills/{bill.id}/text/rfs"' in response.text


def test_the_diff_from_reported_to_engrossed(client: TestClient, bill: Document) -> None:
    response = client.get(f"/bills/{bill.id}/diff", params={"from": "rh", "to": "eh"})
    assert response.status_code == 200
    page = response.text
    expected = diff_sections(parsed("rh").sections, parsed("eh").sections)
    assert expected.sentence().startswith("10 sections added (SEC. 8. Discretionary surplus")
    assert expected.sentence().replace("'", "&#39;") in page
    kinds = re.findall(r'<li class="change change-(\w+)">', page)
    assert kinds == [change.kind for change in expected.changes]
    assert kinds.count("added") == 10
    assert "reworded" in kinds
    reworded = page.split('class="change change-reworded"')[1].split("</li>")[0]
    assert "<ins>" in reworded or "<del>" in reworded
    assert '<details><summary><span class="badge">unchanged</span>' in page


def test_the_diff_defaults_to_the_two_newest(client: TestClient, bill: Document) -> None:
    page = client.get(f"/bills/{bill.id}/diff").text
    assert "What changed from eh to rfs" in page
    assert "no change to the text" in page


def test_a_diff_of_a_version_with_itself_or_an_unknown_one(
    client: TestClient, bill: Document
) -> None:
    same = client.get(f"/bills/{bill.id}/diff", params={"from": "rh", "to": "rh"})
    assert same.status_code == 400
    assert "Pick two different versions to compare, not rh twice" in same.text
    unknown = client.get(f"/bills/{bill.id}/diff", params={"from": "rh", "to": "zz"})
    assert unknown.status_code == 404
    assert "stored: ih, rh, eh, rfs" in unknown.text


def test_comparing_needs_two_versions(client: TestClient, session: Session) -> None:
    one = store_hr1500(session, codes=1)
    response = client.get(f"/bills/{one.id}/diff")
    assert response.status_code == 404
    assert "Comparing needs two text versions; this bill has 1" in response.text


def test_a_reissued_code_is_addressed_by_its_issue(client: TestClient, session: Session) -> None:
    """DERIVED: the real rh stored again with a section dropped, as a re-issue would be."""
    bill = store_bill(session)
    add_text(session, bill, parsed("ih"))
    first = parsed("rh")
    add_text(session, bill, first)
    first.sections = first.sections[:-1]
    add_text(session, bill, first)
    session.commit()
    page = client.get(f"/bills/{bill.id}").text
    assert re.findall(r'href="/bills/\d+/text/([\w:]+)"', page) == ["ih", "rh:1", "rh:2"]
    newest = client.get(f"/bills/{bill.id}/text/rh").text  # the newest issue, and said so
    assert "rh was issued 2 times; this is issue 2." in newest
    assert "re-issued" in newest  # the store's note
    assert len(re.findall(r"<summary>", newest)) == len(first.sections)
    older = client.get(f"/bills/{bill.id}/text/rh:1").text
    assert len(re.findall(r"<summary>", older)) == len(first.sections) + 1
    assert client.get(f"/bills/{bill.id}/text/rh:3").status_code == 404
    diff = client.get(f"/bills/{bill.id}/diff", params={"from": "rh:1", "to": "rh:2"})
    assert "What changed from rh (issue 1 of 2) to rh (issue 2 of 2)" in diff.text
    assert "1 section removed" in diff.text


def test_api_lists_versions(client: TestClient, bill: Document) -> None:
    body = client.get(f"/api/bills/{bill.id}/texts").json()
    assert body["bill"]["reference"] == "H.R. 1500"
    first = body["versions"][0]
    assert first == {
        "key": "ih", "code": "ih", "issue": 1, "issues": 1, "stage": "Introduced in House",
        "issued_on": "2019-03-05", "sequence": 1, "note": "", "sections": 8,
        "title": first["title"],
        "url": "https://www.govinfo.gov/content/pkg/BILLS-116hr1500ih/xml/BILLS-116hr1500ih.xml",
    }  # fmt: skip
    assert [version["key"] for version in body["versions"]] == ["ih", "rh", "eh", "rfs"]


def test_api_gives_a_version_by_section(client: TestClient, bill: Document) -> None:
    body = client.get(f"/api/bills/{bill.id}/texts/eh").json()
    assert body["version"]["key"] == "eh"
    third = body["sections"][2]
    assert third["label"] == "SEC. 3. Consumer Financial Protection Bureau"
    assert third["number"] == "3"
    assert third["quoted"]
    missing = client.get(f"/api/bills/{bill.id}/texts/enr")
    assert missing.status_code == 404
    assert "stored: ih, rh, eh, rfs" in missing.json()["detail"]


def test_api_diff(client: TestClient, bill: Document) -> None:
    body = client.get(f"/api/bills/{bill.id}/diff", params={"from": "rh", "to": "eh"}).json()
    expected = diff_sections(parsed("rh").sections, parsed("eh").sections)
    assert (body["old"]["key"], body["new"]["key"]) == ("rh", "eh")
    assert body["sentence"] == expected.sentence()
    assert [change["kind"] for change in body["changes"]] == [c.kind for c in expected.changes]
    added = next(change for change in body["changes"] if change["kind"] == "added")
    assert added["old_label"] is None
    assert added["new_label"].startswith("SEC. 8.")
    reworded = next(change for change in body["changes"] if change["kind"] == "reworded")
    assert {part["op"] for part in reworded["words"]} >= {"equal"}
    assert any(part["op"] != "equal" for part in reworded["words"])
    same = client.get(f"/api/bills/{bill.id}/diff", params={"from": "eh", "to": "eh"})
    assert same.status_code == 400
    assert "not eh twice" in same.json()["detail"]
