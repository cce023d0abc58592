"""Deploying bundles as immutable versions; reading what is deployed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ._definitions import ParsedVersion, parse_bundle
from ._errors import DefinitionError, NotFound, Problem
from ._runtime import Runtime
from .models import ProcessVersion

BUNDLE_SUFFIXES = (".bpmn", ".dmn", ".json")


def read_bundle(folder: Path) -> dict[str, str]:
    """The files of one process folder, keyed by their path inside it (``forms/x.json``)."""
    if not folder.is_dir():
        raise DefinitionError([Problem(f"{folder} is not a folder")])
    files = {
        str(p.relative_to(folder)).replace("\\", "/"): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in BUNDLE_SUFFIXES
    }
    if not files:
        raise DefinitionError([Problem(f"{folder} holds no .bpmn, .dmn or .json file")])
    return files


def bundles_under(path: Path) -> dict[str, dict[str, str]]:
    """A folder holding a .bpmn is one bundle; otherwise each sub-folder is one."""
    if any(path.glob("*.bpmn")):
        return {path.name: read_bundle(path)}
    return {
        sub.name: read_bundle(sub)
        for sub in sorted(path.iterdir())
        if sub.is_dir() and any(sub.rglob("*.bpmn"))
    }


def validate(rt: Runtime, files: Mapping[str, str]) -> list[ParsedVersion]:
    """Parse and check a bundle without deploying it."""
    return parse_bundle(files, rt.operators)


def deploy(
    rt: Runtime, session: Session, files: Mapping[str, str], user: str | None = None
) -> list[ProcessVersion]:
    """Deploy every executable process of the bundle; unchanged content keeps its version."""
    versions = parse_bundle(files, rt.operators)
    rows = []
    for parsed in versions:
        existing = session.scalar(
            sa.select(ProcessVersion)
            .where(ProcessVersion.key == parsed.key)
            .order_by(ProcessVersion.version.desc())
            .limit(1)
            .with_for_update()
        )
        if existing is not None and existing.content_hash == parsed.content_hash:
            rows.append(existing)
            continue
        row = ProcessVersion(
            key=parsed.key,
            version=(existing.version + 1) if existing else 1,
            name=parsed.name,
            content_hash=parsed.content_hash,
            files=dict(files),
            start_messages=list(parsed.start_messages),
            deployed_by=user,
        )
        session.add(row)
        session.flush()
        rt.definitions.put(parsed)
        rt.versions_by_id[row.id] = parsed
        rt.newest[parsed.key] = (row.id, row.version)
        rows.append(row)
    return rows


def latest(session: Session, key: str) -> tuple[int, int]:
    """``(version_id, version)`` of the newest version of ``key``."""
    row = session.execute(
        sa.select(ProcessVersion.id, ProcessVersion.version)
        .where(ProcessVersion.key == key)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no process '{key}' is deployed")
    return row.id, row.version


def list_processes(session: Session) -> list[dict[str, Any]]:
    """Each deployed process with its newest version."""
    newest = (
        sa.select(ProcessVersion.key, sa.func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.key)
        .subquery()
    )
    rows = session.scalars(
        sa.select(ProcessVersion)
        .join(newest, (newest.c.key == ProcessVersion.key) & (newest.c.v == ProcessVersion.version))
        .order_by(ProcessVersion.key)
    ).all()
    return [r.summary() for r in rows]


def versions_of(session: Session, key: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.key == key).order_by(ProcessVersion.version)
    ).all()
    return [r.summary() for r in rows]
