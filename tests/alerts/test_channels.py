"""Chat and webhook channels through the outbox: one local receiving server per kind, the
payload each service documents, and the outbox's guarantees (claimed once, retried on 5xx and
lost connections, uncertain when the answer is lost, failed with the reason on 4xx)."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from alerts.backends.file import FileBackend
from alerts.backends.webhook import WebhookBackend
from alerts.channels import Destination, Notification, destinations, payload
from alerts.deliver import DeliverySummary, queue_deliveries, send_pending
from alerts.mail_links import Links
from alerts.match import match_changes
from alerts.render import email_item
from alerts.subscriptions import subscribe
from fivewatch.cli import cli
from fivewatch.config import Config
from models import Alert, Delivery
from tests.alerts.conftest import NOW, Store
from tests.alerts.realbills import ca_bill_s209, uk_bill_2818
from tests.alerts.webhook_receiver import HANG, Receiver, receiving

LINKS = Links("https://fivewatch.example.org", "test-secret")


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def queue(
    session: Session, store: Store, channel: str, *, by_email: bool, readers: int = 1
) -> None:
    """Confirmed readers whose subscription notifies `channel`; the real bills matched, queued."""
    for n in range(readers):
        subscription = subscribe(
            session, email=f"r{n}@example.org", query="bill OR act", confirmed=True
        )
        subscription.channel, subscription.by_email = channel, by_email
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    queue_deliveries(session, NOW)
    session.commit()


def send(
    factory: sessionmaker[Session],
    channels: WebhookBackend,
    at: timedelta = timedelta(0),
    outbox: Path | None = None,
) -> DeliverySummary:
    email = FileBackend(outbox or Path("/nonexistent/outbox"))
    return send_pending(
        factory, email, now=NOW + at, mail_from="a@fw.example", links=LINKS, channels=channels
    )


def to(receiver: Receiver, kind: str, timeout: float = 10.0) -> WebhookBackend:
    return WebhookBackend({"team": Destination("team", kind, receiver.url)}, timeout=timeout)


def deliveries(factory: sessionmaker[Session]) -> list[Delivery]:
    with factory() as session:
        statement = select(Delivery).options(selectinload(Delivery.alerts))
        return list(session.scalars(statement.order_by(Delivery.id)))


def _slack_shape(body: dict[str, Any]) -> list[str]:
    assert body["text"].startswith("FiveWatch")
    assert all(block["text"]["type"] == "mrkdwn" for block in body["blocks"])
    return [block["text"]["text"] for block in body["blocks"][1:]]


def _teams_shape(body: dict[str, Any]) -> list[str]:
    [attachment] = body["attachments"]
    assert (body["type"], attachment["contentType"]) == (
        "message",
        "application/vnd.microsoft.card.adaptive",
    )
    assert attachment["content"]["type"] == "AdaptiveCard"
    return [block["text"] for block in attachment["content"]["body"][1::2]]


def _discord_shape(body: dict[str, Any]) -> list[str]:
    assert body["content"].startswith("FiveWatch")
    assert body["allowed_mentions"] == {"parse": []}
    return [f"{embed['title']} {embed['url']}" for embed in body["embeds"]]


def _webhook_shape(body: dict[str, Any]) -> list[str]:
    assert body["subject"].startswith("FiveWatch")
    assert body["delivery_id"]
    return [f"{alert['title']} {alert['url']}" for alert in body["alerts"]]


SHAPES = {
    "slack": _slack_shape,
    "teams": _teams_shape,
    "discord": _discord_shape,
    "webhook": _webhook_shape,
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_each_kind_posts_its_documented_payload_instead_of_email(
    kind: str, session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    queue(session, store, "team", by_email=False)
    summary = send(factory, to(receiver, kind))
    assert (summary.sent, summary.failed, summary.held) == (1, 0, 0)
    [delivery] = deliveries(factory)
    assert (delivery.channel, delivery.status, delivery.provider) == ("team", "sent", kind)
    [body] = receiver.received
    shown = SHAPES[kind](body)
    titles = sorted(alert.change.document.title for alert in session.scalars(select(Alert)))
    assert len(shown) == len(titles) == 2
    for title in titles:
        assert any(title in line for line in shown)


def test_a_subscription_that_also_emails_gets_both_from_one_set_of_alerts(
    session: Session,
    store: Store,
    factory: sessionmaker[Session],
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    queue(session, store, "team", by_email=True)
    summary = send(factory, to(receiver, "webhook"), outbox=tmp_path)
    assert summary.sent == 2
    email, chat = deliveries(factory)
    assert (email.channel, chat.channel, chat.copy_of_id) == ("", "team", email.id)
    assert len(email.alerts) == 2
    assert not chat.alerts
    assert len(list(tmp_path.glob("*.eml"))) == 1
    [body] = receiver.received
    assert len(body["alerts"]) == 2
    assert body["subject"] == email.subject == chat.subject


def test_a_refusal_fails_the_delivery_with_the_reason_shown(
    session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.answers = [(404, "no_service\n<b>gone</b>")]
    queue(session, store, "team", by_email=False)
    assert send(factory, to(receiver, "slack")).failed == 1
    [delivery] = deliveries(factory)
    assert delivery.status == "failed"
    assert delivery.last_error == "slack channel team: HTTP 404 Not Found: no_service <b>gone</b>"
    assert receiver.url not in delivery.last_error
    assert len(delivery.alerts) == 2  # kept with the delivery
    assert send(factory, to(receiver, "slack"), timedelta(days=1)).sent == 0


def test_a_server_error_is_retried_then_sent(
    session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.answers = [(503, "busy")]
    queue(session, store, "team", by_email=False)
    assert send(factory, to(receiver, "discord")).retried == 1
    [waiting] = deliveries(factory)
    assert (waiting.status, waiting.last_error) == (
        "pending",
        "discord channel team: HTTP 503 Service Unavailable: busy",
    )
    assert send(factory, to(receiver, "discord"), timedelta(hours=1)).sent == 1
    assert len(receiver.received) == 2


def test_a_destination_not_reached_is_retried(
    session: Session, store: Store, factory: sessionmaker[Session]
) -> None:
    with receiving() as stopped:
        closed = stopped.url  # nothing listens there once the receiver has stopped
    queue(session, store, "team", by_email=False)
    channels = WebhookBackend({"team": Destination("team", "teams", closed)})
    assert send(factory, channels).retried == 1
    [waiting] = deliveries(factory)
    assert waiting.last_error.startswith("teams channel team: not reached: ConnectError")


def test_a_lost_answer_is_uncertain_and_sent_again(
    session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.answers = [HANG]
    queue(session, store, "team", by_email=False)
    assert send(factory, to(receiver, "webhook", timeout=0.5)).uncertain == 1
    [delivery] = deliveries(factory)
    assert delivery.last_error.startswith("uncertain: webhook channel team: no answer: ReadTimeout")
    again = send(factory, to(receiver, "webhook"), timedelta(minutes=1))
    assert (again.resent, again.sent) == (1, 1)
    assert len(receiver.received) == 2  # at-least-once, said so in the log


def test_an_unknown_destination_is_held_with_its_alerts(
    session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    queue(session, store, "nowhere", by_email=False)
    assert send(factory, to(receiver, "slack")).held == 1
    [delivery] = deliveries(factory)
    assert delivery.status == "held"
    assert len(delivery.alerts) == 2
    assert "channel 'nowhere' is not configured (FIVEWATCH_CHANNEL_NOWHERE=" in delivery.last_error
    assert receiver.received == []


def test_two_senders_at_once_post_each_delivery_once(
    session: Session, store: Store, factory: sessionmaker[Session], receiver: Receiver
) -> None:
    receiver.pause = 0.05  # each POST takes a moment, so the senders' claims overlap
    queue(session, store, "team", by_email=False, readers=12)
    summaries: list[DeliverySummary] = []
    senders = [
        threading.Thread(target=lambda: summaries.append(send(factory, to(receiver, "webhook"))))
        for _ in range(2)
    ]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    posted = Counter(body["delivery_id"] for body in receiver.received)
    assert sorted(posted) == [d.id for d in deliveries(factory)]
    assert set(posted.values()) == {1}
    assert sum(summary.sent for summary in summaries) == 12


def test_long_lists_are_cut_to_each_service_s_limits_and_the_rest_counted(
    alerts: list[Alert],
) -> None:
    """Bad input for the chat services: 150 alerts, one with a 10,000-character (SYNTHETIC)
    snippet; every alert is either shown or counted."""
    real = email_item(alerts[0], LINKS)
    items = [dataclasses.replace(real, snippet_text="x" * 10_000)] + [real] * 149
    note = Notification(1, "team", "FiveWatch daily digest: 150 alerts", tuple(items))
    slack = payload("slack", note)
    assert len(slack["blocks"]) == 50
    assert max(len(block["text"]["text"]) for block in slack["blocks"][:-1]) <= 3000
    assert slack["blocks"][-1]["elements"][0]["text"].startswith("+102 more alerts")
    discord = payload("discord", note)
    assert len(discord["embeds"]) == 10
    assert "+140 more alerts" in discord["content"]
    embeds = discord["embeds"]
    assert sum(len(e["title"]) + len(e["description"]) for e in embeds) <= 6000
    teams = payload("teams", note)
    assert len(json.dumps(teams).encode()) <= 28 * 1024
    body = teams["attachments"][0]["content"]["body"]
    shown = sum(block["text"].startswith("[") for block in body)
    assert 0 < shown < 150
    assert body[-1]["text"].startswith(f"+{150 - shown} more alerts")
    assert len(payload("webhook", note)["alerts"]) == 150


def test_destinations_come_from_the_environment_and_bad_ones_are_named() -> None:
    config = Config.from_env({"FIVEWATCH_CHANNEL_OPS": "slack:https://hooks.slack.com/s/T/B/x"})
    assert "hooks.slack.com" not in repr(config)
    assert destinations(config.channels) == {
        "ops": Destination("ops", "slack", "https://hooks.slack.com/s/T/B/x")
    }
    with pytest.raises(ValueError, match="channel ops: kind 'irc' is not one of slack"):
        destinations({"ops": "irc:https://example.org"})
    with pytest.raises(ValueError, match="channel ops: expected teams:https://host/path"):
        destinations({"ops": "teams:hooks.example.org"})


def test_the_cli_subscribes_a_channel_and_send_posts_to_it(
    db_url: str, session: Session, store: Store, receiver: Receiver, tmp_path: Path
) -> None:
    env = {
        "FIVEWATCH_CHANNEL_TEAM": f"discord:{receiver.url}",
        "FIVEWATCH_OUTBOX_DIR": str(tmp_path),
        "FIVEWATCH_SECRET_KEY": "test-secret",
    }
    fivewatch = CliRunner(env=env)
    refused = fivewatch.invoke(cli, ["subscribe", "r@example.org", "-q", "bill", "--no-email"])
    assert refused.exit_code == 2
    assert "--no-email needs --channel" in refused.output
    args = ["subscribe", "r@example.org", "-q", "bill OR act", "--confirmed"]
    dashed = fivewatch.invoke(cli, [*args, "--channel", "my-team"])
    assert dashed.exit_code == 2
    assert "letters, digits and _ only" in dashed.output
    subscribed = fivewatch.invoke(
        cli, [*args, "--channel", "Team", "--no-email", "--database-url", db_url]
    )
    assert subscribed.exit_code == 0, subscribed.output
    assert "not configured" not in subscribed.output
    store(uk_bill_2818())
    store(ca_bill_s209())
    match_changes(session, NOW)
    session.commit()
    sent = fivewatch.invoke(cli, ["send", "--database-url", db_url])
    assert sent.exit_code == 0, sent.output
    [body] = receiver.received
    assert len(body["embeds"]) == 2
    assert list(tmp_path.glob("*.eml")) == []  # the channel only
