"""Interactive API docs at /docs: Swagger UI served by the app itself, so they work offline.

FastAPI's own /docs loads Swagger UI from a CDN. fastapi-offline ships Swagger UI 5 (which
reads the OpenAPI 3.1 FastAPI writes; swagger-ui-bundle's 4.15 does not); only its files are used.
Swagger UI starts from one inline script that FastAPI writes: this page's CSP allows exactly that
script by its hash, so no page loosens `script-src 'self'` and nothing runs 'unsafe-inline'.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from fivewatch.web.security import content_security_policy, inline_script_hash

ASSETS = "/docs-assets"
SWAGGER_UI = Path(str(files("fastapi_offline") / "static"))
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url="data:,",
        # Swagger UI's default asks validator.swagger.io for a badge: nothing leaves the app.
        swagger_ui_parameters={"validatorUrl": None},
    )
    scripts = _INLINE_SCRIPT.findall(bytes(page.body).decode())
    allowed = " ".join(["'self'", *map(inline_script_hash, scripts)])
    page.headers["Content-Security-Policy"] = content_security_policy(script_src=allowed)
    return page


def add_docs(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="docs-assets")
    app.include_router(router)
