"""Files the web app hands over as downloads (search results, a delivery record)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from fivewatch.csv_text import csv_text


def attachment(body: str, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def csv_download(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], name: str) -> Response:
    """`rows` as `name`.csv: `columns` in order, formula-like cells kept as text."""
    return attachment(csv_text(rows, columns), "text/csv; charset=utf-8", f"{name}.csv")


def json_download(rows: Sequence[Mapping[str, Any]], name: str) -> Response:
    """`rows` as `name`.json, values exactly as they are (JSON runs nothing)."""
    body = json.dumps(list(rows), ensure_ascii=False)
    return attachment(body, "application/json", f"{name}.json")
