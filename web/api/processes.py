"""Deployed processes: list them, deploy a new version (process owners), start one.

A deploy is validated by the engine; a broken definition is a 422 whose
``problems`` name the element, file and line of each fault.
"""

from __future__ import annotations

import posixpath
from typing import Any

from werkzeug.datastructures import FileStorage

from ..context import current_engine
from ._base import blueprint, fail, fails, requires, user
from .idempotency import idempotent, once
from .schemas import (
    DeployedSchema,
    DeployFilesSchema,
    ProcessListSchema,
    StartSchema,
    StepSchema,
)

blp = blueprint("processes", "Process definitions: versions, deploys and new instances")

MAX_FILES = 50


@blp.route("", methods=["GET"])
@blp.response(200, ProcessListSchema)
@fails(blp, 401)
def list_processes() -> dict[str, Any]:
    """Deployed processes, each with its current version."""
    return {"items": current_engine().processes()}


@blp.route("", methods=["POST"])
@requires("process_owner", "only process owners may deploy processes")
@blp.arguments(DeployFilesSchema, location="files")
@blp.response(201, DeployedSchema)
@fails(blp, 401, 403)
def deploy(args: dict[str, Any]) -> dict[str, Any]:
    """Validate and deploy BPMN, DMN and form JSON files as a new version (process owners)."""
    versions = current_engine().deploy(read_files(args["files"]), user=user().username)
    if not versions:
        fail(422, "the files hold no executable process")
    return {"key": versions[0]["key"], "version": versions[0]["version"], "versions": versions}


def read_files(uploads: list[Any]) -> dict[str, str]:
    """The uploaded files by name, as text; 422 naming the file that is not UTF-8 text."""
    if len(uploads) > MAX_FILES:
        fail(422, f"at most {MAX_FILES} files per deploy")
    files: dict[str, str] = {}
    for upload in uploads:
        name = _file_name(upload)
        try:
            files[name] = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            fail(422, f"{name} is not UTF-8 text", {"files": {name: ["not UTF-8 text"]}})
        if "\x00" in files[name]:
            fail(422, f"{name} holds a NUL character", {"files": {name: ["not text"]}})
    return files


def _file_name(upload: Any) -> str:
    """The file's path inside the bundle (``forms/x.json``): relative, never outside it."""
    raw = upload.filename if isinstance(upload, FileStorage) else None
    name = posixpath.normpath((raw or "").replace("\\", "/")) if raw else ""
    if not name or name in (".", "..") or name.startswith(("/", "../")) or "\x00" in name:
        fail(
            422,
            f"bad file name {raw!r}: give each file a relative name",
            {"files": [f"bad file name {raw!r}"]},
        )
    return name


@blp.route("/<string:key>/instances", methods=["POST"])
@blp.arguments(StartSchema)
@idempotent(blp)
@blp.response(201, StepSchema)
@fails(blp, 400, 401, 404, 409)
def start(args: dict[str, Any], header: dict[str, Any], key: str) -> dict[str, Any]:
    """Start the newest version of process ``key`` with ``data``."""
    return once(
        header,
        lambda request_id: current_engine().start(
            key, args["data"], user=user().username, request_id=request_id
        ),
    )
