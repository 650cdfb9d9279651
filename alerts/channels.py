"""Chat and webhook destinations (issue #20): what a channel delivery posts, per kind.

A destination is configured, never stored: `FIVEWATCH_CHANNEL_<NAME>=<kind>:<url>` (its URL is
a secret), and a subscription names it. Kinds and the incoming-webhook JSON each one takes:

- slack:   {"text", "blocks"}: one mrkdwn section per alert. A section's text holds at most
           3,000 characters and a message at most 50 blocks (Slack's Block Kit limits).
- teams:   {"type": "message", "attachments": [Adaptive Card]}, which both the classic incoming
           webhook and Workflows accept; a message holds at most 28 KB.
- discord: {"content", "embeds"}: content at most 2,000 characters, at most 10 embeds, a title
           at most 256 and all embeds together at most 6,000 characters.
- webhook: our own documented JSON, never shortened:
           {"subject", "delivery_id", "alerts": [{"jurisdiction", "kind", "reference", "title",
           "change", "stage", "date", "reason", "snippet", "url", "fivewatch_url"}]}.

Within those limits long text is cut with "…" and alerts past a kind's room are counted in a
closing line ("+N more alerts: see the email or your feed"): an alert is never dropped unsaid.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from alerts.mail_links import Links
from alerts.render import EmailItem, email_item, subject_line
from models import Alert

KINDS = ("slack", "teams", "discord", "webhook")
SLACK_SECTION_CHARS, SLACK_ALERT_BLOCKS = 3000, 48  # 50 blocks: a header and a "more" line
DISCORD_CONTENT_CHARS, DISCORD_EMBEDS = 2000, 10
DISCORD_TITLE_CHARS, DISCORD_DESCRIPTION_CHARS = 256, 300  # 10 x (256 + 300) < 6,000
TEAMS_MAX_BYTES = 27 * 1024  # under the 28 KB a Teams message may weigh
SNIPPET_CHARS = 600

Payload = dict[str, Any]


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    url: str  # a secret: never in a log line or an error

    @classmethod
    def parse(cls, name: str, value: str) -> Destination:
        """`<kind>:<url>`, e.g. `slack:https://hooks.slack.com/services/…`."""
        kind, _, url = value.partition(":")
        if kind not in KINDS:
            raise ValueError(f"channel {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ValueError(f"channel {name}: expected {kind}:https://host/path after the kind")
        return cls(name=name.lower(), kind=kind, url=url)


def destinations(configured: Mapping[str, str]) -> dict[str, Destination]:
    """Every configured destination by name; a malformed one raises ValueError naming it."""
    return {name.lower(): Destination.parse(name, value) for name, value in configured.items()}


@dataclass(frozen=True)
class Notification:
    """One channel delivery, rendered: the email's subject line and its alert items."""

    delivery_id: int
    channel: str  # the destination's name
    subject: str
    items: tuple[EmailItem, ...]


def notification(
    delivery_id: int, channel: str, alerts: Sequence[Alert], links: Links, digest: str = ""
) -> Notification:
    """The alerts as the email shows them, under the email's subject line."""
    items = tuple(email_item(alert, links) for alert in sorted(alerts, key=lambda a: a.id))
    return Notification(delivery_id, channel, subject_line(items, digest), items)


def payload(kind: str, notification: Notification) -> Payload:
    """The JSON body `kind`'s incoming webhook takes."""
    return _PAYLOADS[kind](notification)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _more_line(hidden: int) -> str:
    noun = "alert" if hidden == 1 else "alerts"
    return f"+{hidden} more {noun}: see the email or your feed"


def _heading(item: EmailItem) -> str:
    return f"{item.jurisdiction.upper()} {item.kind}, {item.change}: {item.title}"


def _link(item: EmailItem) -> str:
    """The source's page, or ours when the source gave no safe link."""
    return item.url or item.fivewatch_url


def _details(item: EmailItem) -> str:
    lines = [item.reason, shorten(item.snippet_text, SNIPPET_CHARS)]
    return "\n".join(line for line in lines if line)


def _slack_escaped(text: str) -> str:
    # Slack's mrkdwn reads <…> as links and mentions: the three characters it asks us to escape.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_section(item: EmailItem) -> Payload:
    link = f"<{_link(item)}|{_slack_escaped(shorten(_heading(item), 500))}>"
    text = f"*{link}*\n{_slack_escaped(_details(item))}"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": shorten(text, SLACK_SECTION_CHARS)},
    }


def _slack(notification: Notification) -> Payload:
    shown = notification.items[:SLACK_ALERT_BLOCKS]
    subject = _slack_escaped(notification.subject)
    blocks: list[Payload] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{subject}*"}}
    ]
    blocks += [_slack_section(item) for item in shown]
    if hidden := len(notification.items) - len(shown):
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _more_line(hidden)}]}
        )
    return {"text": notification.subject, "blocks": blocks}


def _discord_embed(item: EmailItem) -> Payload:
    return {
        "title": shorten(_heading(item), DISCORD_TITLE_CHARS),
        "url": _link(item),
        "description": shorten(_details(item), DISCORD_DESCRIPTION_CHARS),
    }


def _discord(notification: Notification) -> Payload:
    shown = notification.items[:DISCORD_EMBEDS]
    content = notification.subject
    if hidden := len(notification.items) - len(shown):
        content += f"\n{_more_line(hidden)}"
    return {
        "content": shorten(content, DISCORD_CONTENT_CHARS),
        "embeds": [_discord_embed(item) for item in shown],
        "allowed_mentions": {"parse": []},  # a bill title never pings @everyone
    }


def _teams_card(subject: str, items: Sequence[EmailItem], hidden: int) -> Payload:
    body: list[Payload] = [{"type": "TextBlock", "text": subject, "weight": "Bolder", "wrap": True}]
    for item in items:
        body.append(
            {"type": "TextBlock", "text": f"[{_heading(item)}]({_link(item)})", "wrap": True}
        )
        body.append({"type": "TextBlock", "text": _details(item), "wrap": True, "isSubtle": True})
    if hidden:
        body.append({"type": "TextBlock", "text": _more_line(hidden), "wrap": True})
    card = {"type": "AdaptiveCard", "version": "1.4", "body": body}
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "attachments": [attachment]}


def _teams(notification: Notification) -> Payload:
    """As many alerts as fit in a Teams message (found by bisection), the rest counted."""
    items, subject = notification.items, notification.subject
    fits, too_many = 0, len(items) + 1
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        card = _teams_card(subject, items[:middle], len(items) - middle)
        if len(json.dumps(card).encode()) <= TEAMS_MAX_BYTES:
            fits = middle
        else:
            too_many = middle
    return _teams_card(subject, items[:fits], len(items) - fits)


def _webhook(notification: Notification) -> Payload:
    fields = ("jurisdiction", "kind", "reference", "title", "change", "stage", "date", "reason")
    alerts = [
        {name: getattr(item, name) for name in fields}
        | {"snippet": item.snippet_text, "url": item.url, "fivewatch_url": item.fivewatch_url}
        for item in notification.items
    ]
    return {
        "subject": notification.subject,
        "delivery_id": notification.delivery_id,
        "alerts": alerts,
    }


_PAYLOADS: dict[str, Callable[[Notification], Payload]] = {
    "slack": _slack,
    "teams": _teams,
    "discord": _discord,
    "webhook": _webhook,
}
