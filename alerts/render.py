"""One email per delivery: HTML with inline styles plus a plain-text part, from the same data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import nh3
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from alerts.headers import SUBSCRIPTION_IDS_HEADER
from models import Alert

TEMPLATE_DIR = "alerts"
JURISDICTION_NAMES = {
    "us": "United States",
    "uk": "United Kingdom",
    "ca": "Canada",
    "au": "Australia",
    "nz": "New Zealand",
}
SUBJECT_TITLE_CHARS = 60
_MARKED = re.compile(r"\[\[(.+?)\]\]")

_env = Environment(
    loader=PackageLoader("alerts", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class EmailItem:
    jurisdiction: str
    kind: str
    reference: str
    title: str
    stage: str
    date: str
    snippet_text: str
    snippet_html: Markup
    reason: str
    url: str
    fivewatch_url: str


def highlight_html(snippet: str) -> Markup:
    """Escape first, then turn [[term]] into <mark>; nh3 keeps only <mark> as a last guard."""
    marked = _MARKED.sub(r'<mark style="background:#fff3a3;">\1</mark>', str(escape(snippet)))
    cleaned = nh3.clean(marked, tags={"mark"}, attributes={"mark": {"style"}})
    return Markup(cleaned)  # escaped above, then sanitised by nh3


def highlight_text(snippet: str) -> str:
    return _MARKED.sub(r"*\1*", snippet)


def email_item(alert: Alert, base_url: str) -> EmailItem:
    document = alert.change.document
    when = document.published_on.isoformat() if document.published_on else ""
    return EmailItem(
        jurisdiction=document.jurisdiction,
        kind=document.kind,
        reference=document.reference,
        title=document.title,
        stage=document.current_stage,
        date=when,
        snippet_text=highlight_text(alert.snippet),
        snippet_html=highlight_html(alert.snippet),
        reason=alert.reason,
        url=document.url,
        fivewatch_url=f"{base_url.rstrip('/')}/documents/{document.id}",
    )


def grouped(items: Sequence[EmailItem]) -> list[tuple[str, list[EmailItem]]]:
    """Items per jurisdiction, in the order jurisdictions first appear."""
    groups: dict[str, list[EmailItem]] = {}
    for item in items:
        groups.setdefault(item.jurisdiction, []).append(item)
    return [(JURISDICTION_NAMES.get(code, code.upper()), group) for code, group in groups.items()]


def subject_line(items: Sequence[EmailItem]) -> str:
    """`FiveWatch: 3 new alerts — UK Online Safety Bill …`."""
    count = len(items)
    first = items[0]
    title = first.title
    if len(title) > SUBJECT_TITLE_CHARS:
        title = title[:SUBJECT_TITLE_CHARS].rstrip() + "…"
    more = " …" if count > 1 else ""
    noun = "alert" if count == 1 else "alerts"
    return f"FiveWatch: {count} new {noun} — {first.jurisdiction.upper()} {title}{more}"


def render_alerts(
    alerts: Sequence[Alert],
    *,
    to: str,
    mail_from: str,
    base_url: str,
    now: datetime,
    delivery_id: int,
    extra_headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The email for one delivery; `extra_headers` (List-Unsubscribe, …) are added as given."""
    items = [email_item(alert, base_url) for alert in alerts]
    context = {"groups": grouped(items), "count": len(items), "base_url": base_url}
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = (
        _env.get_template(f"{TEMPLATE_DIR}/subject.txt").render(subject=subject_line(items)).strip()
    )
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(f"delivery-{delivery_id}", _domain(mail_from))
    subscription_ids = sorted({alert.subscription_id for alert in alerts})
    message[SUBSCRIPTION_IDS_HEADER] = ",".join(map(str, subscription_ids))
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content(_env.get_template(f"{TEMPLATE_DIR}/body.txt").render(context))
    message.add_alternative(
        _env.get_template(f"{TEMPLATE_DIR}/body.html").render(context), subtype="html"
    )
    return message


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "fivewatch.invalid"
