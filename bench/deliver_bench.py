"""Delivery throughput: render and send N daily digests through the real SendGrid client.

Documents are the real recorded texts (LEGISinfo bills of session 45-1 and Canada News Centre
statements, via bench.search_bench). N confirmed subscribers each get a daily digest of --items
alerts; the outbox queues them at 07:00 and --workers sender processes claim, render, POST to
a local v3 endpoint (its own process, answering 202) and record each one, as `fivewatch send`
does (SendGrid over one kept-alive connection per sender, as in production). Memory stays
bounded: a sender holds one claimed batch (alerts.deliver.CLAIM_BATCH) at a time. It also prints
the CPU the senders and the endpoint used per email, which other load on the machine moves
less than emails/s. Baseline, in the same run: --baseline-digests digests (own database, same
workers and endpoint) sent the way the `sendgrid` client does it as documented
(`SendGridAPIClient` -> `client.mail.send.post`: a new urllib opener and a new connection for
every POST), everything else as in production. Webhooks, in the same run: --webhooks
notifications of the same alerts to a generic JSON webhook destination (a subscription with
--channel and --no-email) through the same outbox and workers, POSTed by
alerts.backends.webhook to the same local endpoint. The last line printed is one JSON object:
{emails_per_s, api_calls, peak_rss_mb, baseline_emails_per_s, ratio_vs_documented_client,
webhooks_per_s, webhook_calls}.

--workers defaults to 2, by measurement on this 2-core machine (10,000 digests, 2026-11-29, load
average 1.4-5 from other work): 1 worker 251/s, 2 workers 234-490/s, 3 workers 206-217/s, 4
workers 167/s. Each sender is CPU-bound once its connection is kept alive; more senders than
cores add contention (SQLite write-lock waits and claim races, most likely): CPU per email rose
from 3.9-4.3 ms to 5.0-5.2 ms with 3 or 4.

    python -m bench.deliver_bench [--digests 10000] [--items 5] [--workers 2] \\
        [--baseline-digests 2000] [--webhooks 5000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from alerts.backends.sendgrid import SendGridBackend
from alerts.backends.webhook import WebhookBackend
from alerts.channels import Destination
from alerts.deliver import DeliverySummary, queue_deliveries, send_pending
from alerts.mail_links import Links
from bench.search_bench import _rows, bill_templates, statement_templates
from models import Alert, Change, Delivery, Document, Source, Subscriber, Subscription
from models.db import make_engine, make_session_factory, upgrade

BATCH = 5_000
START = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
DIGEST_TIME = START + timedelta(hours=2)  # 07:00 UTC: every digest is due
HOOK = "/hook"  # the webhook destination's path on the local endpoint


def serve_v3(port: Any, calls: Synchronized[int], refused: Synchronized[int]) -> None:
    """A /v3/mail/send endpoint answering 202 to every well-formed request, and a /hook
    webhook destination answering 200 to every notification that carries its alerts."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == HOOK:
                well_formed = bool(payload.get("alerts"))
            else:
                well_formed = payload.get("personalizations") and payload.get("content")
            with calls.get_lock():
                calls.value += 1
            if not well_formed:
                with refused.get_lock():
                    refused.value += 1
            self.send_response((200 if self.path == HOOK else 202) if well_formed else 400)
            self.send_header("X-Message-Id", f"bench-{calls.value}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: counts are what the bench reports."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.value = server.server_address[1]
    server.serve_forever()


def build(engine: Engine, digests: int, items: int, channel: str = "") -> int:
    """Real documents, one new-document change each, and `items` alerts per subscriber
    (to `channel` only, when given)."""
    upgrade(engine)
    templates = bill_templates() + statement_templates()
    with Session(engine) as session:
        session.add(Source(id=1, slug="bench", jurisdiction="ca", kind="bills"))
        session.execute(insert(Document), list(_rows(templates, 0, len(templates))))
        session.execute(insert(Change), [_change(n) for n in range(1, len(templates) + 1)])
        for start in range(0, digests, BATCH):
            stop = min(start + BATCH, digests)
            _subscribers(session, start, stop, items, len(templates), channel)
        session.commit()
    return len(templates)


def _change(document_id: int) -> dict[str, Any]:
    return {"id": document_id, "key": f"doc:{document_id}", "kind": "new_document",
            "document_id": document_id, "created_at": START}  # fmt: skip


def _subscribers(
    session: Session, start: int, stop: int, items: int, documents: int, channel: str
) -> None:
    numbers = range(start + 1, stop + 1)
    session.execute(insert(Subscriber), [
        {"id": n, "email": f"reader{n}@example.org", "timezone": "UTC", "confirmed_at": START}
        for n in numbers
    ])  # fmt: skip
    session.execute(insert(Subscription), [
        {"id": n, "subscriber_id": n, "query": "child*", "frequency": "daily",
         "channel": channel, "by_email": not channel} for n in numbers
    ])  # fmt: skip
    session.execute(insert(Alert), [
        {"subscription_id": n, "change_id": (n * items + i) % documents + 1, "created_at": START,
         "reason": "new bill; matched child* in title", "snippet": "protecting [[children]] online"}
        for n in numbers for i in range(items)
    ])  # fmt: skip


class DocumentedClientBackend(SendGridBackend):
    """The baseline: SendGridBackend posting through the client's own request path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mail_send = self._client.client.mail.send  # a new opener and connection per POST

    def close(self) -> None:
        """Nothing is kept open between requests."""


Backend = type[SendGridBackend]


def sender(
    database_url: str,
    url: str,
    results: multiprocessing.SimpleQueue[dict[str, int]],
    backend_class: Backend,
) -> None:
    """One `fivewatch send`, in its own process: its summary, as a dict, on `results`."""
    backend = backend_class("SG.bench", host=url, timeout=10, max_retries=0)
    channels = WebhookBackend({"bench": Destination("bench", "webhook", f"{url}{HOOK}")})
    summary = send_pending(
        make_session_factory(make_engine(database_url)), backend, now=DIGEST_TIME,
        mail_from="FiveWatch <alerts@fw.example>",
        links=Links("https://fivewatch.example.org", "bench-secret"), channels=channels,
    )  # fmt: skip
    channels.close()
    results.put(dict(vars(summary)))


def send_all(
    database_url: str, url: str, workers: int, backend_class: Backend
) -> tuple[DeliverySummary, float]:
    """`workers` sender processes at once, as several `fivewatch send` would; seconds taken."""
    queue: multiprocessing.SimpleQueue[dict[str, int]] = multiprocessing.SimpleQueue()
    senders = [
        multiprocessing.Process(target=sender, args=(database_url, url, queue, backend_class))
        for _ in range(workers)
    ]
    began = time.perf_counter()
    for process in senders:
        process.start()
    for process in senders:
        process.join()
    elapsed = time.perf_counter() - began
    total = DeliverySummary()
    for _ in senders:
        for name, value in queue.get().items():
            setattr(total, name, getattr(total, name) + value)
    return total, elapsed


def children_cpu_s() -> float:
    """CPU seconds (user + system) of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The largest resident set of this process or of any sender it ran (Linux: kB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    senders = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, senders) / 1024, 1)


