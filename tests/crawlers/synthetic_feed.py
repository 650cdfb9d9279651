"""SYNTHETIC feed cassettes for ca-gc-news: built in tmp_path, never recorded, never real.

Hostile and bulk feed input for the robustness tests (one bad entry among good ones, a crawl
killed midway). The entries are hand-made Atom in the shape of the real Canada News Centre feed
(id, title, link, updated, HTML summary, author); each good entry's release page is a tiny
SYNTHETIC page with a `<main>` so the spider follows it as it follows the real ones. Bad
entries are `Entry` values whose link or date is made hostile by the test that uses them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from crawlers.spiders.ca.gc_news import FEEDS

SLUG = "ca-gc-news"
FEED_URL = FEEDS[0]  # the English all-departments feed; the other three are declared gaps
PAGE_ROOT = "https://www.canada.ca/en/synthetic/news"
UPDATED = "2018-10-19T12:06:29-04:00"


@dataclass(frozen=True)
class Entry:
    number: int
    link: str = ""  # "" = its own synthetic release page
    updated: str = UPDATED
    full: bool = False  # True: the entry carries its full text (no page to fetch)

    @property
    def entry_id(self) -> str:
        return f"urn:synthetic:ca-gc-news:{self.number}"

    @property
    def url(self) -> str:
        return self.link or f"{PAGE_ROOT}/release-{self.number}.html"

    @property
    def title(self) -> str:
        return f"SYNTHETIC release {self.number}"

    def atom(self) -> str:
        content = f'<content type="html">{escape(self.text)}</content>' if self.full else ""
        return (
            f"<entry><id>{self.entry_id}</id><title>{self.title}</title>"
            f'<link rel="alternate" href="{escape(self.url)}"/>'
            f"<updated>{escape(self.updated)}</updated>"
            f'<summary type="html">Summary of synthetic release {self.number}.</summary>'
            f"{content}<author><name>Synthetic Department</name></author></entry>"
        )

    @property
    def text(self) -> str:
        return f"<p>Full text of synthetic release {self.number}.</p>"


def feed_body(entries: list[Entry]) -> bytes:
    body = "".join(entry.atom() for entry in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- SYNTHETIC test feed, never published -->\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>SYNTHETIC</title>'
        f"<id>urn:synthetic:feed</id><updated>{UPDATED}</updated>{body}</feed>"
    ).encode()


def page_body(entry: Entry) -> bytes:
    return (
        f"<!DOCTYPE html><!-- SYNTHETIC --><html><body><main>{entry.text}</main></body></html>"
    ).encode()


def _line(url: str, body: str, content_type: str) -> dict[str, object]:
    headers = {"content-type": content_type}
    return {"method": "GET", "url": url, "status": 200, "headers": headers, "body": body}


def build_cassette(folder: Path, entries: list[Entry]) -> Path:
    """A ca-gc-news cassette serving `entries` as its English feed and each good page."""
    (folder / "bodies").mkdir(parents=True)
    (folder / "PROVENANCE.md").write_text(
        "# SYNTHETIC: built by tests/crawlers/synthetic_feed.py\n"
    )
    (folder / "bodies/feed.SYNTHETIC.atom").write_bytes(feed_body(entries))
    lines = [_line(FEED_URL, "bodies/feed.SYNTHETIC.atom", "application/atom+xml")]
    lines += [{"method": "GET", "url": url, "gap": "SYNTHETIC: not served"} for url in FEEDS[1:]]
    for entry in entries:
        if entry.url.startswith(PAGE_ROOT) and not entry.full:
            name = f"bodies/release-{entry.number}.SYNTHETIC.html"
            (folder / name).write_bytes(page_body(entry))
            lines.append(_line(entry.url, name, "text/html; charset=utf-8"))
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (folder / "index.jsonl").write_text(text, encoding="utf-8")
    return folder
