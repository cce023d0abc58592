"""Live figures per BPMN element of a version: who waits where, and for how long.

Read-only aggregates over ``work_item``, ``job`` and ``incident`` joined to
``process_instance`` (never a workflow deserialized), so the overlay costs a
few grouped queries however many instances run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import Session

from engine import Engine
from engine.models import Incident, Instance, Job, WorkItem, WorkItemStatus

_UNIX_JULIAN_DAY = 2440587.5


@dataclass
class ElementStats:
    """One element: open and done work items, waiting timers, incidents, average wait."""

    open: int = 0
    done: int = 0
    timers: int = 0
    incidents: int = 0
    avg_wait_seconds: float | None = None

    @property
    def waiting(self) -> int:
        """Instances waiting here now: open work items plus pending timers."""
        return self.open + self.timers


def element_stats(engine: Engine, version_id: int, now: datetime) -> dict[str, ElementStats]:
    """Figures per element id (the BPMN id is the task name) for instances of one version."""
    stats: dict[str, ElementStats] = {}
    with engine.session() as session:
        for name, open_n, done_n, avg in _work_items(session, version_id, now):
            entry = stats.setdefault(name, ElementStats())
            entry.open, entry.done = int(open_n or 0), int(done_n or 0)
            entry.avg_wait_seconds = float(avg) if avg is not None else None
        for name, n in _grouped(session, Job, Job.task_name, version_id):
            stats.setdefault(name, ElementStats()).timers = n
        unresolved = Incident.resolved_at.is_(None)
        for name, n in _grouped(session, Incident, Incident.task_name, version_id, unresolved):
            if name is not None:
                stats.setdefault(name, ElementStats()).incidents = n
    return stats


def _work_items(session: Session, version_id: int, now: datetime) -> list[Any]:
    """Per task: open count, done count, and mean time open (done: until completed)."""
    epoch = _epoch_fn(session)
    is_open = WorkItem.status == WorkItemStatus.OPEN
    is_done = WorkItem.status == WorkItemStatus.DONE
    waited = sa.case(
        (is_done, epoch(WorkItem.completed_at) - epoch(WorkItem.created_at)),
        (is_open, now.timestamp() - epoch(WorkItem.created_at)),
        else_=None,
    )
    query = (
        sa.select(
            WorkItem.task_name,
            sa.func.sum(sa.case((is_open, 1), else_=0)),
            sa.func.sum(sa.case((is_done, 1), else_=0)),
            sa.func.avg(waited),
        )
        .join(Instance, Instance.id == WorkItem.instance_id)
        .where(Instance.version_id == version_id)
        .group_by(WorkItem.task_name)
    )
    return list(session.execute(query).all())


def _grouped(
    session: Session, model: Any, column: Any, version_id: int, *where: Any
) -> list[tuple[str, int]]:
    query = (
        sa.select(column, sa.func.count())
        .join(Instance, Instance.id == model.instance_id)
        .where(Instance.version_id == version_id, *where)
        .group_by(column)
    )
    return [(name, int(n)) for name, n in session.execute(query)]


def _epoch_fn(session: Session) -> Any:
    """Seconds since 1970 of a timestamp column, in the dialect at hand."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda col: sa.func.extract("epoch", col)
    return lambda col: (sa.func.julianday(col) - _UNIX_JULIAN_DAY) * 86400.0


def overlays(stats: dict[str, ElementStats]) -> dict[str, Any]:
    """The diagram's badges (waiting counts, incidents) and heat (wait relative to the slowest)."""
    badges: dict[str, dict[str, str]] = {}
    for name, s in stats.items():
        if s.incidents:
            badges[name] = {
                "text": f"{s.waiting}/{s.incidents}!",
                "kind": "errored",
                "title": f"{s.waiting} waiting, {s.incidents} incident(s)",
            }
        elif s.waiting:
            badges[name] = {
                "text": str(s.waiting),
                "kind": "active",
                "title": f"{s.waiting} waiting",
            }
    waits = {n: s.avg_wait_seconds for n, s in stats.items() if s.avg_wait_seconds is not None}
    slowest = max(waits.values(), default=0.0)
    heat = {n: round(w / slowest, 3) if slowest > 0 else 0.0 for n, w in waits.items()}
    return {"badges": badges, "heat": heat}


def human_duration(seconds: float | None) -> str:
    """``2d 3h``, ``4h 10m``, ``12m``, ``40s``: a wait as people read it."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{secs}s"


def wait_rows(rows: list[tuple[str, ElementStats]], bpmn: str) -> dict[str, Any]:
    """The chart's data: per element its name, average wait and how many wait now.

    The unit is minutes while the slowest wait is under two hours, hours after.
    """
    names = element_names(bpmn)
    waits = [(name, s) for name, s in rows if s.avg_wait_seconds is not None]
    slowest = max((s.avg_wait_seconds or 0 for _, s in waits), default=0.0)
    unit, size = ("minutes", 60) if slowest < 7200 else ("hours", 3600)
    return {
        "unit": unit,
        "rows": [
            {
                "element": name,
                "label": names.get(name) or name,
                "value": round((s.avg_wait_seconds or 0) / size, 2),
                "waiting": s.waiting,
            }
            for name, s in waits
        ],
    }


def element_names(bpmn: str) -> dict[str, str]:
    """id -> name of every named BPMN element (for labels); empty if the XML does not parse."""
    try:
        root = etree.fromstring(bpmn.encode())
    except etree.XMLSyntaxError:
        return {}
    return {
        n.get("id"): n.get("name")
        for n in root.iter(etree.Element)
        if n.get("id") and n.get("name")
    }
