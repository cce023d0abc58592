"""Process pages: the list, a version with live overlays, diff and download.

Process owners (and admins) see these pages; any signed-in user may read a
version's diagram XML, because the task page shows the diagram to whoever
works the task.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request

from engine import NotFound

from ..auth import login_required, roles_required
from ..context import current_engine
from . import diff, store
from .bundle import as_zip
from .layout import with_diagram
from .stats import element_names, element_stats, human_duration, overlays, wait_rows

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.get("/")
@roles_required("process_owner")
def index() -> str:
    engine = current_engine()
    return render_template("processes/index.html", processes=engine.processes())


@bp.get("/<key>")
@roles_required("process_owner")
def process(key: str) -> str:
    return _version_page(key, None)


@bp.get("/<key>/versions/<int:number>")
@roles_required("process_owner")
def version(key: str, number: int) -> str:
    return _version_page(key, number)


def _version_page(key: str, number: int | None) -> str:
    engine = current_engine()
    shown = store.version(engine, key, number)
    stats = element_stats(engine, shown.id, datetime.now(UTC))
    rows = sorted(stats.items(), key=lambda kv: -(kv[1].avg_wait_seconds or 0))
    return render_template(
        "processes/version.html",
        version=shown,
        versions=list(reversed(store.versions(engine, key))),
        counts=store.instance_counts(engine, key),
        stats=rows,
        overlay=overlays(stats),
        wait_rows=wait_rows(rows, shown.bpmn),
        names=element_names(shown.bpmn),
        human_duration=human_duration,
    )


@bp.get("/versions/<int:version_id>/diagram.bpmn")
@login_required
def version_xml(version_id: int) -> Response:
    """The BPMN of one version, for the diagram partial on any page."""
    found = store.version_by_id(current_engine(), version_id)
    return Response(with_diagram(found.bpmn), mimetype="application/xml")


@bp.get("/<key>/versions/<int:number>/download")
@roles_required("process_owner")
def download(key: str, number: int) -> Response:
    """The whole bundle as a zip, or one file of it with ``?file=name``."""
    found = store.version(current_engine(), key, number)
    name = request.args.get("file")
    if name is not None:
        if name not in found.files:
            abort(404, description=f"version {number} of '{key}' has no file '{name}'")
        mimetype = "application/json" if name.endswith(".json") else "application/xml"
        return _attachment(found.files[name].encode(), mimetype, name.rsplit("/", 1)[-1])
    return _attachment(as_zip(found.files), "application/zip", f"{key}-v{number}.zip")


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<key>/diff")
@roles_required("process_owner")
def compare(key: str) -> str:
    """``?a=1&b=2``: what changed from version a to version b (defaults: the last two)."""
    engine = current_engine()
    all_versions = store.versions(engine, key)
    numbers = [v.number for v in all_versions]
    a = _version_arg("a", numbers[-2] if len(numbers) > 1 else numbers[-1])
    b = _version_arg("b", numbers[-1])
    by_number = {v.number: v for v in all_versions}
    for n in (a, b):
        if n not in by_number:
            raise NotFound(f"version {n} of process '{key}' is not deployed")
    old, new = by_number[a], by_number[b]
    return render_template(
        "processes/diff.html",
        key=key,
        old=old,
        new=new,
        numbers=numbers,
        files=diff.file_diffs(old.files, new.files, f"v{a}", f"v{b}"),
        elements=diff.element_changes(old.bpmn, new.bpmn),
    )


def _version_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        abort(400, description=f"'{name}' must be a version number, not {raw!r}")
    return int(raw)
