"""Admin pages (behind the admin password): source health, incidents, crawl runs, the outbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from starlette.responses import Response

from fivewatch.web import queries
from fivewatch.web.security import require_admin
from fivewatch.web.state import SessionDep, StateDep, render
from models import Delivery
from models.incidents import recent_incidents

router = APIRouter(
    prefix="/admin",
    default_response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(require_admin)],
)


@router.get("")
def admin_home(request: Request, session: SessionDep, state: StateDep) -> Response:
    outbox = session.execute(
        select(Delivery.status, func.count()).group_by(Delivery.status).order_by(Delivery.status)
    ).all()
    context = {
        "sources": queries.sources(session, state.config),
        "incidents": recent_incidents(session),
        "runs": queries.latest_runs(session),
        "outbox": [(status, count) for status, count in outbox],
    }
    return render(request, "admin.html", context)
