"""schemathesis against the JSON API's OpenAPI schema: no server errors, answers match it.

Operations are driven by hand (not schemathesis' pytest plugin) so they run on the `db_url`
fixture's SQLite and PostgreSQL databases holding the real corpus.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from fivewatch.web import create_app
from tests.web.conftest import Corpus, web_config

EXAMPLES = 15  # per operation: CI has 90 minutes for everything


def test_api_conforms_to_its_schema(db_url: str, tmp_path: Path, corpus: Corpus) -> None:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(web_config(db_url, tmp_path))
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    api_paths = {operation.path for operation in operations if operation.path.startswith("/api/")}
    assert len(api_paths) == 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            # The query grammar cannot be written in JSON Schema: a schema-valid but
            # ungrammatical `q` gets the documented 400, which this check would flag.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
