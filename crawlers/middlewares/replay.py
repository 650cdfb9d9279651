"""Cassette replay and record (DESIGN §6).

A cassette is a folder: `index.jsonl` (one exchange a line: method, url, status, headers,
body = "bodies/<file>", recorded_at; optional `recorded_url` when the real body came from
another URL than the one our spider sends; or `gap` = reason, no body, for a URL we request but
have no real body for) + `bodies/` + `PROVENANCE.md`. `--replay` takes one cassette or a folder
of cassettes (merged). URLs are matched canonically (w3lib) without `api_key`: secrets never
enter a cassette. A body over DOWNLOAD_MAXSIZE is refused as a live download would be: an error
naming the source and the file, the body never read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import canonicalize_url

from crawlers.errors import AlreadyReported, SourceError, report

log = logging.getLogger(__name__)
SECRET_PARAMS = frozenset({"api_key"})
PRIVATE_HEADERS = frozenset({"set-cookie", "authorization", "cookie", "x-api-key"})
# Recorded bodies are stored decoded: a recorded encoding header would be a lie. A cassette
# copied byte-exact from elsewhere (gzip streams as sent) keeps its Content-Encoding, and
# replay serves it encoded so Scrapy's HttpCompressionMiddleware decodes it as it would live.
ENCODING_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
FRAMING_HEADERS = frozenset({"transfer-encoding", "content-length"})


class ReplayMiss(AlreadyReported):
    """The cassette has no exchange for this URL: a loud, counted error."""


class ReplayTooLarge(AlreadyReported):
    """The cassette's body is over the request's DOWNLOAD_MAXSIZE: refused as a download is."""


class ReplayGap(AlreadyReported):
    """The cassette declares this URL as never recorded: expected, so the middleware counts it
    (replay/gap) and logs it at INFO; the spider's errback degrades as for any refusal."""


