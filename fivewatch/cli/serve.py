"""`fivewatch serve`: the web app under uvicorn."""

from __future__ import annotations

import click
import uvicorn

from fivewatch.cli.common import check_database, database_option, load_config
from fivewatch.error_lines import FiveWatchError
from fivewatch.mailer import mail_backend
from fivewatch.web import create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@database_option
def serve(host: str, port: int, database_url: str | None) -> None:
    """Serve the web app and its JSON API (FIVEWATCH_BASE_URL should point at it)."""
    config = load_config(database_url)
    try:  # the missing secret first: it is the one thing every deployment must set
        app = create_app(config, mailer=mail_backend(config))
    except ValueError as error:
        raise FiveWatchError(str(error)) from error
    check_database(config.database_url)
    # The app applies X-Forwarded-* itself, from FIVEWATCH_TRUSTED_PROXIES only (create_app):
    # uvicorn's own pass would trust 127.0.0.1 whatever the setting says.
    uvicorn.run(app, host=host, port=port, proxy_headers=False)
