"""The instance list: filters over ``process_instance`` rows, never a workflow loaded.

Read-only, through the engine's session (the façade has no instance list).
Filters come from the query string; a bad value is a ``FilterError`` that the
page shows next to the field with a 400.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from engine import Engine
from engine.models import Incident, Instance, InstanceStatus, ProcessVersion

PAGE_SIZE = 50
STATUSES = tuple(s.value for s in InstanceStatus)


class FilterError(ValueError):
    """A filter value that cannot be used; ``errors`` maps field -> message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Filters:
    process: str | None = None
    status: str | None = None
    version: int | None = None
    customer: str | None = None
    started_from: date | None = None
    started_to: date | None = None
    instance: str | None = None
    page: int = 1
    raw: Mapping[str, str] = field(default_factory=dict)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read the query string; raise FilterError naming every bad field."""
    errors: dict[str, str] = {}
    raw = {k: v.strip() for k, v in args.items() if isinstance(v, str) and v.strip()}
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    version = _int(raw, "version", errors)
    page = _int(raw, "page", errors) or 1
    started_from = _date(raw, "started_from", errors)
    started_to = _date(raw, "started_to", errors)
    if errors:
        raise FilterError(errors)
    return Filters(
        process=raw.get("process"),
        status=status,
        version=version,
        customer=raw.get("customer"),
        started_from=started_from,
        started_to=started_to,
        instance=raw.get("instance"),
        page=page,
        raw=raw,
    )


def _int(raw: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        errors[name] = "must be a whole number from 1"
        return None
    return int(value)


def _date(raw: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date like 2026-12-01"
        return None


def list_instances(engine: Engine, filters: Filters) -> tuple[list[dict[str, Any]], bool]:
    """One page of instances, newest first, and whether another page follows."""
    query = (
        sa.select(Instance, ProcessVersion.version, ProcessVersion.name)
        .join(ProcessVersion, ProcessVersion.id == Instance.version_id)
        .where(*_conditions(filters))
        .order_by(Instance.started_at.desc(), Instance.id)
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    with engine.session() as session:
        rows = session.execute(query).all()
        ids = [r[0].id for r in rows[:PAGE_SIZE]]
        incidents = _open_incidents(session, ids)
        items = [
            {
                "id": str(inst.id),
                "process": inst.process_key,
                "name": name,
                "version": number,
                "status": inst.status,
                "customer_id": inst.customer_id,
                "business_key": inst.business_key,
                "started_at": inst.started_at,
                "started_by": inst.started_by,
                "updated_at": inst.updated_at,
                "incident": incidents.get(inst.id),
            }
            for inst, number, name in rows[:PAGE_SIZE]
        ]
    return items, len(rows) > PAGE_SIZE


def _conditions(f: Filters) -> list[Any]:
    conditions: list[Any] = []
    if f.process:
        conditions.append(Instance.process_key == f.process)
    if f.status:
        conditions.append(Instance.status == f.status)
    if f.version:
        conditions.append(ProcessVersion.version == f.version)
    if f.customer:
        conditions.append(Instance.customer_id == f.customer)
    if f.started_from:
        conditions.append(Instance.started_at >= _midnight(f.started_from))
    if f.started_to:
        conditions.append(Instance.started_at < _midnight(f.started_to + timedelta(days=1)))
    if f.instance:
        conditions.append(_instance_match(f.instance))
    return conditions


def _instance_match(text: str) -> Any:
    """A whole instance id, or the business key."""
    try:
        return sa.or_(Instance.id == uuid.UUID(text), Instance.business_key == text)
    except ValueError:
        return Instance.business_key == text


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _open_incidents(session: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    query = (
        sa.select(Incident.instance_id, Incident.message)
        .where(Incident.instance_id.in_(ids), Incident.resolved_at.is_(None))
        .order_by(Incident.id)
    )
    return {instance_id: message for instance_id, message in session.execute(query)}


def process_keys(engine: Engine) -> list[str]:
    with engine.session() as session:
        return list(session.scalars(sa.select(ProcessVersion.key).distinct().order_by("key")))
