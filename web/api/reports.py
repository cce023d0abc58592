"""``GET /api/reports/<name>``: pipeline, SLA and campaign results (managers, owners, admins)."""

from __future__ import annotations

from typing import Any

from ..context import current_engine
from ._base import blueprint, fail, fails, user
from .report_queries import REPORTS
from .schemas import ReportSchema

blp = blueprint("reports", "Aggregate reports over the CRM store and the inbox")


@blp.route("/<string:name>", methods=["GET"])
@blp.response(200, ReportSchema)
@fails(blp, 401, 403, 404)
def report(name: str) -> dict[str, Any]:
    """``pipeline`` (deals by stage), ``sla`` (tasks overdue by group), ``campaigns`` (ROI)."""
    me = user()
    if not (me.is_manager or me.is_process_owner):
        fail(403, "reports are for managers, process owners and admins")
    query = REPORTS.get(name)
    if query is None:
        fail(404, f"no report '{name}'; there are: {', '.join(REPORTS)}")
    with current_engine().session() as session:
        return {"report": name, **query(session)}
