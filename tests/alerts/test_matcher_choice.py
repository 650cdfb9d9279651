"""Which matcher core the Monitor runs on: the C one where built, else the pure Python one,
which FIVEWATCH_PURE_MATCHER=1 forces; a command that matches no documents loads neither.
Each case runs in a fresh interpreter: the choice is made once per process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from alerts.query.core import PURE_VARIABLE, native_core
from tests.conftest import ROOT

CHOSEN = "from alerts.query.core import chosen_core; print(chosen_core().name)"


def python(code: str, pure: bool = False) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != PURE_VARIABLE}
    if pure:
        env[PURE_VARIABLE] = "1"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def test_the_c_core_is_chosen_where_it_was_built() -> None:
    if native_core() is None:
        pytest.skip("the C extension alerts.query._matcher is not built")
    assert python(CHOSEN).stdout == "native\n"


def test_the_pure_core_is_chosen_where_the_c_one_does_not_import() -> None:
    blocked = "import sys; sys.modules['alerts.query._matcher'] = None  # an ImportError\n"
    assert python(blocked + CHOSEN).stdout == "pure\n"


def test_the_variable_forces_the_pure_core_and_the_choice_is_logged_once() -> None:
    logged = "import logging; logging.basicConfig(level=logging.DEBUG)\n"
    found = python(logged + CHOSEN + "; print(chosen_core().name)", pure=True)
    assert found.stdout == "pure\npure\n"
    assert found.stderr.count("matcher core") == 1
    assert f"pure matcher core ({PURE_VARIABLE}=1)" in found.stderr


def test_a_command_that_matches_no_documents_loads_no_matcher_core() -> None:
    """Guards the CLI's start: the commands' modules import alerts.match, and so
    alerts.monitor, whose core is loaded by the first Monitor only."""
    code = (
        "import sys\n"
        "from fivewatch.cli import cli\n"
        "cli.main(['db', 'upgrade', '--help'], standalone_mode=False)\n"
        "print(sorted(m for m in ('alerts.query._matcher', 'alerts.query.pure_matcher')"
        " if m in sys.modules))\n"
    )
    assert python(code).stdout.splitlines()[-1] == "[]"
