"""One email per delivery: HTML with inline styles plus a plain-text part, from the same data.

One template folder per email (STYLE §8): alerts/ (immediate and digests), confirm/ (double
opt-in). Links are signed per purpose by alerts.mail_links. The outbox takes an OutgoingMail
(no MIME: SendGrid does not need it); render_alerts and render_confirmation give the same email
as MIME.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import nh3
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from alerts.backends.interface import OutgoingMail
from alerts.headers import SUBSCRIPTION_IDS_HEADER, header_text
from alerts.mail_links import Links
from alerts.outages import OutageNotice
from models import Alert, BillEvent, Change, Document, Subscriber, Subscription
from models.text import safe_link
from models.vocabulary import ACTIVE, document_kind_label, jurisdiction_label, status_line

SUBJECT_TITLE_CHARS = 60
SUBJECT_GROUPS = 3
CHANGE_NAMES = {"new_document": "new", "new_event": "new stage", "new_version": "new version"}
_MARKED = re.compile(r"\[\[(.+?)\]\]")

_env = Environment(
    loader=PackageLoader("alerts", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # The templates ship with the package: compile each once per process, never stat it again.
    auto_reload=False,
)


@dataclass(frozen=True)
class MailContext:
    """What every email of one run shares."""

    mail_from: str
    links: Links
    now: datetime


@dataclass(frozen=True)
class EmailItem:
    jurisdiction: str
    kind: str
    reference: str
    title: str
    stage: str
    date: str  # the day of the change announced: the new stage's, else the current stage's
    status: str  # how the bill stands when it no longer moves ("Lapsed — …"); "" while active
    session: str
    also_known_as: str  # the bill's other titles (short, popular...), so its name is found
    snippet_text: str
    snippet_html: Markup
    reason: str
    url: str
    fivewatch_url: str
    change: str


def highlight_html(snippet: str) -> Markup:
    """Escape first, then turn [[term]] into <mark>; nh3 keeps only <mark> as a last guard."""
    marked = _MARKED.sub(r'<mark style="background:#fff3a3;">\1</mark>', str(escape(snippet)))
    cleaned = nh3.clean(marked, tags={"mark"}, attributes={"mark": {"style"}})
    return Markup(cleaned)  # escaped above, then sanitised by nh3


def highlight_text(snippet: str) -> str:
    return _MARKED.sub(r"*\1*", snippet)


# The columns alerts_mail reads: the outbox loads only these (a bill's full text and HTML can
# be large). Anything else read here would be loaded on access, one query each.
EMAIL_ALERT_COLUMNS = (
    Alert.subscription_id,
    Alert.change_id,
    Alert.delivery_id,
    Alert.reason,
    Alert.snippet,
)
EMAIL_DOCUMENT_COLUMNS = (
    Document.id,
    Document.jurisdiction,
    Document.kind,
    Document.reference,
    Document.title,
    Document.other_titles,
    Document.session,
    Document.current_stage,
    Document.chamber,
    Document.stage_on,
    Document.outcome,
    Document.outcome_on,
    Document.status,
    Document.published_on,
    Document.url,
)
EMAIL_CHANGE_COLUMNS = (Change.kind, Change.document_id, Change.event_id)
EMAIL_EVENT_COLUMNS = (BillEvent.occurred_on, BillEvent.stage, BillEvent.chamber)
ALSO_KNOWN_AS = 3  # other titles shown on a card


def _with_chamber(stage: str, chamber: str) -> str:
    return f"{stage} ({chamber})" if stage and chamber else stage


def announced_stage(change: Change) -> tuple[str, date | None]:
    """The stage a change announces and its day: a new event's own, else the bill's current
    stage and the day it was reached (a statement: its publication day)."""
    event, document = change.event, change.document
    if event is not None:
        return _with_chamber(event.stage, event.chamber), event.occurred_on
    stage = _with_chamber(document.current_stage, document.chamber)
    return stage, document.stage_on or document.published_on


def bill_status(document: Document) -> str:
    """The status line of a bill that stopped moving ("" while active, and for statements)."""
    if document.outcome in ("", ACTIVE):
        return ""
    return status_line(document.outcome, document.outcome_on, document.status)


def email_item(alert: Alert, links: Links) -> EmailItem:
    document = alert.change.document
    stage, day = announced_stage(alert.change)
    others = document.other_titles.splitlines()[:ALSO_KNOWN_AS]
    return EmailItem(
        jurisdiction=document.jurisdiction,
        kind=document.kind,
        reference=document.reference,
        title=document.title,
        stage=stage,
        date=day.isoformat() if day else "",
        status=bill_status(document),
        session=document.session,
        also_known_as="; ".join(others),
        snippet_text=highlight_text(alert.snippet),
        snippet_html=highlight_html(alert.snippet),
        reason=alert.reason,
        url=safe_link(document.url),  # the one allow-list: no javascript: or data: link
        fivewatch_url=links.document(document.id),
        change=CHANGE_NAMES.get(alert.change.kind, alert.change.kind.replace("_", " ")),
    )


def grouped(items: Sequence[EmailItem]) -> list[tuple[str, list[EmailItem]]]:
    """Items per jurisdiction and type, in the order each group first appears."""
    groups: dict[tuple[str, str], list[EmailItem]] = {}
    for item in items:
        groups.setdefault((item.jurisdiction, item.kind), []).append(item)
    return [(_group_name(*key), group) for key, group in groups.items()]


def _group_name(jurisdiction: str, kind: str) -> str:
    return f"{jurisdiction_label(jurisdiction)} — {document_kind_label(kind)}"


def subject_line(items: Sequence[EmailItem], digest: str = "") -> str:
    """What is inside: the first item for immediate alerts, counts per group for a digest."""
    return _digest_subject(items, digest) if digest else _alert_subject(items)


def _alert_subject(items: Sequence[EmailItem]) -> str:
    """`FiveWatch: UK bill, new stage — Online Safety Bill (+2 more)`."""
    first = items[0]
    title = _shortened(first.title)
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    return f"FiveWatch: {first.jurisdiction.upper()} {first.kind}, {first.change} — {title}{more}"


def _digest_subject(items: Sequence[EmailItem], digest: str) -> str:
    """`FiveWatch daily digest: 12 alerts — 7 UK bills, 3 CA statements, 2 US bills`."""
    counts: dict[str, int] = {}
    for item in items:
        label = f"{item.jurisdiction.upper()} {item.kind}"
        counts[label] = counts.get(label, 0) + 1
    parts = [f"{count} {label}{'s' if count != 1 else ''}" for label, count in counts.items()]
    shown = ", ".join(parts[:SUBJECT_GROUPS]) + (", …" if len(parts) > SUBJECT_GROUPS else "")
    noun = "alert" if len(items) == 1 else "alerts"
    return f"FiveWatch {digest} digest: {len(items)} {noun} — {shown}"


def _shortened(title: str) -> str:
    if len(title) <= SUBJECT_TITLE_CHARS:
        return title
    return title[:SUBJECT_TITLE_CHARS].rstrip() + "…"


def render_alerts(
    alerts: Sequence[Alert],
    *,
    subscriber: Subscriber,
    context: MailContext,
    delivery_id: int,
    digest: str = "",
) -> EmailMessage:
    """The email for one delivery, as MIME: immediate alerts, or a `daily` / `weekly` digest."""
    mail = alerts_mail(
        alerts, subscriber=subscriber, context=context, delivery_id=delivery_id, digest=digest
    )
    return mail.as_message()


def alerts_mail(
    alerts: Sequence[Alert],
    *,
    subscriber: Subscriber,
    context: MailContext,
    delivery_id: int,
    digest: str = "",
    outages: Sequence[OutageNotice] = (),
) -> OutgoingMail:
    """The email for one delivery: immediate alerts, or a `daily` / `weekly` digest with the
    outages of its period (alerts.outages)."""
    items = [email_item(alert, context.links) for alert in alerts]
    footer, unsubscribe = _footer_links(subscriber, context.links)
    values = {
        "groups": grouped(items),
        "count": len(items),
        "digest": digest,
        "outages": outages,
        "subject": subject_line(items, digest),
        **footer,
    }
    subscription_ids = sorted({alert.subscription_id for alert in alerts})
    headers = [(SUBSCRIPTION_IDS_HEADER, ",".join(map(str, subscription_ids))), *unsubscribe]
    id_hint = f"delivery-{delivery_id}"
    return _mail("alerts", values, subscriber.email, context, id_hint, headers=headers)


def _footer_links(
    subscriber: Subscriber, links: Links
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Manage and unsubscribe links, signed, and the List-Unsubscribe headers, from one
    unsubscribe token; without a secret key only the site itself and no headers."""
    if not links.secret_key:
        return {"manage_url": links.root, "unsubscribe_url": ""}, []
    url, headers = links.unsubscribe_url_and_headers(subscriber.id)
    footer = {"manage_url": links.manage(subscriber.id), "unsubscribe_url": url}
    return footer, list(headers.items())


