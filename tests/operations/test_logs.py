"""fivewatch.logs: one JSON object per event off a terminal, human lines on one, no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from fivewatch.cli.run import secret_values
from fivewatch.config import Config
from fivewatch.logs import configure_logging

SECRET = "SG.live-key-that-must-never-show"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_event(stream: io.StringIO, log_format: str = "auto") -> str:
    configure_logging(logging.INFO, log_format=log_format, secrets=[SECRET], stream=stream)
    logging.getLogger("fivewatch.run").info(
        "crawl run %s", "done", extra={"source": "ca-gc-news", "items": 44, "key": SECRET}
    )
    logging.getLogger("fivewatch.run").debug("below the level")
    return stream.getvalue()


def test_a_pipe_gets_one_json_object_per_event() -> None:
    lines = log_event(io.StringIO()).splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["level"] == "INFO"
    assert event["logger"] == "fivewatch.run"
    assert event["msg"] == "crawl run done"
    assert (event["source"], event["items"]) == ("ca-gc-news", 44)
    assert event["ts"].endswith("+00:00")


def test_a_terminal_gets_a_human_line() -> None:
    line = log_event(Terminal())
    assert " INFO fivewatch.run: crawl run done source=ca-gc-news items=44" in line
    assert not line.startswith("{")


def test_json_can_be_forced_on_a_terminal() -> None:
    assert json.loads(log_event(Terminal(), "json"))["msg"] == "crawl run done"


def test_secrets_are_masked_in_messages_and_fields() -> None:
    for stream in (io.StringIO(), Terminal()):
        text = log_event(stream)
        assert SECRET not in text
        assert "********" in text


def test_an_exception_travels_inside_its_json_line() -> None:
    stream = io.StringIO()
    configure_logging(logging.INFO, stream=stream)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("fivewatch.run").exception("crawl process failed")
    event = json.loads(stream.getvalue())
    assert "RuntimeError: boom" in event["exc"]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="FIVEWATCH_LOG_FORMAT='xml'"):
        configure_logging(logging.INFO, log_format="xml", stream=io.StringIO())


def test_run_masks_every_key_and_the_database_password() -> None:
    config = Config.from_env(
        {
            "FIVEWATCH_DATABASE_URL": "postgresql://fivewatch:pg-pass@db/fivewatch",
            "SENDGRID_API_KEY": SECRET,
            "FIVEWATCH_SECRET_KEY": "signing-key",
        }
    )
    masked = secret_values(config)
    assert {"pg-pass", SECRET, "signing-key"} <= set(masked)
    assert "DEMO_KEY" not in masked  # the public demo key is no secret
