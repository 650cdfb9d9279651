"""`fivewatch subscribe --digest-hour/--digest-weekday`: when an address's digests arrive."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fivewatch.cli import cli
from models import Subscriber


def subscribe(db_url: str, *options: str) -> Result:
    args = ["subscribe", "reader@example.org", "-q", "budget", "--frequency", "weekly"]
    return CliRunner().invoke(cli, [*args, *options, "--database-url", db_url])


def times(engine: Engine) -> tuple[str, int, int]:
    with Session(engine) as session:
        reader = session.scalars(select(Subscriber)).one()
        return reader.timezone, reader.digest_hour, reader.digest_weekday


def test_digest_times_are_stored_and_kept_when_not_given(db_url: str, engine: Engine) -> None:
    assert subscribe(db_url).exit_code == 0
    assert times(engine) == ("UTC", 7, 0)  # 07:00 on Monday unless set
    options = (
        "--timezone",
        "Australia/Sydney",
        "--digest-hour",
        "18",
        "--digest-weekday",
        "Friday",
    )
    assert subscribe(db_url, *options).exit_code == 0
    assert times(engine) == ("Australia/Sydney", 18, 4)
    assert subscribe(db_url).exit_code == 0  # another subscription leaves them as they are
    assert times(engine) == ("Australia/Sydney", 18, 4)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("--digest-hour", "24", "'--digest-hour': 24 is not in the range 0<=x<=23"),
        ("--digest-hour", "-1", "'--digest-hour': -1 is not in the range 0<=x<=23"),
        ("--digest-weekday", "funday", "'--digest-weekday': 'funday' is not one of 'monday'"),
    ],
)
def test_a_bad_digest_time_is_refused_by_name(
    db_url: str, engine: Engine, option: str, value: str, error: str
) -> None:
    result = subscribe(db_url, option, value)
    assert result.exit_code == 2
    assert error in " ".join(result.output.split())
    with Session(engine) as session:
        assert session.scalars(select(Subscriber)).all() == []
