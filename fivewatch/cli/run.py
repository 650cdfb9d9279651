"""`fivewatch run`: the long-running scheduler, with structured logs on stderr."""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from fivewatch.cli.common import database_option, jobs_option, load_config, session_factory
from fivewatch.config import Config
from fivewatch.error_lines import FiveWatchError
from fivewatch.health_policy import HealthPolicy
from fivewatch.logs import configure_logging
from fivewatch.mailer import deliver, mail_backend
from fivewatch.scheduler import Scheduler, instance_lock


def secret_values(config: Config) -> list[str]:
    """Every value a log line must never show: keys, the SMTP URL, the database password."""
    password = make_url(config.database_url).password
    keys = (config.secret_key, config.sendgrid_api_key, config.smtp_url, config.congress_api_key)
    return [str(value) for value in (*keys, password) if value and value != "DEMO_KEY"]


@click.command("run")
@click.argument("sources", nargs=-1)
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Crawl from a recorded cassette folder instead of the network.",
)
@jobs_option
@database_option
def run_command(
    sources: tuple[str, ...], replay: Path | None, jobs: int, database_url: str | None
) -> None:
    """Crawl SOURCES (all when none) at their intervals, then match and send; until SIGTERM."""
    config = load_config(database_url)
    # A service reports each step: at least INFO, whatever -v says.
    level = min(logging.getLogger().getEffectiveLevel(), logging.INFO)
    try:
        configure_logging(level, log_format=config.log_format, secrets=secret_values(config))
        policy = HealthPolicy.from_config(config)
    except ValueError as error:
        raise FiveWatchError(str(error)) from error
    # One stop flag: SIGTERM ends the cycle, and a send or match in progress at its next
    # safe point (not after the whole outbox, which could outlast systemd's stop timeout).
    stopping = threading.Event()
    sessions = session_factory(config)
    scheduler = Scheduler(
        config.database_url,
        sessions,
        partial(deliver, config, mail_backend(config), sessions, stop=stopping.is_set),
        policy,
        list(sources) or None,
        replay,
        jobs,
        stopping=stopping,
    )
    with instance_lock(config.database_url):
        scheduler.install_signal_handlers()
        scheduler.run()
