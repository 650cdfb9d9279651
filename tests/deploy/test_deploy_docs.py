"""docs/deploy.md stays true: every setting documented, every unit runs a real command."""

from __future__ import annotations

import configparser
import re
import shlex

import pytest

from fivewatch.cli import cli
from fivewatch.config import SETTINGS, Setting
from tests.conftest import ROOT

DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
UNITS = ("fivewatch-run.service", "fivewatch-web.service", "fivewatch-send@.service")


def ini_blocks() -> list[str]:
    return re.findall(r"```ini\n(.*?)```", DEPLOY, flags=re.DOTALL)


def unit_with(heading: str) -> configparser.ConfigParser:
    """The ini block that follows the unit's name in the page."""
    after = DEPLOY.index(heading)
    block = next(b for b in ini_blocks() if DEPLOY.index(b) > after)
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(block)
    return parser


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_in_the_deploy_guide(setting: Setting) -> None:
    assert f"`{setting.env}`" in DEPLOY


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_starts_a_real_fivewatch_command(unit: str) -> None:
    service = unit_with(unit)["Service"]
    program, command, *_ = shlex.split(service["ExecStart"])
    assert program.endswith("/bin/fivewatch")
    assert command in cli.commands
    assert service["EnvironmentFile"] == "/etc/fivewatch/env"


def test_the_deploy_target_in_scrapy_cfg_is_the_one_documented() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "scrapy.cfg")
    assert config["settings"]["default"] == "crawlers.settings"
    assert f"project = {config['deploy']['project']}" in DEPLOY
