"""Operations for admins: find instances, look inside one, and act on it.

Actions go through the engine (retry, skip, suspend, resume, cancel), each one
step with its own audit entry naming the admin; an action the instance's state
does not allow comes back from the engine as a Conflict (409).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..auth import roles_required, signed_in_user
from ..context import current_engine
from ..processes import store
from .element_states import element_states
from .queries import STATUSES, FilterError, list_instances, parse_filters, process_keys
from .scripts import scripts_of

bp = Blueprint("operations", __name__, url_prefix="/operations")

ACTIONS = ("retry", "skip", "suspend", "resume", "cancel")


@bp.get("/")
@roles_required("admin")
def index() -> Response:
    return redirect(url_for("operations.instances"))


@bp.get("/instances")
@roles_required("admin")
def instances() -> tuple[str, int]:
    engine = current_engine()
    try:
        filters = parse_filters(request.args)
    except FilterError as exc:
        page = render_template(
            "operations/instances.html",
            items=[],
            more=False,
            filters=None,
            raw=request.args,
            errors=exc.errors,
            statuses=STATUSES,
            keys=process_keys(engine),
        )
        return page, 400
    items, more = list_instances(engine, filters)
    page = render_template(
        "operations/instances.html",
        items=items,
        more=more,
        filters=filters,
        raw=filters.raw,
        errors={},
        statuses=STATUSES,
        keys=process_keys(engine),
    )
    return page, 200


@bp.get("/instances/<instance_id>")
@roles_required("admin")
def instance(instance_id: str) -> str:
    engine = current_engine()
    detail = engine.instance(_uuid(instance_id))
    version = store.version_by_id(engine, detail["version_id"])
    incidents = [
        {
            **i,
            "scripts": scripts_of(version.bpmn, i["task"], i["line_number"], i["error_line"])
            if i["task"]
            else [],
        }
        for i in detail["incidents"]
    ]
    return render_template(
        "operations/instance.html",
        instance=detail,
        version=version,
        incidents=incidents,
        marks=element_states(engine, detail, version.bpmn),
        task_data=_task_data(detail),
        data_json=json.dumps(detail["data"], indent=2, ensure_ascii=False, default=str),
    )


def _task_data(detail: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per work item id: the data it was completed with (from the audit trail)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in detail["history"]:
        if entry["action"] == "task_completed" and entry["task_id"]:
            found[entry["task_id"]] = entry["after"] or {}
    return found


@bp.post("/instances/<instance_id>/<action>")
@roles_required("admin")
def act(instance_id: str, action: str) -> Response:
    """retry (optionally with corrected data), skip, suspend, resume or cancel."""
    if action not in ACTIONS:
        abort(404, description=f"unknown action '{action}': use one of {', '.join(ACTIONS)}")
    engine = current_engine()
    target = _uuid(instance_id)
    user = signed_in_user().username
    if action == "retry":
        engine.retry(target, user=user, data=_fix_data())
    else:
        getattr(engine, action)(target, user=user)
    flash(_("Done: %(action)s.", action=action), "info")
    return redirect(url_for("operations.instance", instance_id=str(target)))


def _fix_data() -> dict[str, Any] | None:
    """The optional JSON object of corrections sent with a retry."""
    text = (request.form.get("data") or "").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        abort(400, description=f"the corrected data is not valid JSON: {exc}")
    if not isinstance(data, dict):
        abort(400, description='the corrected data must be a JSON object like {"amount": 10}')
    return data


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        abort(404, description=f"'{text}' is not an instance id")