def without_secrets(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in SECRET_PARAMS
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def canonical(url: str) -> str:
    return canonicalize_url(without_secrets(url))


@dataclass(frozen=True)
class Exchange:
    url: str
    status: int = 200
    headers: dict[str, str] | None = None
    body_path: Path | None = None
    gap: str = ""


def _exchange(folder: Path, line: dict[str, Any]) -> Exchange:
    body = line.get("body")
    return Exchange(
        url=line["url"],
        status=int(line.get("status", 200)),
        headers=line.get("headers") or {},
        body_path=folder / body if body else None,
        gap=line.get("gap", ""),
    )


def cassette_folders(root: Path) -> list[Path]:
    """`root` itself when it is a cassette, else every cassette directly inside it."""
    if (root / "index.jsonl").is_file():
        return [root]
    return sorted(child for child in root.iterdir() if (child / "index.jsonl").is_file())


class Exchanges:
    """A cassette's exchanges by URL. A URL is looked up as sent first (cassettes hold the URLs
    spiders send), then canonically (parameter order, escapes, no `api_key`). The canonical
    index is built on the first URL not found as sent: canonicalising every line of a large
    cassette at start-up, and every URL as requested, cost more than a replayed bill's parsing.
    """

    def __init__(self, by_url: dict[str, Exchange]) -> None:
        self._by_url = by_url
        self._by_canonical: dict[str, Exchange] | None = None

    def __len__(self) -> int:
        return len(self._by_url)

    def get(self, url: str) -> Exchange | None:
        found = self._by_url.get(url)
        if found is not None:
            return found
        if self._by_canonical is None:
            self._by_canonical = {canonical(key): value for key, value in self._by_url.items()}
        return self._by_canonical.get(canonical(url))

    def urls(self) -> set[str]:
        return set(self._by_url)


def load_exchanges(root: Path) -> Exchanges:
    """The exchanges of one cassette, or of every cassette in a folder (later ones win)."""
    by_url: dict[str, Exchange] = {}
    for folder in cassette_folders(root):
        for text in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
            if text.strip():
                exchange = _exchange(folder, json.loads(text))
                by_url[exchange.url] = exchange
    return Exchanges(by_url)


class ReplayMiddleware:
    """Serves every request from the cassette; nothing goes to the network."""

    def __init__(self, crawler: Crawler, exchanges: Exchanges) -> None:
        self.crawler = crawler
        self.exchanges = exchanges

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("FIVEWATCH_REPLAY_DIR")
        if not folder:
            # No message: Scrapy logs a message at WARNING, once per crawler (13 in the demo).
            raise NotConfigured
        return cls(crawler, load_exchanges(Path(folder)))

    def process_request(self, request: Request) -> Response:
        exchange = self.exchanges.get(request.url)
        stats = self.crawler.stats
        assert stats is not None
        if exchange is None:
            stats.inc_value("replay/miss")
            report(
                self.crawler,
                SourceError(self._slug(), request.url, "replay miss: not in the cassette"),
            )
            raise ReplayMiss(f"replay miss: {request.url}")
        if exchange.gap:
            stats.inc_value("replay/gap")
            cause = f"declared gap in the cassette: {exchange.gap}"
            log.info("%s %s: %s", self._slug(), request.url, cause)
            raise ReplayGap(cause)
        stats.inc_value("replay/hit")
        return self._response(request, exchange)

    def _slug(self) -> str:
        spider = self.crawler.spider
        return spider.name if spider is not None else "?"

    def _response(self, request: Request, exchange: Exchange) -> Response:
        assert exchange.body_path is not None
        self._check_size(request, exchange.body_path)
        body = exchange.body_path.read_bytes()
        kept = {
            k: v for k, v in (exchange.headers or {}).items() if k.lower() not in FRAMING_HEADERS
        }
        headers = Headers(kept)
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return response_class(
            url=request.url, status=exchange.status, headers=headers, body=body, request=request
        )

    def _check_size(self, request: Request, path: Path) -> None:
        """A replayed body obeys DOWNLOAD_MAXSIZE (per request, spider or setting) as a live
        one does: a cassette is input too, and a huge file must not be read into memory."""
        spider = self.crawler.spider
        default = getattr(spider, "download_maxsize", None)
        if default is None:
            default = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        limit = int(request.meta.get("download_maxsize", default))
        size = path.stat().st_size
        if limit and size > limit:
            cause = f"replayed body {path} is {size} bytes, over DOWNLOAD_MAXSIZE {limit}"
            report(self.crawler, SourceError(self._slug(), request.url, cause))
            raise ReplayTooLarge(cause)


def _body_name(url: str, response: Response) -> str:
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    suffix = ".json" if "json" in content_type else ".xml" if "xml" in content_type else ".html"
    return f"bodies/{digest}{suffix}"


def public_headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values and key.decode("latin-1").lower() not in PRIVATE_HEADERS | ENCODING_HEADERS
    }


class RecordMiddleware:
    """Writes every live exchange into a cassette folder (index + bodies), minus secrets."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "bodies").mkdir(parents=True, exist_ok=True)
        provenance = folder / "PROVENANCE.md"
        if not provenance.exists():
            started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            provenance.write_text(
                f"# {folder.name}\n\nRecorded live from {started} by FiveWatch.\n"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        folder = crawler.settings.get("FIVEWATCH_RECORD_DIR")
        if not folder:
            raise NotConfigured  # not recording; no message, so no WARNING per crawler
        spider = crawler.spider
        return cls(Path(folder) / (spider.name if spider is not None else "cassette"))

    def process_response(self, request: Request, response: Response) -> Response:
        url = without_secrets(request.url)
        body = _body_name(url, response)
        (self.folder / body).write_bytes(response.body)
        line = {
            "method": request.method,
            "url": url,
            "status": response.status,
            "headers": public_headers(response),
            "body": body,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        with (self.folder / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(line, ensure_ascii=False) + "\n")
        return response
