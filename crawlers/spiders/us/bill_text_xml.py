"""Pure reader for GovInfo BILLS XML (bill.dtd): one published text version of a bill, by section.

The files name an external DTD (`bill.dtd`) and an XSL stylesheet: neither is ever fetched, and
entities are never expanded (an unresolved one is left out of the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from lxml import etree

from models.billtext import Section, TextVersionRecord

MAX_TEXT_BYTES = 5 * 1024 * 1024  # the largest omnibus bills are ~4 MiB of XML
PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
# BILLS-116hr1500rh: congress, bill type, number, then the version code.
_PACKAGE = re.compile(r"BILLS-\d+[a-z]+?\d+(?P<code>[a-z]+)\b")
_DC = "{http://purl.org/dc/elements/1.1/}"
BODY_TAGS = ("legis-body", "resolution-body")
# Groupings of a long bill's sections (never the sections themselves).
GROUPS = frozenset({"division", "title", "subtitle", "part", "subpart", "chapter", "subchapter"})
# Provisions below a section, each rendered on its own line.
PROVISIONS = frozenset(
    {"subsection", "paragraph", "subparagraph", "clause", "subclause", "item", "subitem"}
)


class BillTextError(ValueError):
    """A bill text body that cannot be read; the message starts with the version's name."""


def parse_bill_text(
    body: bytes,
    *,
    url: str,
    source: str,
    bill_external_id: str,
    stage: str = "",
    issued_on: date | None = None,
) -> TextVersionRecord:
    """One BILLS XML body -> its `TextVersionRecord`.

    `stage` and `issued_on` as BILLSTATUS words them win over the file's own (`bill-stage`,
    `dc:date`). Raises `BillTextError` for an oversize, truncated or unrecognisable body.
    """
    package = _PACKAGE.search(url)
    version = package.group(0) if package else bill_external_id
    if package is None:
        raise BillTextError(f"{version}: not a GovInfo BILLS package URL: {url}")
    root = _parse(body, version)
    legis_body = next((root.iter(*BODY_TAGS)), None)
    if legis_body is None:
        raise BillTextError(f"{version}: no <legis-body> (the layout changed?)")
    return TextVersionRecord(
        source=source,
        bill_external_id=bill_external_id,
        code=package.group("code"),
        stage=stage or root.get("bill-stage", "").replace("-", " "),
        issued_on=issued_on or _dc_date(root),
        url=url,
        title=_title(root),
        sections=_sections(legis_body),
    )


def _parse(body: bytes, version: str) -> etree._Element:
    if len(body) > MAX_TEXT_BYTES:
        raise BillTextError(f"{version}: {len(body)} bytes, over the {MAX_TEXT_BYTES} limit")
    try:
        return etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as error:
        raise BillTextError(f"{version}: truncated XML or not XML: {error}") from error


def _title(root: etree._Element) -> str:
    """dc:title less its version prefix (`116 HR 1500 IH: `, `116 HR 1500 : ` when referred)."""
    title = _words(root.find(f".//{_DC}title"))
    return title.split(": ", 1)[-1]


def _dc_date(root: etree._Element) -> date | None:
    try:
        return date.fromisoformat(_words(root.find(f".//{_DC}date")))
    except ValueError:
        return None


def _sections(legis_body: etree._Element) -> list[Section]:
    """The bill's own sections, through any grouping; the body as one unnumbered section when
    it has none (a resolution's body of text only)."""
    sections = [_section(element) for element in _own_sections(legis_body)]
    return sections or [_unnumbered(legis_body)]


def _own_sections(element: etree._Element) -> Iterator[etree._Element]:
    """Top-level <section>s in reading order; quoted blocks are never entered."""
    for child in element:
        if child.tag == "section":
            yield child
        elif child.tag in GROUPS:
            yield from _own_sections(child)


def _section(element: etree._Element) -> Section:
    lines: list[str] = []
    quoted: list[str] = []
    for child in _body_children(element):
        _render(child, lines, quoted)
    return Section(
        number=_words(element.find("enum")).rstrip("."),
        heading=_words(element.find("header")),
        text="\n".join(lines),
        quoted=tuple(quoted),
    )


def _unnumbered(legis_body: etree._Element) -> Section:
    lines: list[str] = []
    quoted: list[str] = []
    for child in legis_body:
        _render(child, lines, quoted)
    return Section(number="", heading="", text="\n".join(lines), quoted=tuple(quoted))


def _body_children(element: etree._Element) -> Iterator[etree._Element]:
    """The children after a provision's number and heading."""
    return (child for child in element if child.tag not in ("enum", "header"))


def _render(element: etree._Element, lines: list[str], quoted: list[str] | None) -> None:
    """Append `element` as lines of text to `lines`, each quoted block apart to `quoted`
    (None inside a quoted block: a block within one stays part of it)."""
    if element.tag == "quoted-block":
        text = _quoted_block_text(element)
        (lines if quoted is None else quoted).append(text)
    elif element.tag in PROVISIONS or element.tag == "section":
        _render_provision(element, lines, quoted)
    elif element.tag in GROUPS or element.tag == "toc":
        for child in element:
            _render(child, lines, quoted)
    elif isinstance(element.tag, str) and (words := _words(element)):
        lines.append(words)


def _quoted_block_text(element: etree._Element) -> str:
    """A quoted block as the printed bill shows it: “its lines” then what follows the block
    (`<after-quoted-block>`, e.g. `.` or `; and`)."""
    block: list[str] = []
    after = ""
    for child in element:
        if child.tag == "after-quoted-block":
            after = _words(child)
        else:
            _render(child, block, None)
    return "“" + "\n".join(block) + "”" + after


def _render_provision(element: etree._Element, lines: list[str], quoted: list[str] | None) -> None:
    """ "(a) Header.—its text" on one line, then its own provisions; a section inside a quoted
    block leads with "SEC. 1024. Header"."""
    enum, header = _words(element.find("enum")), _words(element.find("header"))
    if element.tag == "section" and enum:
        lead = f"SEC. {enum} {header}".strip()
    else:
        lead = " ".join(filter(None, (enum, f"{header}.—" if header else "")))
    children = list(_body_children(element))
    if children and children[0].tag == "text":  # the provision's own words share its line
        first = _words(children.pop(0))
        lines.append(
            f"{lead}{first}" if lead.endswith("—") else " ".join(filter(None, (lead, first)))
        )
    elif lead:
        lines.append(lead.removesuffix(".—"))
    for child in children:
        _render(child, lines, quoted)


def _words(element: etree._Element | None) -> str:
    """The element's text with whitespace collapsed; unresolved entities left out."""
    if element is None:
        return ""
    return " ".join("".join(_inner_text(element)).split())


def _inner_text(element: etree._Element) -> Iterator[str]:
    """The text inside `element`; a <quote> between the quotation marks the printed bill shows
    (the XML has none)."""
    yield element.text or ""
    for child in element:
        if child.tag == "quote":
            yield "“"
            yield from _inner_text(child)
            yield "”"
        elif isinstance(child.tag, str):  # not an entity reference, whose text is `&name;`
            yield from _inner_text(child)
        yield child.tail or ""
