"""The crash/kill matrix for match and send (issue #15): SIGTERM and SIGKILL mid-way, re-run.

Each cell runs the real `fivewatch match` or `fivewatch send` in a child process on a real
database file (and PostgreSQL when FIVEWATCH_TEST_POSTGRES_URL is set), with real mail servers
(aiosmtpd; the local SendGrid v3 endpoint). The child signals itself at a fixed point
(tests.alerts.signalled), then the command is run again. What each cell promises:

- match, either signal: every alert exactly once after the re-run, the same as a clean run.
  SIGTERM stops between batches and commits what is done; SIGKILL commits nothing of the run.
- send, SIGTERM: exactly once. The message in hand is finished and recorded; the claimed rest
  is released to "pending" for the next run (no lease to wait out).
- send, SIGKILL: at-least-once, only for the message the provider accepted whose outcome was
  not committed (the uncertain window). It is resent after the lease with a log line saying it
  may arrive twice; everything else arrives exactly once.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

import alerts.match
from alerts.deliver import LEASE, DeliverySummary, send_pending
from alerts.match import CHECKPOINT, match_changes
from alerts.subscriptions import follow, subscribe
from fivewatch.health_policy import HealthPolicy
from fivewatch.scheduler import Scheduler
from models import Alert, Change, Checkpoint, Delivery, Subscriber
from models.db import make_engine, make_session_factory
from tests.alerts.conftest import NOW, Store
from tests.alerts.mailservers import FakeSendGrid, SmtpScript, start_smtp_server
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.alerts.test_crash import accepted, finished
from tests.alerts.test_deliver import LINKS, RecordingBackend, deliveries, queue_alerts
from tests.conftest import ROOT

SIGNALS = [pytest.param("TERM", id="SIGTERM"), pytest.param("KILL", id="SIGKILL")]
STOPPED_BY_SIGTERM = 128 + signal.SIGTERM  # the shell's convention; systemd reads it as a stop
KILLED = -signal.SIGKILL

# match: a backlog of changes in batches of MATCH_BATCH; the signal comes mid-batch.
COPIES = 15  # synthetic copies of each real bill (new external ids), for a longer backlog
MATCH_BATCH = 7
MATCH_SIGNAL_AFTER = 20  # alerts inserted

# send: READERS deliveries claimed CLAIM_BATCH at a time; the signal comes right after the
# provider accepted the SEND_SIGNAL_AFTER-th message: one sent before it, some claimed but not
# handed over after it, and a batch not yet claimed.
READERS = [f"reader{n}@example.org" for n in range(6)]
CLAIM_BATCH = 4
SEND_SIGNAL_AFTER = 2


def fivewatch(
    command: str,
    db_url: str,
    *,
    signame: str = "none",
    after: int = 0,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> tuple[int, str]:
    """Run the real CLI command in a child process; it signals itself `after` N (see module)."""
    arguments = ["--signal", signame, "--after", str(after), *options, "--", command]
    environment = {
        **os.environ,
        "FIVEWATCH_DATABASE_URL": db_url,  # not on argv: it may hold a password
        "FIVEWATCH_SECRET_KEY": "kill-matrix-secret",
        "COLUMNS": "200",  # rich wraps at the terminal's width: one line per message here
        **(env or {}),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.alerts.signalled", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return finished(child)


# --- match ----------------------------------------------------------------------------------

AlertKey = tuple[int, int, str, str, tuple[str, ...]]


@pytest.fixture
def backlog(session: Session, store: Store) -> None:
    """Real bills (stored first with one stage, then with all: new stages to alert on) and
    synthetic copies of them; query subscriptions and a followed bill."""
    for email, query in [("a@example.org", "bill OR act"), ("b@example.org", "rates")]:
        subscribe(session, email=email, query=query, confirmed=True)
    subscribe(session, email="c@example.org", query="senate", confirmed=True)
    for record in (uk_bill_2818(), ca_bill_s209()):
        store(dataclasses.replace(record, events=record.events[:1]))
        original = store(record)
        for n in range(COPIES):
            store(dataclasses.replace(record, external_id=f"{record.external_id}-copy{n}"))
    follow(session, email="c@example.org", document=original, confirmed=True)
    session.commit()


def alert_keys(session: Session) -> Counter[AlertKey]:
    """Every alert by what it says (not when it was made): a duplicate would count twice."""
    columns = (Alert.subscription_id, Alert.change_id, Alert.reason, Alert.snippet)
    rows = session.execute(select(*columns, Alert.matched_terms))
    return Counter((s, c, reason, text, tuple(terms)) for s, c, reason, text, terms in rows)


def stored_alerts(engine: Engine) -> Counter[AlertKey]:
    with Session(engine) as session:
        return alert_keys(session)


def clean_match(engine: Engine) -> Counter[AlertKey]:
    """The alerts one uninterrupted run makes on this data (rolled back: the data is unchanged)."""
    with Session(engine) as session:
        match_changes(session, NOW)
        session.flush()
        expected = alert_keys(session)
        session.rollback()
    assert not stored_alerts(engine)
    return expected


def checkpoint(engine: Engine) -> int:
    with Session(engine) as session:
        statement = select(Checkpoint.position).where(Checkpoint.name == CHECKPOINT)
        return session.scalar(statement) or 0


@pytest.mark.parametrize("signame", SIGNALS)
def test_match(signame: str, engine: Engine, db_url: str, backlog: None) -> None:
    expected = clean_match(engine)
    assert sum(expected.values()) > 2 * MATCH_SIGNAL_AFTER  # the signal comes mid-way

    batch = ("--batch", str(MATCH_BATCH))
    code, output = fivewatch(
        "match", db_url, signame=signame, after=MATCH_SIGNAL_AFTER, options=batch
    )
    position = checkpoint(engine)
    if signame == "KILL":
        assert code == KILLED, output
        assert (position, stored_alerts(engine)) == (0, Counter())  # one transaction, undone
    else:
        assert code == STOPPED_BY_SIGTERM, output
        assert "stopped by SIGTERM" in output
        # Whole batches committed with the checkpoint that covers them, nothing beyond.
        assert 0 < position < max(change_id for _, change_id, *_ in expected)
        done = Counter({key: 1 for key in expected if key[1] <= position})
        assert stored_alerts(engine) == done
        assert sum(done.values()) >= MATCH_SIGNAL_AFTER

    code, output = fivewatch("match", db_url, options=batch)
    assert code == 0, output
    assert stored_alerts(engine) == expected  # none lost, none twice


def test_fivewatch_run_stops_matching_between_batches_when_asked(
    db_url: str, engine: Engine, backlog: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fivewatch run` handles SIGTERM itself (Scheduler.stopping): match stops at it too."""
    policy = HealthPolicy({"bills": 3600}, error_rate_threshold=0.2)
    loop = Scheduler(db_url, make_session_factory(engine), DeliverySummary, policy)
    read = alerts.match._next_batch

    def stopped_during_the_first(session: Session, after: int) -> list[Change]:
        loop.stopping.set()
        return read(session, after)

    monkeypatch.setattr(alerts.match, "BATCH", MATCH_BATCH)
    monkeypatch.setattr(alerts.match, "_next_batch", stopped_during_the_first)
    loop.match()
    with Session(engine) as session:
        first_batch = session.scalars(select(Change.id).order_by(Change.id).limit(MATCH_BATCH))
        assert checkpoint(engine) == list(first_batch)[-1]


