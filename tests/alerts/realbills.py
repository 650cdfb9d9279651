"""DocumentRecords built in the tests from real recorded bodies (see fixtures/PROVENANCE.md).

The mappings are minimal on purpose: the crawlers own the real ones; here we only need
real titles, stages and dates to match, search and render.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from models.records import BILL, DocumentRecord, EventRecord

FIXTURES = Path(__file__).resolve().parent / "fixtures"
S209 = "bill_45-1_S-209_json_UNWRAPPED-REINDENTED_ingenium-bcf.json"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def uk_bill_2818() -> DocumentRecord:
    detail = load("bill-2818_EDITED_snommoc.json")
    stages = load("bill-2818_stages_snommoc.json")["items"]
    events = [
        EventRecord(
            stage=stage["description"],
            chamber=stage["house"],
            key=str(sitting["id"]),
            occurred_on=date.fromisoformat(sitting["date"][:10]),
        )
        for stage in stages
        for sitting in stage["stageSittings"]
    ]
    return DocumentRecord(
        source="uk-bills",
        external_id=str(detail["billId"]),
        kind=BILL,
        jurisdiction="uk",
        title=detail["shortTitle"],
        summary=detail["longTitle"],
        sponsor=detail["sponsors"][0]["member"]["name"],
        current_stage=detail["currentStage"]["description"],
        chamber=detail["currentHouse"],
        url="https://bills.parliament.uk/bills/2818",
        events=events,
        published_on=events[0].occurred_on,
    )


def _stage_events(bill: dict[str, Any], chamber_key: str, chamber: str) -> list[EventRecord]:
    return [
        EventRecord(
            stage=stage["BillStageNameEn"],
            chamber=chamber,
            key=f"{chamber_key}:{stage['BillStageId']}",
            occurred_on=datetime.fromisoformat(stage["StateAsOfDate"]).date(),
        )
        for stage in bill["BillStages"][chamber_key]
        if stage["State"] == 4
    ]


def ca_bill_s209() -> DocumentRecord:
    bill = load(S209)
    events = _stage_events(bill, "SenateBillStages", "Senate")
    events += _stage_events(bill, "HouseBillStages", "House of Commons")
    return DocumentRecord(
        source="ca-legisinfo-bills",
        external_id=str(bill["Id"]),
        kind=BILL,
        jurisdiction="ca",
        reference=bill["NumberCode"],
        title=bill["ShortTitleEn"],
        title_alt=bill["ShortTitleFr"],
        summary=f"{bill['LongTitleEn']}\n{bill['LongTitleFr']}",
        current_stage=bill["StatusNameEn"],
        sponsor=bill["SponsorPersonName"],
        url="https://www.parl.ca/legisinfo/en/bill/45-1/s-209",
        events=events,
        published_on=events[0].occurred_on,
    )
