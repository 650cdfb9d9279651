"""GovInfo BILLS XML -> a text version by section: golden output for every recorded body, and
bodies that must fail cleanly (oversize, truncated, another layout) or never expand entities.

After a deliberate change, `pytest tests/crawlers/test_us_bill_text.py --regen` rewrites
golden/us-bill-text/sections/; review the diff before committing it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crawlers.spiders.us.bill_text_xml import MAX_TEXT_BYTES, BillTextError, parse_bill_text
from models.billtext import TextVersionRecord, sections_to_json
from tests.conftest import ROOT
from tests.crawlers.test_golden import GOLDEN, differences

BODIES = ROOT / "cassettes" / "us-govinfo-billstatus" / "bodies"
TEXT_BODIES = sorted(BODIES.glob("BILLS-*.xml"))
# One level below the spiders' golden files (golden/<slug>/*.json), which test_golden.py
# expects each to belong to a cassette body served by a spider.
GOLDEN_TEXT = GOLDEN / "us-bill-text" / "sections"
SOURCE = "us-govinfo-billstatus"


def package_url(package: str) -> str:
    return f"https://www.govinfo.gov/content/pkg/{package}/xml/{package}.xml"


def parse_file(path: Path) -> TextVersionRecord:
    return parse_bill_text(
        path.read_bytes(),
        url=package_url(path.stem),
        source=SOURCE,
        bill_external_id="116-hr-1500",
    )


def golden_view(record: TextVersionRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "stage": record.stage,
        "issued_on": record.issued_on.isoformat() if record.issued_on else None,
        "title": record.title,
        "sections": sections_to_json(record.sections),
    }


def test_the_five_recorded_versions_are_there() -> None:
    assert [path.name for path in TEXT_BODIES] == [
        "BILLS-115hr6972ih.xml",
        "BILLS-116hr1500eh.xml",
        "BILLS-116hr1500ih.xml",
        "BILLS-116hr1500rfs.xml",
        "BILLS-116hr1500rh.xml",
    ]


@pytest.mark.parametrize("path", TEXT_BODIES, ids=[path.name for path in TEXT_BODIES])
def test_a_recorded_version_parses_to_its_golden_output(
    path: Path, request: pytest.FixtureRequest
) -> None:
    found = golden_view(parse_file(path))
    golden = GOLDEN_TEXT / f"{path.name}.json"
    if request.config.getoption("--regen"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True)
        golden.write_text(text + "\n", encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden.relative_to(ROOT)}: run with --regen"
    diffs = list(differences(json.loads(golden.read_text(encoding="utf-8")), found))
    assert not diffs, f"{path.name}: {len(diffs)} difference(s)\n" + "\n".join(diffs[:40])


def test_section_3_of_the_introduced_text_keeps_the_amended_law_apart() -> None:
    record = parse_file(BODIES / "BILLS-116hr1500ih.xml")
    assert (record.code, record.stage, record.issued_on) == (
        "ih",
        "Introduced in House",
        date(2019, 3, 5),
    )
    assert record.title == "Consumers First Act"
    assert [s.number for s in record.sections] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    section = record.sections[2]
    assert section.label == "SEC. 3. Consumer Financial Protection Bureau"
    assert section.text.splitlines()[0] == (
        "(a) In general.—Section 1011(a) of the Consumer Financial Protection Act of 2010"
        " (12 U.S.C. 5491(a)) is amended by striking “Bureau of Consumer Financial Protection”"
        " and inserting “Consumer Financial Protection Bureau”."
    )
    assert section.text.splitlines()[-1].startswith("(c) Name use requirement.—Section 1011")
    assert section.quoted == (
        "“(f) Name use requirement.—The Consumer Financial Protection Bureau shall refer to"
        " itself in any public communication, including on any website, as the “Consumer"
        " Financial Protection Bureau” or the “CFPB”.”.",
    )


def test_no_section_comes_from_inside_a_quoted_block() -> None:
    """The amended law's sections (1013, 1014...) stay inside their section's quoted text."""
    for path in TEXT_BODIES:
        numbers = [int(section.number) for section in parse_file(path).sections]
        assert numbers == list(range(1, len(numbers) + 1)), path.name


def test_billstatus_words_for_stage_and_date_win_over_the_file() -> None:
    path = BODIES / "BILLS-116hr1500eh.xml"  # its dc:date is empty
    assert parse_file(path).issued_on is None
    record = parse_bill_text(
        path.read_bytes(),
        url=package_url(path.stem),
        source=SOURCE,
        bill_external_id="116-hr-1500",
        stage="Passed House",
        issued_on=date(2019, 5, 22),
    )
    assert (record.code, record.stage, record.issued_on) == (
        "eh",
        "Passed House",
        date(2019, 5, 22),
    )


def test_a_truncated_body_is_an_error_naming_the_version() -> None:
    body = (BODIES / "BILLS-116hr1500rh.xml").read_bytes()[:5000]
    with pytest.raises(BillTextError, match=r"^BILLS-116hr1500rh: truncated XML"):
        parse_bill_text(
            body, url=package_url("BILLS-116hr1500rh"), source=SOURCE, bill_external_id="x"
        )


def test_an_oversize_body_is_refused_before_parsing() -> None:
    body = b"<" * (MAX_TEXT_BYTES + 1)  # SYNTHETIC: not even XML; size alone refuses it
    with pytest.raises(BillTextError, match=r"^BILLS-116hr1500rh: .* over the .* limit"):
        parse_bill_text(
            body, url=package_url("BILLS-116hr1500rh"), source=SOURCE, bill_external_id="x"
        )


def test_a_body_without_legis_body_is_a_layout_change() -> None:
    body = b"<bill><form><legis-num>H. R. 1500</legis-num></form></bill>"  # SYNTHETIC
    with pytest.raises(BillTextError, match=r"^BILLS-116hr1500ih: no <legis-body>"):
        parse_bill_text(
            body, url=package_url("BILLS-116hr1500ih"), source=SOURCE, bill_external_id="x"
        )


def test_a_url_without_a_package_name_is_an_error() -> None:
    body = (BODIES / "BILLS-116hr1500ih.xml").read_bytes()
    with pytest.raises(BillTextError, match="not a GovInfo BILLS package URL"):
        parse_bill_text(body, url="https://example.org/x.xml", source=SOURCE, bill_external_id="x")


def test_an_internal_entity_is_never_expanded() -> None:
    # SYNTHETIC: an entity bomb's first step, in a section's text.
    body = b"""<?xml version="1.0"?>
