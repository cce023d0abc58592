"""Bundles sent by the modeler: checked, merged over the version they were edited from.

The browser sends only the files it holds (``{"files": {name: text}}``); the
rest of the base version's bundle (forms, other diagrams) is kept, so a
process owner can change one diagram without uploading every form again.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

from engine import DefinitionError, Problem

SUFFIXES = (".bpmn", ".dmn", ".json")
MAX_FILES = 50
MAX_BYTES = 2_000_000


def files_from_request(body: Any) -> dict[str, str]:
    """The ``files`` of a JSON body, or a DefinitionError saying what is wrong with them."""
    if not isinstance(body, Mapping):
        raise DefinitionError([Problem('send a JSON object like {"files": {"x.bpmn": "..."}}')])
    files = body.get("files")
    if not isinstance(files, Mapping) or not files:
        raise DefinitionError([Problem("'files' must be a non-empty object of name -> text")])
    if len(files) > MAX_FILES:
        raise DefinitionError([Problem(f"at most {MAX_FILES} files per bundle")])
    problems = [p for name, text in files.items() for p in _check_file(name, text)]
    if problems:
        raise DefinitionError(problems)
    if sum(len(t) for t in files.values()) > MAX_BYTES:
        raise DefinitionError([Problem(f"the bundle is larger than {MAX_BYTES} bytes")])
    return {str(name): str(text) for name, text in files.items()}


def _check_file(name: Any, text: Any) -> list[Problem]:
    if not isinstance(name, str) or not name.endswith(SUFFIXES):
        return [Problem(f"file name {name!r} must end with .bpmn, .dmn or .json")]
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        return [Problem("file names are relative paths inside the bundle", file=name)]
    if not isinstance(text, str):
        return [Problem("file content must be text", file=name)]
    return []


def merged(base: Mapping[str, str], changed: Mapping[str, str]) -> dict[str, str]:
    """The base bundle with ``changed`` files replacing or adding to it."""
    return {**base, **changed}


def as_zip(files: Mapping[str, str]) -> bytes:
    """The bundle as a zip archive, one entry per file, as ``clientflow deploy`` reads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "message": p.message,
            "element_id": p.element_id,
            "file": p.file,
            "line": p.line,
            "text": str(p),
        }
        for p in problems
    ]