@dataclass(frozen=True)
class Sent:
    emails: int
    seconds: float
    api_calls: int

    @property
    def per_s(self) -> float:
        return round(self.emails / self.seconds, 1)


def measure(
    digests: int,
    items: int,
    workers: int,
    directory: Path,
    backend_class: Backend,
    channel: str = "",
) -> Sent:
    """Build a database of `digests` queued digests in `directory` (to `channel` only, when
    given), send them all, report."""
    database_url = f"sqlite:///{directory / 'bench.db'}"
    engine = make_engine(database_url)
    documents = build(engine, digests, items, channel)
    with Session(engine) as session, session.begin():
        queued = queue_deliveries(session, DIGEST_TIME)
    print(f"{documents} real documents, {queued:,} daily digests of {items} alerts queued")
    port, calls, refused = (
        multiprocessing.Value("i", 0),
        multiprocessing.Value("i", 0),
        multiprocessing.Value("i", 0),
    )
    endpoint = multiprocessing.Process(target=serve_v3, args=(port, calls, refused), daemon=True)
    cpu_before = children_cpu_s()
    endpoint.start()
    while not port.value:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port.value}"
    summary, elapsed = send_all(database_url, url, workers, backend_class)
    endpoint.terminate()
    endpoint.join()
    cpu = children_cpu_s() - cpu_before
    with Session(engine) as session:
        sent = session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))
    engine.dispose()
    print(f"{summary}; {sent:,} recorded sent in {elapsed:.1f}s with {workers} workers")
    print(f"{calls.value:,} API calls, {refused.value} refused by the endpoint")
    # Independent of what else the machine runs: the CPU the senders and the endpoint used.
    print(f"{1000 * cpu / max(sent or 0, 1):.2f} ms CPU per email (senders and endpoint)")
    return Sent(sent or 0, elapsed, calls.value)


def run(
    digests: int, items: int, workers: int, baseline_digests: int, webhooks: int
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as baseline_dir, tempfile.TemporaryDirectory() as main_dir:
        print("baseline: the sendgrid client's documented path (a connection per POST)")
        baseline = measure(baseline_digests, items, workers, Path(baseline_dir),
                           DocumentedClientBackend)  # fmt: skip
        print("FiveWatch: one kept-alive connection per sender")
        main = measure(digests, items, workers, Path(main_dir), SendGridBackend)
    with tempfile.TemporaryDirectory() as hooks_dir:
        print("webhooks: the same digests to a generic JSON webhook destination only")
        hooks = measure(webhooks, items, workers, Path(hooks_dir), SendGridBackend, "bench")
    ratio = main.per_s / baseline.per_s
    print(f"{main.per_s:,.1f} emails/s, {ratio:.2f}x the baseline's {baseline.per_s:,.1f}")
    print(f"{hooks.per_s:,.1f} webhook notifications/s")
    return {
        "emails_per_s": main.per_s,
        "api_calls": main.api_calls,
        "peak_rss_mb": peak_rss_mb(),
        "baseline_emails_per_s": baseline.per_s,
        "ratio_vs_documented_client": round(ratio, 2),
        "webhooks_per_s": hooks.per_s,
        "webhook_calls": hooks.api_calls,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=5, help="alerts per digest")
    parser.add_argument(
        "--workers", type=int, default=2, help="sender processes at once (2: one per core)"
    )
    parser.add_argument("--baseline-digests", type=int, default=2_000, help="baseline's digests")
    parser.add_argument("--webhooks", type=int, default=5_000, help="webhook notifications")
    args = parser.parse_args(argv)
    figures = run(args.digests, args.items, args.workers, args.baseline_digests, args.webhooks)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