# --- send -----------------------------------------------------------------------------------


@dataclass
class Provider:
    """A mail server the child sends through: its settings, and who received what."""

    env: dict[str, str]
    options: tuple[str, ...]
    received: Callable[[], Counter[str]]


@pytest.fixture(params=["smtp", "sendgrid"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    if request.param == "smtp":
        server = start_smtp_server(SmtpScript())
        script = server.script
        yield Provider(
            {"FIVEWATCH_MAIL_BACKEND": "smtp", "FIVEWATCH_SMTP_URL": server.url()},
            (),
            lambda: Counter(to for envelope, _ in script.received for to in envelope.rcpt_tos),
        )
        server.controller.stop()
        return
    endpoint = FakeSendGrid(accepted(2 * len(READERS))).start()
    yield Provider(
        {"FIVEWATCH_MAIL_BACKEND": "sendgrid", "SENDGRID_API_KEY": "SG.kill-matrix"},
        ("--sendgrid-host", endpoint.url),
        lambda: Counter(
            to["email"]
            for request in endpoint.requests
            for personalization in request.payload["personalizations"]
            for to in personalization["to"]
        ),
    )
    assert endpoint.problems == []
    endpoint.stop()


@pytest.fixture
def outbox(session: Session, store: Store) -> list[int]:
    """One queued delivery per reader, for alerts on the real bills."""
    return queue_alerts(session, store, [(email, "bill OR act") for email in READERS])


def test_a_stop_records_the_message_in_hand_and_releases_the_rest(
    engine: Engine, outbox: list[int]
) -> None:
    backend = RecordingBackend()
    factory = sessionmaker(engine)
    summary = send_pending(
        factory,
        backend,
        now=NOW,
        mail_from="alerts@fw.example",
        links=LINKS,
        stop=lambda: len(backend.sent) == SEND_SIGNAL_AFTER,  # asked during the 2nd send
    )
    rest = len(READERS) - SEND_SIGNAL_AFTER
    assert (summary.sent, summary.released) == (SEND_SIGNAL_AFTER, rest)
    assert backend.sent == outbox[:SEND_SIGNAL_AFTER]
    # Released: pending at once, the claim's attempt undone (it was never tried).
    assert [(d.status, d.attempts) for d in deliveries(factory)] == [
        *[("sent", 1)] * SEND_SIGNAL_AFTER,
        *[("pending", 0)] * rest,
    ]


def states(db_url: str) -> list[tuple[str, str]]:
    """(address, status) of every delivery, in the order they are claimed."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        statement = select(Subscriber.email, Delivery.status).join(Delivery.subscriber)
        rows = [
            (email, status) for email, status in session.execute(statement.order_by(Delivery.id))
        ]
    engine.dispose()
    return rows


@pytest.mark.parametrize("signame", SIGNALS)
def test_send(signame: str, db_url: str, provider: Provider, outbox: list[int]) -> None:
    assert len(outbox) == len(READERS)
    options = (*provider.options, "--batch", str(CLAIM_BATCH))
    code, output = fivewatch(
        "send", db_url, signame=signame, after=SEND_SIGNAL_AFTER, env=provider.env, options=options
    )
    order = [email for email, _ in states(db_url)]
    in_hand = order[SEND_SIGNAL_AFTER - 1]  # accepted by the provider when the signal came
    claimed_rest = order[SEND_SIGNAL_AFTER:CLAIM_BATCH]
    first_run = dict.fromkeys(order[:SEND_SIGNAL_AFTER], 1)
    assert provider.received() == first_run, output

    if signame == "TERM":
        assert code == STOPPED_BY_SIGTERM, output
        assert (
            f"stopped by SIGTERM: each email handed over is recorded; {len(claimed_rest)} released"
            in output
        )
        # The message in hand recorded as sent; the claimed rest released, ready at once.
        assert states(db_url) == [
            (email, "sent" if email in first_run else "pending") for email in order
        ]
        code, output = fivewatch("send", db_url, env=provider.env, options=options)
        twice: dict[str, int] = {}
    else:
        assert code == KILLED, output
        in_flight = {in_hand, *claimed_rest}
        assert states(db_url) == [
            (
                email,
                "sending" if email in in_flight else "sent" if email in first_run else "pending",
            )
            for email in order
        ]
        later = ("--clock-shift", str((2 * LEASE).total_seconds()))
        code, output = fivewatch("send", db_url, env=provider.env, options=(*options, *later))
        # Every claim left "sending" is named as possibly doubled; only the accepted one is.
        for email in in_flight:
            delivery_id = outbox[order.index(email)]
            assert (
                f"delivery {delivery_id}: outcome unknown (a run stopped while sending)" in output
            )
        twice = {in_hand: 2}

    assert code == 0, output
    assert ("may arrive twice" in output) == bool(twice)
    assert provider.received() == {**dict.fromkeys(READERS, 1), **twice}
    assert [status for _, status in states(db_url)] == ["sent"] * len(READERS)
