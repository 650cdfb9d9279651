"""How the outbox reads on a terminal: `send --dry-run`'s previews and `deliveries`' record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from alerts.delivery_record import DeliveryRow
from alerts.preview import PreviewMail

RECORD_WIDTH = 80
# A preview's kind in words (digests of both frequencies are counted together).
KIND_WORDS = {
    "alerts": "alert email",
    "daily": "digest",
    "weekly": "digest",
    "confirmation": "confirmation",
    "admin": "admin note",
}


def _kind_word(kind: str) -> str:
    return KIND_WORDS.get(kind, kind)


def _counted(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def preview_summary(previews: Sequence[PreviewMail]) -> str:
    """The count, emails by kind, e.g. "3 emails and 1 notification would go: 2 digests,
    1 confirmation" (a notification is a chat or webhook post)."""
    if not previews:
        return "No email or notification would go."
    emails = [preview for preview in previews if not preview.is_notification]
    counts = [_counted(len(emails), "email")] if emails else []
    if notifications := len(previews) - len(emails):
        counts.append(_counted(notifications, "notification"))
    kinds = Counter(_kind_word(preview.kind) for preview in emails)
    by_count = sorted(kinds.items(), key=lambda kind: (-kind[1], kind[0]))
    parts = ", ".join(_counted(count, word) for word, count in by_count)
    head = f"{' and '.join(counts)} would go"
    return f"{head}: {parts}" if parts else head


def preview_text(preview: PreviewMail) -> str:
    """One preview as a person reads it: who, what, the alerts in it, then the text body (a
    notification's JSON payload)."""
    queued = (
        f"delivery {preview.delivery_id}"
        if preview.delivery_id is not None
        else "queued by the next send"
    )
    lines = [
        "",
        f"--- {preview.kind}{' notification' * preview.is_notification} to "
        f"{preview.recipient} ({queued})",
        f"Subject: {preview.subject}",
        f"Alerts: {len(preview.alerts)}",
        *(f"  - {title}" for title in preview.alerts),
    ]
    if preview.problem and preview.is_notification:
        lines.append(f"Would not be posted: {preview.problem}")
    elif preview.problem:
        lines.append(f"Cannot be rendered (the send would hold it): {preview.problem}")
    return "\n".join([*lines, "", preview.text.rstrip()])


def record_lines(email: str, rows: Sequence[DeliveryRow]) -> list[str]:
    """The record in 80 columns: per delivery a line of facts, then its subject and last
    error indented below, each cut with "…" (the CSV and JSON exports keep them whole)."""
    lines = [f"Deliveries to {email}: {len(rows)}, newest first"]
    for row in rows:
        lines += ["", f"{row.when_text}  {row.kind:<12}  {row.channel:<8.8}  {row.status:<9}"
                      f"  {_counted(row.alerts, 'alert')}"]  # fmt: skip
        error = row.last_error and f"last error: {row.last_error}"
        lines += [_cut(f"    {text}") for text in (row.subject, error) if text]
    return lines


def _cut(line: str) -> str:
    return line if len(line) <= RECORD_WIDTH else line[: RECORD_WIDTH - 1] + "…"
