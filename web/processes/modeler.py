"""The in-browser modeler: edit BPMN (bpmn-js), DMN (dmn-js) and forms; validate; deploy.

Validate and deploy are JSON endpoints the modeler page calls with the files it
edited; the rest of the base version's bundle is kept. Problems come back with
the BPMN element id, so the page marks the element that is wrong.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request, url_for

from engine import DefinitionError

from ..auth import roles_required, signed_in_user
from ..context import current_engine
from . import store
from .bundle import files_from_request, merged, problem_dicts
from .layout import with_diagram
from .views import bp


@bp.get("/<key>/versions/<int:number>/edit")
@roles_required("process_owner")
def modeler(key: str, number: int) -> str:
    base = store.version(current_engine(), key, number)
    files = {n: with_diagram(t) if n.endswith(".bpmn") else t for n, t in base.files.items()}
    return render_template("processes/modeler.html", version=base, files=files)


@bp.post("/<key>/versions/<int:number>/validate")
@roles_required("process_owner")
def validate(key: str, number: int) -> tuple[Response, int]:
    """200 ``{"ok": true, "processes": [...]}`` or 422 ``{"ok": false, "problems": [...]}``."""
    base = store.version(current_engine(), key, number)
    try:
        files = merged(base.files, files_from_request(request.get_json(silent=True)))
        parsed = current_engine().validate(files)
    except DefinitionError as exc:
        return _problems(exc)
    return jsonify({"ok": True, "processes": [p.key for p in parsed]}), 200


@bp.post("/<key>/versions/<int:number>/deploy")
@roles_required("process_owner")
def deploy(key: str, number: int) -> tuple[Response, int]:
    """Deploy the edited bundle as a new version (201), the same content as it was (200)."""
    engine = current_engine()
    base = store.version(engine, key, number)
    newest_before = store.version(engine, key).number
    try:
        files = merged(base.files, files_from_request(request.get_json(silent=True)))
        deployed = engine.deploy(files, user=signed_in_user().username)
    except DefinitionError as exc:
        return _problems(exc)
    mine = next((d for d in deployed if d["key"] == key), deployed[0])
    created = mine["key"] != key or mine["version"] > newest_before
    body: dict[str, Any] = {
        "ok": True,
        "key": mine["key"],
        "version": mine["version"],
        "created": created,
        "deployed": [{"key": d["key"], "version": d["version"]} for d in deployed],
        "url": url_for("processes.version", key=mine["key"], number=mine["version"]),
    }
    return jsonify(body), 201 if created else 200


def _problems(exc: DefinitionError) -> tuple[Response, int]:
    return jsonify({"ok": False, "problems": problem_dicts(exc.problems)}), 422
