"""The `fivewatch` command: every command takes --database-url (DESIGN §7)."""

from __future__ import annotations

import logging
from typing import Any

import click

from fivewatch.cli.alert_commands import (
    confirm_command,
    deliveries_command,
    follow_command,
    match_command,
    send_command,
    subscribe_command,
    subscribers_command,
    subscriptions_command,
    unsubscribe_command,
)
from fivewatch.cli.analysts import history_command, search_command
from fivewatch.cli.common import ConsoleLogHandler
from fivewatch.cli.crawl import crawl, sources
from fivewatch.cli.demo import demo
from fivewatch.cli.dev import dev
from fivewatch.cli.diff import diff_command
from fivewatch.cli.failures import explain
from fivewatch.cli.query_commands import query_group
from fivewatch.cli.run import run_command
from fivewatch.cli.schema_commands import db
from fivewatch.cli.serve import serve
from fivewatch.cli.topic_commands import topics_command
from fivewatch.cli.transfer_commands import export_command, import_command


class FiveWatchGroup(click.Group):
    """Commands whose operational failures print one line and a hint (fivewatch.cli.failures);
    with -v, the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            failure = explain(error)
            if failure is None or ctx.params.get("verbose"):
                raise
            raise failure from error


@click.group(cls=FiveWatchGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="fivewatch")
def cli(verbose: int) -> None:
    """FiveWatch: bills and ministerial statements on online child protection, with alerts."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ConsoleLogHandler)]:
        root.removeHandler(old)  # a second invocation in one process (tests)
    handler = ConsoleLogHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for each in root.handlers:
        # Scrapy sets its own loggers to DEBUG: filter at the handler so -v governs everything.
        each.setLevel(level)


for command in (
    db,
    crawl,
    sources,
    subscribe_command,
    follow_command,
    match_command,
    send_command,
    search_command,
    history_command,
    diff_command,
    query_group,
    demo,
    serve,
    confirm_command,
    unsubscribe_command,
    subscribers_command,
    subscriptions_command,
    deliveries_command,
    topics_command,
    run_command,
    export_command,
    import_command,
    dev,
):
    cli.add_command(command)


def main() -> None:
    cli()
