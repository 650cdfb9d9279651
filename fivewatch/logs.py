"""Structured logs: one line per event, JSON when stderr is not a terminal, never a secret.

An event is a log call with fields in `extra`: `log.info("crawl done", extra={"source": s})`.
JSON lines carry ts, level, logger, msg and every extra field; a terminal gets the same as
`ts LEVEL logger: msg key=value …`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

MASK = "********"
# Attributes every LogRecord has: anything else on a record came from `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **event_fields(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in event_fields(record).items())
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} {fields}" if fields else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class MaskingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler whose formatted lines have every secret value masked."""

    def __init__(self, stream: IO[str], secrets: Iterable[str]) -> None:
        super().__init__(stream)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


def wants_json(log_format: str, stream: IO[str]) -> bool:
    if log_format not in ("auto", "json", "human"):
        raise ValueError(f"FIVEWATCH_LOG_FORMAT={log_format!r}: expected auto, json or human")
    return log_format == "json" or (log_format == "auto" and not stream.isatty())


def configure_logging(
    level: int,
    *,
    log_format: str = "auto",
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Replace the root handlers with one structured handler on `stream` (stderr)."""
    target = stream or sys.stderr
    handler = MaskingHandler(target, secrets)
    handler.setFormatter(JsonFormatter() if wants_json(log_format, target) else HumanFormatter())
    handler.setLevel(level)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
