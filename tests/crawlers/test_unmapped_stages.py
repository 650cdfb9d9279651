"""A stage no map knows is kept as stated, with no category, and counted: `fivewatch sources`
names it (never silent). Through the real engine on the real uk-bills cassette, its stages body
DERIVED in the test: one stage renamed to wording the map has never seen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import BillEvent
from tests.conftest import ROOT
from tests.crawlers.replay_crawl import (
    CASSETTES,
    copy_cassette,
    crawl,
    edit_body,
    edit_json,
    last_run,
)

STAGES_URL = "https://bills-api.parliament.uk/api/v1/Bills/2818/Stages"
UNSEEN = "Stage never seen before (DERIVED in this test)"


def renamed_first_stage(stages: Any) -> Any:
    stages["items"][0]["description"] = UNSEEN
    stages["items"][0]["abbreviation"] = "NEW"
    return stages


def test_an_unmapped_stage_is_stored_as_stated_and_named_by_sources(
    tmp_path: Path, engine: Engine, db_url: str
) -> None:
    cassette = copy_cassette(tmp_path, "uk-bills")
    edit_body(cassette, STAGES_URL, edit_json(renamed_first_stage))
    crawl(db_url, cassette.parent, "uk-bills")
    assert last_run(engine, "uk-bills").stats["source/unmapped_stages"] >= 1
    with Session(engine) as session:
        stored = session.scalars(select(BillEvent).where(BillEvent.stage == UNSEEN)).all()
    assert stored
    assert all(event.stage_category == "" for event in stored)
    listed = subprocess.run(
        [sys.executable, "-m", "fivewatch", "sources", "--format", "json"],
        cwd=ROOT,
        env={**os.environ, "FIVEWATCH_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    [row] = [row for row in json.loads(listed.stdout) if row["slug"] == "uk-bills"]
    assert UNSEEN in row["unmapped_stages"]


def test_the_recorded_stages_are_all_mapped(engine: Engine, db_url: str) -> None:
    crawl(db_url, CASSETTES, "uk-bills")
    assert last_run(engine, "uk-bills").stats.get("source/unmapped_stages", 0) == 0
