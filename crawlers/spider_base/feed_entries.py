"""Pure RSS/Atom reading for the feed spiders: bytes -> entries -> statement records.

No Scrapy here: `FeedSpider` (crawlers/spider_base/feed.py) fetches and hands us the bytes and the
response headers; these functions parse with feedparser and normalise. Problems a person must
fix raise `FeedUnreadable`; the spider turns it into ParseError/LayoutChanged naming the
source and the URL.

- Ids: the entry's id/guid, else its link, else a hash of title + date (stable across runs).
  Ids longer than the column (canada.ca URLs can be) become a hash of the id; the id is kept
  in `extra["entry_id"]`.
- Dates, in this order: the Drupal `<time datetime=…>` inside <pubDate> (feedparser exposes it
  as `entry["time"]`), RFC 822, ISO 8601; a date without a zone is local to the publishing
  government (the spider's `timezone`); last resort feedparser's own UTC reading. A date out
  of datetime's range (year 0, past 9999 once in UTC or local time) is unreadable: None.
  `published_on` is the date where the government is, not in UTC.
- Bozo feeds (feedparser could not read all of it: truncated, mislabelled encoding, bad
  markup) with entries: the entries are kept and `ParsedFeed.problem` says what went wrong.
  No entries, or an HTML page: `FeedUnreadable`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser

from crawlers.html_text import html_text, safe_html, squash
from models.records import STATEMENT, DocumentRecord
from models.text import LINK_SCHEMES, safe_link

MAX_ID_LENGTH = 200  # Document.external_id
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_DATETIME_ATTRIBUTE = re.compile(r'datetime="([^"]+)"')
# feedparser complains about the missing content type even on a perfect feed.
_HARMLESS_BOZO = (feedparser.NonXMLContentType,)


class FeedUnreadable(ValueError):
    """The body is no feed we can read. `layout` = a feed no more (HTML page, no entries)."""

    def __init__(self, cause: str, *, layout: bool) -> None:
        super().__init__(cause)
        self.layout = layout


@dataclass(frozen=True)
class Publisher:
    """Who publishes a feed, for what the entries leave out."""

    source: str  # Source.slug
    jurisdiction: str
    language: str
    timezone: tzinfo
    sponsor: str = ""  # department or minister when the entry names none


@dataclass
class ParsedFeed:
    entries: list[Any]
    language: str = ""
    problem: str = ""  # why feedparser flagged the feed as bozo, when it did
    extra: dict[str, Any] = field(default_factory=dict)


def read_feed(body: bytes, headers: Mapping[str, str]) -> ParsedFeed:
    """The entries of an RSS/Atom body; FeedUnreadable when there are none to read."""
    if _HTML_START.match(body):
        raise FeedUnreadable("an HTML page was served where a feed was expected", layout=True)
    parsed = feedparser.parse(body, response_headers=dict(headers))
    problem = _bozo_problem(parsed)
    entries = [entry for entry in parsed.entries if _readable(entry)]
    if not entries:
        cause = f"no entries ({problem})" if problem else "a feed with no entries"
        raise FeedUnreadable(cause, layout=not problem)
    return ParsedFeed(entries, parsed.feed.get("language", ""), problem)


def _readable(entry: Any) -> bool:
    """A title and something to tell it by; a cut-off feed may end in a bare title."""
    told_by = ("id", "link", "published", "updated", "time")
    return bool(squash(entry.get("title", ""))) and any(dict.get(entry, key) for key in told_by)


def _bozo_problem(parsed: Any) -> str:
    error = parsed.get("bozo_exception")
    if not parsed.get("bozo") or isinstance(error, _HARMLESS_BOZO):
        return ""
    return f"{type(error).__name__}: {error}"


def parse_date(raw: str, local: tzinfo) -> datetime | None:
    """RFC 822, ISO 8601 or a Drupal <time datetime=…> as aware UTC; naive means `local`."""
    raw = squash(raw)
    drupal = _DATETIME_ATTRIBUTE.search(raw)
    if drupal:
        raw = drupal.group(1)
    for reader in (parsedate_to_datetime, datetime.fromisoformat):
        try:
            return _utc(reader(raw), local)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def _aware(moment: datetime, local: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local)


def _utc(moment: datetime, local: tzinfo) -> datetime:
    """The moment in UTC; OverflowError when it is out of datetime's range in UTC or where the
    government is (`local_date` needs both): a hostile date is unreadable, not a crash."""
    utc = _aware(moment, local).astimezone(UTC)
    utc.astimezone(local)
    return utc


def entry_moment(entry: Any, local: tzinfo) -> datetime | None:
    """When the entry was published (else updated), aware UTC."""
    drupal = entry.get("time", {}).get("datetime") if isinstance(entry.get("time"), dict) else None
    # dict.get: feedparser's own get() maps a missing key to another, with a warning.
    for raw in (drupal, dict.get(entry, "published"), dict.get(entry, "updated")):
        moment = parse_date(raw, local) if raw else None
        if moment is not None:
            return moment
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    try:  # feedparser's struct_time may hold a year datetime refuses (0, 10000)
        return _utc(datetime(*parsed[:6]).replace(tzinfo=UTC), local)
    except (ValueError, OverflowError):
        return None


def stated_date(entry: Any) -> str:
    """The date the entry states, as written ("" when it states none)."""
    return str(dict.get(entry, "published") or dict.get(entry, "updated") or "")


def link_problem(url: str, max_length: int) -> str:
    """Why no page can be requested at `url` ("" when one can): only what the one URL
    allow-list passes (models.text.safe_link), within `max_length`; the reason said plainly."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:  # "http://[::1/x": Invalid IPv6 URL
        return f"malformed link: {error}"
    if parts.scheme.lower() not in LINK_SCHEMES:
        return f"a {parts.scheme or 'relative'} link, not http(s)"
    if not host:
        return "a link without a host"
    if not safe_link(url):
        return "a link with control or invisible characters"
    if len(url) > max_length:
        return f"a link of {len(url)} characters, over URLLENGTH_LIMIT {max_length}"
    return ""


