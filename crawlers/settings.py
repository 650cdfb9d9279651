"""Scrapy settings: the only place in crawlers/ that reads the environment."""

from __future__ import annotations

import os

from models.db import DEFAULT_DATABASE_URL

BOT_NAME = "fivewatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

FIVEWATCH_DATABASE_URL = os.environ.get("FIVEWATCH_DATABASE_URL", DEFAULT_DATABASE_URL)
CONGRESS_API_KEY = os.environ.get("CONGRESS_API_KEY", "DEMO_KEY")
# Cassette folders: replay serves responses from one, record writes one (None = live, no record).
FIVEWATCH_REPLAY_DIR: str | None = None
FIVEWATCH_RECORD_DIR: str | None = None
# How many error lines a CrawlRun keeps (the count is always complete).
FIVEWATCH_MAX_RUN_ERRORS = 50

# Politeness: a public-interest crawler that says who it is and backs off.
USER_AGENT = (
    "FiveWatch/0.1 (+https://github.com/fivewatch; contact: fivewatch@users.noreply.github.com)"
)
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # replayed bodies too (crawlers.middlewares.replay)
# Scrapy's default, stated: a longer link is never requested (feeds keep the entry, warned).
URLLENGTH_LIMIT = 2083
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# The longest Retry-After we wait (seconds); a source asking more is stopped for the run.
RETRY_AFTER_MAX = 3600
# Scrapy does not check TLS certificates unless told to.
DOWNLOAD_VERIFY_CERTIFICATES = True
# Only the web: no file://, data:, s3:// or ftp:// reachable through a crafted link.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
# Error pages reach the spider's errback as HttpError; the spiders count them.
HTTPERROR_ALLOWED_CODES: list[int] = []

DOWNLOADER_MIDDLEWARES = {
    # Replay sits where the HTTP cache would (after stats, retry, user agent): spiders and the
    # other middlewares run unchanged. Record sits below decompression: it stores plain bodies.
    "crawlers.middlewares.replay.ReplayMiddleware": 950,
    "crawlers.middlewares.retry_after.RetryAfterMiddleware": 560,
    "crawlers.middlewares.replay.RecordMiddleware": 580,
}
SPIDER_MIDDLEWARES = {
    "crawlers.middlewares.spider_errors.SourceErrorMiddleware": 60,
    # Scrapy's drops an over-long link with an INFO line; ours reports it (same place, 800).
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawlers.middlewares.spider_errors.ReportedUrlLengthMiddleware": 800,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.StorePipeline": 500,
}
# Replay's settings follow FIVEWATCH_REPLAY_DIR wherever it is set (CLI or Scrapyd).
ADDONS = {"crawlers.addons.ReplayAddon": 0}
EXTENSIONS = {
    "crawlers.extensions.CrawlRunExtension": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

# Scrapy starts CONCURRENT_ITEMS asyncio workers for every callback's output, however short;
# the pipelines are synchronous, so more than one buys nothing and costs ~0.2 ms per callback.
CONCURRENT_ITEMS = 1
# The check parses each callback's source (ast) on every call: ~0.8 ms a response. Our
# callbacks never return values from generators (ruff's B901 would say), so skip it.
WARN_ON_GENERATOR_RETURN_VALUE = False

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
