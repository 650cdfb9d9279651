"""Every place that offers a choice of jurisdiction, type or frequency offers models.vocabulary's
(issue #16 item 2), and the labels people read come from its one mapping."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import click
import pytest
from fastapi.testclient import TestClient
from lxml import html

from alerts.query import QuerySyntaxError, parse
from alerts.render import EmailItem, grouped
from fivewatch.cli import cli
from fivewatch.web.state import templates
from models.vocabulary import (
    DOCUMENT_KIND_LABELS,
    DOCUMENT_KINDS,
    FREQUENCIES,
    JURISDICTION_LABELS,
    JURISDICTIONS,
    OUTCOME_LABELS,
    OUTCOMES,
    STAGE_LABELS,
    STAGES,
    DocumentKind,
    Jurisdiction,
    status_line,
)

# A CLI option's name -> the choices it must offer.
VOCABULARY_OF_OPTION = {
    "jurisdiction": JURISDICTIONS,
    "doc_types": DOCUMENT_KINDS,
    "frequency": FREQUENCIES,
}


def _options(command: click.Command) -> Iterator[tuple[str, click.Option]]:
    for param in command.params:
        if isinstance(param, click.Option) and param.name in VOCABULARY_OF_OPTION:
            yield command.name or "", param
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _options(sub)


def test_every_cli_choice_is_the_vocabulary() -> None:
    options = list(_options(cli))
    assert {name for name, _ in options} >= {"subscribe", "search", "new-source"}
    for name, option in options:
        assert isinstance(option.type, click.Choice), (name, option.name)
        assert tuple(option.type.choices) == VOCABULARY_OF_OPTION[option.name or ""], name


def test_the_subscribe_form_offers_the_vocabulary(client: TestClient) -> None:
    page = html.fromstring(client.get("/subscribe").text)

    def values(selector: str) -> tuple[str, ...]:
        return tuple(str(element.get("value")) for element in page.cssselect(selector))

    assert values("input[name=jurisdiction]") == JURISDICTIONS
    assert values("input[name=type]") == DOCUMENT_KINDS
    assert values("select[name=frequency] option") == FREQUENCIES


def test_the_api_schema_enums_are_the_vocabulary(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert tuple(schemas[Jurisdiction.__name__]["enum"]) == JURISDICTIONS
    assert tuple(schemas[DocumentKind.__name__]["enum"]) == DOCUMENT_KINDS


@pytest.mark.parametrize(
    ("field", "allowed"), [("jurisdiction", JURISDICTIONS), ("type", DOCUMENT_KINDS)]
)
def test_the_query_language_accepts_exactly_the_vocabulary(
    field: str, allowed: tuple[str, ...]
) -> None:
    for value in allowed:
        parse(f"safety {field}:{value}")
    with pytest.raises(QuerySyntaxError, match=", ".join(allowed)):
        parse(f"safety {field}:xx")


def test_every_member_has_its_label() -> None:
    assert tuple(JURISDICTION_LABELS) == JURISDICTIONS
    assert tuple(DOCUMENT_KIND_LABELS) == DOCUMENT_KINDS
    assert tuple(STAGE_LABELS) == STAGES
    assert tuple(OUTCOME_LABELS) == OUTCOMES


def test_email_headings_web_badges_and_cli_status_use_the_one_mapping() -> None:
    blank: dict[str, Any] = {field.name: "" for field in dataclasses.fields(EmailItem)}
    for code in JURISDICTIONS:
        item = EmailItem(**blank | {"jurisdiction": code, "kind": DocumentKind.BILL})
        [(heading, _)] = grouped([item])
        assert heading == f"{JURISDICTION_LABELS[code]} — {DOCUMENT_KIND_LABELS['bill']}"
    outcome_label = templates.env.filters["outcome_label"]
    for outcome in OUTCOMES:
        assert outcome_label(outcome) == OUTCOME_LABELS[outcome]
        assert status_line(outcome, None) == OUTCOME_LABELS[outcome]  # what the CLI prints