def render_confirmation(
    subscriber: Subscriber, subscriptions: Sequence[Subscription], context: MailContext
) -> EmailMessage:
    """The confirmation email (confirmation_mail) as MIME."""
    return confirmation_mail(subscriber, subscriptions, context).as_message()


def confirmation_mail(
    subscriber: Subscriber, subscriptions: Sequence[Subscription], context: MailContext
) -> OutgoingMail:
    """Double opt-in: one confirm link per subscription; nothing else is sent before one is used."""
    pending = [
        {"what": pending_description(subscription), "url": context.links.confirm(subscription.id)}
        for subscription in subscriptions
    ]
    values = {"pending": pending, "count": len(pending)}
    return _mail("confirm", values, subscriber.email, context, f"confirm-{subscriber.id}")


def pending_description(subscription: Subscription) -> str:
    """What a pending subscription is, in our words only: the address is not confirmed yet,
    so the subscriber's name and query (free text anyone could type) are not mailed to it."""
    document = subscription.followed_document
    if document is not None:
        return f"every change to {document.reference or document.title} ({subscription.frequency})"
    return f"alerts on a search ({subscription.frequency})"


def _mail(
    folder: str,
    values: Mapping[str, object],
    to: str,
    context: MailContext,
    id_hint: str,
    *,
    html: bool = True,
    headers: Sequence[tuple[str, str]] = (),
) -> OutgoingMail:
    """Subject, plain text and (unless `html` is False) HTML from one template folder and one
    set of values; `headers` follow the body parts."""
    subject = _env.get_template(f"{folder}/subject.txt").render(values)
    return OutgoingMail(
        sender=header_text(context.mail_from),
        to=to,
        subject=header_text(subject),  # one line whatever a title holds
        date=format_datetime(context.now),
        message_id=make_msgid(id_hint, _domain(context.mail_from)),
        text=_env.get_template(f"{folder}/body.txt").render(values),
        html=_env.get_template(f"{folder}/body.html").render(values) if html else None,
        headers=tuple(headers),
    )


def text_message(
    folder: str, values: Mapping[str, object], to: str, context: MailContext, id_hint: str
) -> EmailMessage:
    """Headers and the plain-text part from `folder`/subject.txt and body.txt, as MIME."""
    return _mail(folder, values, to, context, id_hint, html=False).as_message()


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "fivewatch.invalid"
