"""`fivewatch dev`: developer commands. `dev new-source SLUG --kind feed|json` writes the files a
new source starts from (City Scrapers' way): its spider on the feed or JSON-API base, a golden-
style test that fails until a real body is recorded, and its cassette (PROVENANCE.md, index)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from models.vocabulary import JURISDICTIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")

DOCSTRING = '''"""{slug}: TODO what the source is ({kind}).

UNVERIFIED (verified = False): written from documentation, never checked on a real body.
Record one (`fivewatch crawl {slug} --record cassettes`), fill in
cassettes/{slug}/PROVENANCE.md, then set verified = True.
- Endpoint: TODO the URL(s) asked for, and their parameters.
- Docs: TODO where the format is documented.
- Incremental: TODO how a run asks only for what changed since the watermark.
- Record: TODO what one entry becomes (id, title, dates, sponsor, body).
- Updates: TODO how the source shows that an entry changed.
- Licence: TODO.
- History: {today}: skeleton from `fivewatch dev new-source`.
"""

from __future__ import annotations
'''

FEED_SPIDER = """
from typing import ClassVar

from crawlers.spider_base.feed import FeedSpider


class {cls}(FeedSpider):
    name = "{slug}"
    jurisdiction = "{jurisdiction}"
    verified = False
    allowed_domains: ClassVar[list[str]] = []  # TODO the feed's host(s)
    feed_urls = ()  # TODO the feed URL(s)
    timezone = "UTC"  # TODO the zone of dates the feed gives without one
"""

JSON_SPIDER = """
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response

from crawlers.spider_base.json_api import JsonApiSpider
from models.records import DocumentRecord

API = "https://TODO"  # the list endpoint


class {cls}(JsonApiSpider):
    name = "{slug}"
    jurisdiction = "{jurisdiction}"
    kind = "bills"  # or "statements"
    verified = False
    allowed_domains: ClassVar[list[str]] = []  # TODO the API's host
    entries_key = "items"  # TODO the key of a list page's entries
    total_key = ""  # TODO the key of the total count, if the API gives one
    page_size = 20

    def page_url(self, offset: int) -> str:
        return f"{{API}}?skip={{offset}}&take={{self.page_size}}"  # TODO newest updates first

    def entry_updated(self, entry: Any) -> datetime | None:
        return None  # TODO when the source last changed the entry

    def follow_entry(self, entry: Any, response: Response) -> Iterator[Request | DocumentRecord]:
        yield from ()  # TODO a record, or the request for the entry's detail
"""

TEST = '''"""{slug}: golden-style test. It fails until a real body is recorded in its
cassette (a spider that yields nothing from its first page is a failing test); then add what
the body really holds."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Request
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from {module} import {cls}

CASSETTE = Path(__file__).resolve().parents[2] / "cassettes" / "{slug}"


def recorded() -> list[dict[str, str]]:
    lines = (CASSETTE / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_first_recorded_body_yields_records_or_requests() -> None:
    bodies = [line for line in recorded() if line.get("body")]
    assert bodies, "no real body recorded in cassettes/{slug}/index.jsonl yet"
    first = bodies[0]
    spider = {cls}.from_crawler(get_crawler({cls}))
    request = Request(first["url"])
    body = (CASSETTE / first["body"]).read_bytes()
    response_class = responsetypes.from_args(url=first["url"], body=body)
    response = response_class(first["url"], body=body, request=request)
    callback = spider.{callback}
    outputs = list(callback(response{arguments}))
    # The next list page alone is not reading the body: a record or another request is.
    read = [out for out in outputs if getattr(out, "callback", None) != callback]
    assert read, "{slug} yields nothing from " + first["body"]
'''

PROVENANCE = """# Cassette {slug}: provenance

Not recorded yet. For each body: where it came from (live URL, or the repository and commit
it was copied from), when, how (`fivewatch crawl {slug} --record cassettes`, a copy, a
documentation example), whether it is complete or DERIVED, and each `gap` line of
index.jsonl (a URL the spider asks for with no real body: why).
"""


@dataclass(frozen=True)
class NewSource:
    slug: str
    kind: str  # "feed" | "json"
    jurisdiction: str

    @property
    def module_name(self) -> str:
        """The slug without its jurisdiction: "uk-hansard-answers" -> "hansard_answers"."""
        return self.slug.removeprefix(f"{self.jurisdiction}-").replace("-", "_")

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.slug.split("-")) + "Spider"

    @property
    def module(self) -> str:
        return f"crawlers.spiders.{self.jurisdiction}.{self.module_name}"

    def files(self) -> dict[Path, str]:
        """Each file to write (relative to the project root) and its text."""
        today = datetime.now(UTC).date().isoformat()
        header = DOCSTRING.format(slug=self.slug, kind=self.kind, today=today)
        body = FEED_SPIDER if self.kind == "feed" else JSON_SPIDER
        fields = {"slug": self.slug, "cls": self.class_name, "jurisdiction": self.jurisdiction}
        callback, arguments = ("parse_feed", "") if self.kind == "feed" else ("parse_list", ", 0")
        test = TEST.format(module=self.module, callback=callback, arguments=arguments, **fields)
        cassette = Path("cassettes") / self.slug
        return {
            Path("crawlers/spiders") / self.jurisdiction / f"{self.module_name}.py": header
            + body.format(**fields),
            Path("tests/crawlers") / f"test_{self.slug.replace('-', '_')}.py": test,
            cassette / "PROVENANCE.md": PROVENANCE.format(slug=self.slug),
            cassette / "index.jsonl": "",
        }


def valid_slug(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not SLUG.fullmatch(value):
        raise click.BadParameter("lowercase letters and digits in hyphenated words: uk-hansard")
    return value


def write_new(root: Path, files: dict[Path, str]) -> None:
    """Write every file, or none: an existing one is never overwritten."""
    existing = [str(path) for path in files if (root / path).exists()]
    if existing:
        raise click.ClickException(f"already there, not overwritten: {', '.join(existing)}")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")


@click.group()
def dev() -> None:
    """Developer commands."""


@dev.command("new-source")
@click.argument("slug", callback=valid_slug)
@click.option("--kind", type=click.Choice(["feed", "json"]), required=True)
@click.option(
    "--jurisdiction",
    type=click.Choice(JURISDICTIONS),
    help="The spider's package; by default the slug's first word.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT,
    show_default=True,
    help="The project folder to write into.",
)
def new_source(slug: str, kind: str, jurisdiction: str | None, root: Path) -> None:
    """Write a new source's spider, its test, and its cassette's PROVENANCE.md and index."""
    jurisdiction = jurisdiction or slug.split("-")[0]
    if jurisdiction not in JURISDICTIONS:
        raise click.BadParameter(
            f"{jurisdiction!r} is not one of {', '.join(JURISDICTIONS)}: give --jurisdiction",
            param_hint="SLUG",
        )
    source = NewSource(slug, kind, jurisdiction)
    write_new(root, source.files())
    click.echo(f"Next: fivewatch crawl {slug} --record cassettes, then make the test pass.")
