"""Replay recorded cassettes and write what each spider yields, per response URL (golden tests).

`python -m tests.crawlers.golden_capture --replay DIR --out FILE [slug...]` runs the real
Scrapy engine over the cassettes, as `crawlers.process` does, with two observers added: a
spider middleware noting the requests each response's callback yields, and a first pipeline
noting every record (dropped ones too) under the response it was parsed from (`source_url`;
a record built in an errback still names the response its fields came from). Records lose
only `fetched_at`, the clock's; everything a user sees stays.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from sqlalchemy.orm import Session

from crawlers.process import crawl_settings, selected, sync_sources
from crawlers.registry import spider_classes
from crawlers.spider_base.source import SourceSpider
from fivewatch.cli.demo import DEMO_WATERMARKS
from models.billtext import TextVersionRecord
from models.db import make_engine, upgrade
from models.records import DocumentRecord

VOLATILE_FIELDS = ("fetched_at",)  # when we fetched, not what the source said
# Real bodies a first-run replay never reaches, asked for as an operator would: slug -> the
# spider arguments of more runs beside the plain one (`fivewatch crawl -a bills=...`, or the
# watermark a later run starts from).
ARGUMENTS: dict[str, list[dict[str, str]]] = {
    "us-congress-bills": [
        {"bills": "117/hr/1,117/hr/21"},
        {"since": "2024-01-01T00:00:00+00:00"},
    ],
    "us-govinfo-billstatus": [
        {"bills": "117/hr/6658,117/s/35,117/sconres/7,114/s/1300"},
        # the demo's watermark: the DERIVED urlsets, H.R. 1500 and H.R. 6972
        {"since": DEMO_WATERMARKS["us-govinfo-billstatus"]},
    ],
}
# Real bodies a plain replay never asks for (a fallback form, reached only when the usual one
# fails), requested directly with the callback that reads them: slug -> [(url, callback)].
DIRECT: dict[str, list[tuple[str, str]]] = {
    "ca-legisinfo-bills": [
        (f"https://www.parl.ca/legisinfo/en/bill/{bill}/xml", "parse_xml")
        for bill in ("45-1/S-209", "45-1/C-34")
    ],
}
_captured: dict[str, dict[str, list[Any]]] = {}


def _note(url: str, kind: str, output: dict[str, Any]) -> None:
    """One output of a response, once: two runs may both reach a body."""
    found = _captured.setdefault(url, {"records": [], "requests": []})[kind]
    if output not in found:
        found.append(output)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def record_fields(record: DocumentRecord) -> dict[str, Any]:
    fields = asdict(record)
    for name in VOLATILE_FIELDS:
        fields.pop(name)
    result: dict[str, Any] = json.loads(json.dumps(fields, default=_plain))
    return result


def text_fields(record: TextVersionRecord) -> dict[str, Any]:
    """A text version as the spider yields it, its sections by label and hash: their words are
    golden/us-bill-text/sections/ (tests/crawlers/test_us_bill_text.py), not repeated here."""
    fields = asdict(record)
    fields["sections"] = [section.label for section in record.sections]
    fields["text_hash"] = record.text_hash
    result: dict[str, Any] = json.loads(json.dumps(fields, default=_plain))
    return result


class CaptureRequests:
    """Spider middleware: the requests a response's callback yields, in order."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def _note(self, response: Response, output: Any) -> None:
        if isinstance(output, Request):
            callback = getattr(output.callback, "__name__", "parse")
            said = {"url": output.url, "method": output.method, "callback": callback}
            _note(response.url, "requests", said)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for output in result:
            self._note(response, output)
            yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            self._note(response, output)
            yield output


def direct_spider(spider_class: type[SourceSpider]) -> type[SourceSpider]:
    """The spider, asking only for its DIRECT bodies (run beside the plain one)."""

    class Direct(spider_class):  # type: ignore[valid-type,misc]  # a subclass made at run time
        async def start(self) -> AsyncIterator[Request]:
            for url, callback in DIRECT[self.name]:
                yield Request(url, callback=getattr(self, callback), dont_filter=True)

    return Direct


class CaptureRecords:
    """First pipeline: every record, under the response it was parsed from."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DocumentRecord):
            _note(item.source_url, "records", record_fields(item))
        elif isinstance(item, TextVersionRecord):  # a text is parsed from its own URL
            _note(item.url, "records", text_fields(item))
        return item


def capture(replay_dir: Path, slugs: list[str], database_url: str) -> dict[str, Any]:
    settings = crawl_settings(database_url, replay_dir, None, "WARNING")
    settings.set(
        "SPIDER_MIDDLEWARES",
        {**settings.getdict("SPIDER_MIDDLEWARES"), f"{__name__}.CaptureRequests": 1000},
    )
    settings.set(
        "ITEM_PIPELINES", {**settings.getdict("ITEM_PIPELINES"), f"{__name__}.CaptureRecords": 1}
    )
    classes = spider_classes(settings)
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        sync_sources(session, classes)
        session.commit()
    engine.dispose()
    process = CrawlerProcess(settings)
    for spider_class in selected(classes, slugs or None):
        process.crawl(spider_class, since=None)
        for arguments in ARGUMENTS.get(spider_class.name, []):
            process.crawl(spider_class, **{"since": None, **arguments})
        if spider_class.name in DIRECT:
            process.crawl(direct_spider(spider_class), since=None)
    process.start()
    return _captured


def in_order(found: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, list[Any]]]:
    """Outputs sorted: runs of one source go at once, so arrival order is not the source's."""
    return {
        url: {
            kind: sorted(outputs, key=lambda output: json.dumps(output, sort_keys=True))
            for kind, outputs in entry.items()
        }
        for url, entry in found.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replay", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found = capture(args.replay, args.slugs, f"sqlite:///{Path(folder) / 'golden.db'}")
    text = json.dumps(in_order(found), ensure_ascii=False, indent=1)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
