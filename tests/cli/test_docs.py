"""The README documents every setting and every command (datasette's test_docs idea)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.spiders.au.aph_bills import AU_STAGES
from crawlers.spiders.ca.legisinfo_vocab import CA_STAGES
from crawlers.spiders.nz.parliament_bills import NZ_STAGES
from crawlers.spiders.uk.bill_stages import UK_STAGES
from fivewatch.cli import cli
from fivewatch.config import SETTINGS, Config
from models.vocabulary import OUTCOMES, STAGES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_in_the_readme(setting) -> None:
    assert f"`{setting.env}`" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme_and_has_help(name: str) -> None:
    assert f"fivewatch {name}" in README
    assert cli.commands[name].help


def test_secrets_are_masked_in_repr() -> None:
    config = Config.from_env({"SENDGRID_API_KEY": "SG.very-secret", "FIVEWATCH_SECRET_KEY": "k"})
    assert "very-secret" not in repr(config)
    assert config.sendgrid_api_key == "SG.very-secret"


def test_cli_flag_overrides_environment() -> None:
    config = Config.from_env({"FIVEWATCH_DATABASE_URL": "sqlite:///a.db"})
    assert config.with_overrides(database_url="sqlite:///b.db").database_url == "sqlite:///b.db"
    assert config.with_overrides(database_url=None).database_url == "sqlite:///a.db"


def test_every_registered_source_is_in_the_readme_with_its_status() -> None:
    from crawlers.registry import spider_classes

    for spider in spider_classes():
        row = next(line for line in README.splitlines() if line.startswith(f"| `{spider.name}` |"))
        assert ("| recorded |" in row) == spider.verified, row


STAGES_DOC = (Path(__file__).resolve().parents[2] / "docs" / "stages.md").read_text(
    encoding="utf-8"
)


@pytest.mark.parametrize("category", STAGES)
def test_every_stage_category_is_documented(category: str) -> None:
    assert f"`{category}`" in STAGES_DOC


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_outcome_is_documented(outcome: str) -> None:
    assert outcome in STAGES_DOC


@pytest.mark.parametrize(
    "mapping",
    [CA_STAGES, UK_STAGES, AU_STAGES, NZ_STAGES],
    ids=["ca", "uk", "au", "nz"],
)
def test_every_category_a_map_gives_is_a_common_one(mapping: dict[str, str]) -> None:
    assert set(mapping.values()) - {""} <= set(STAGES)