def entry_id(entry: Any) -> str:
    """The entry's own id, else its link, else a hash of what it says."""
    own = squash(entry.get("id", "") or entry.get("link", ""))
    if own:
        return own
    when = dict.get(entry, "published") or dict.get(entry, "updated") or ""
    said = f"{squash(entry.get('title', ''))}|{squash(when)}"
    return "h:" + hashlib.sha256(said.encode("utf-8")).hexdigest()[:32]


def external_id(own_id: str) -> str:
    """The id as stored: itself when it fits the column, else its hash."""
    if len(own_id) <= MAX_ID_LENGTH:
        return own_id
    return "sha256:" + hashlib.sha256(own_id.encode("utf-8")).hexdigest()


def _title(entry: Any) -> str:
    detail = entry.get("title_detail") or {}
    title = entry.get("title", "")
    return squash(html_text(title) if "html" in detail.get("type", "") else title)


def _markup(entry: Any) -> str:
    """The fullest markup the entry carries: its content, else its summary."""
    contents: list[str] = [part.get("value", "") for part in entry.get("content", [])]
    return next((text for text in contents if text.strip()), str(entry.get("summary", "")))


def has_full_text(entry: Any) -> bool:
    return any(part.get("value", "").strip() for part in entry.get("content", []))


def entry_record(
    entry: Any, feed: ParsedFeed, publisher: Publisher, *, source_url: str, fetched_at: datetime
) -> DocumentRecord:
    """One statement from one feed entry."""
    own_id = entry_id(entry)
    moment = entry_moment(entry, publisher.timezone)
    markup = safe_html(_markup(entry))
    return DocumentRecord(
        source=publisher.source,
        external_id=external_id(own_id),
        kind=STATEMENT,
        jurisdiction=publisher.jurisdiction,
        title=_title(entry),
        url=squash(entry.get("link", "")),
        summary=html_text(entry.get("summary", "")),
        body_text=html_text(markup),
        body_html=markup,
        language=_language(entry, feed, publisher),
        published_on=local_date(moment, publisher.timezone),
        source_updated_at=moment,
        sponsor=squash(entry.get("author", "")) or publisher.sponsor,
        extra={"entry_id": own_id},
        source_url=source_url,
        fetched_at=fetched_at,
    )


def _language(entry: Any, feed: ParsedFeed, publisher: Publisher) -> str:
    stated = (entry.get("title_detail") or {}).get("language") or feed.language
    language: str = stated or publisher.language
    return language.split("-")[0].lower()


def local_date(moment: datetime | None, local: tzinfo) -> date | None:
    return moment.astimezone(local).date() if moment is not None else None


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
