"""The single-instance lock, in one process: a second holder is refused until the first ends."""

from __future__ import annotations

import pytest

from fivewatch.scheduler import AlreadyRunning, instance_lock


def test_a_second_holder_is_refused_while_the_first_holds(db_url: str) -> None:
    refused = pytest.raises(AlreadyRunning, match="another `fivewatch run`")
    with instance_lock(db_url), refused, instance_lock(db_url):
        pytest.fail("two holders of one lock")


def test_the_lock_is_free_again_once_released(db_url: str) -> None:
    with instance_lock(db_url):
        pass
    acquired = False
    with instance_lock(db_url):  # raises AlreadyRunning if the first release leaked the lock
        acquired = True
        with pytest.raises(AlreadyRunning), instance_lock(db_url):  # and it is held again
            pass
    assert acquired


def test_the_refusal_hides_the_database_password() -> None:
    url = "postgresql://postgres:hunter2@127.0.0.1:5432/postgres"
    with instance_lock(url), pytest.raises(AlreadyRunning) as refused, instance_lock(url):
        pass
    assert "hunter2" not in str(refused.value)
