"""Sources (one per spider) and their crawl runs: what ran, what came back, what broke."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # models.vocabulary.SourceKind
    name: Mapped[str] = mapped_column(String(200), default="")
    # False for sources built from documentation only, never checked against a recorded body.
    verified: Mapped[bool] = mapped_column(default=True)
    interval_s: Mapped[int] = mapped_column(default=3600)
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    # Why the latest completed run went as it did (crawlers.extensions); the verdict itself is
    # judged when read (models.health), which shows this for a failing source.
    health_reason: Mapped[str] = mapped_column(String(500), default="")
    # Newest source-side "updated" timestamp seen, ISO 8601; spiders page until they pass it.
    watermark: Mapped[str | None] = mapped_column(String(64))
    # Per-URL conditional-GET validators: {url: {"etag": ..., "last_modified": ...}}.
    http_state: Mapped[dict[str, Any]] = mapped_column(default=dict)

    runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # "ok" | "empty" (nothing collected, never a success: models.health) | "errors" | "failed" |
    # "stopped" (SIGTERM or a cancel before its end) | "abandoned" (its process died: the
    # source's next run found it still "running")
    status: Mapped[str] = mapped_column(String(16), default="running")
    items_scraped: Mapped[int] = mapped_column(default=0)
    items_dropped: Mapped[int] = mapped_column(default=0)
    documents_new: Mapped[int] = mapped_column(default=0)
    documents_updated: Mapped[int] = mapped_column(default=0)
    events_new: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[str]] = mapped_column(default=list)
    requests: Mapped[int] = mapped_column(default=0)
    replay_misses: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[float] = mapped_column(default=0.0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)

    source: Mapped[Source] = relationship(back_populates="runs")
