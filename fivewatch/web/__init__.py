"""The FiveWatch web app (FastAPI + Jinja2, server-rendered): `create_app(config)`."""

from fivewatch.web.app import create_app

__all__ = ["create_app"]