<!DOCTYPE bill [<!ENTITY x "EXPANDED">]>
<bill><legis-body><section><enum>1.</enum><header>Short title</header>
<text>This Act &x; may be cited as the Test Act.</text></section></legis-body></bill>"""
    record = parse_bill_text(
        body, url=package_url("BILLS-116hr1ih"), source=SOURCE, bill_external_id="x"
    )
    assert record.sections[0].text == "This Act may be cited as the Test Act."
    assert "EXPANDED" not in json.dumps(sections_to_json(record.sections))


def test_an_external_entity_or_dtd_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-7f3a", encoding="utf-8")
    dtd = tmp_path / "bill.dtd"
    dtd.write_text('<!ENTITY leak SYSTEM "' + secret.as_uri() + '">', encoding="utf-8")
    # SYNTHETIC: an external DTD and an external entity, both pointing at local files.
    body = f"""<?xml version="1.0"?>
<!DOCTYPE bill SYSTEM "{dtd.as_uri()}" [<!ENTITY own SYSTEM "{secret.as_uri()}">]>
<bill><legis-body><section><enum>1.</enum><header>Short title</header>
<text>Read &own; and &leak; here.</text></section></legis-body></bill>""".encode()
    record = parse_bill_text(
        body, url=package_url("BILLS-116hr1ih"), source=SOURCE, bill_external_id="x"
    )
    assert record.sections[0].text == "Read and here."
    assert "MARKER" not in json.dumps(sections_to_json(record.sections))


def test_a_body_without_sections_is_one_unnumbered_section() -> None:
    # SYNTHETIC: a resolution-like body of text only.
    body = b"<bill><legis-body><text>That the House condemns the thing.</text></legis-body></bill>"
    record = parse_bill_text(
        body, url=package_url("BILLS-116hres1ih"), source=SOURCE, bill_external_id="x"
    )
    assert [(s.number, s.heading, s.text) for s in record.sections] == [
        ("", "", "That the House condemns the thing.")
    ]
