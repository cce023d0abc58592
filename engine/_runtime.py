"""One step of one instance, in one database transaction.

A step locks the instance row (``SELECT ... FOR UPDATE``; SQLite serialises
writers with ``BEGIN IMMEDIATE``), rebuilds the workflow from the cached spec
and the stored state, applies one input (start, a completed form, a message, a
due timer, a retry), runs the engine until it waits, then writes the new
state, the inbox rows, the jobs, the message subscriptions and the audit trail,
and commits. Either all of it happens or none of it. Script and operator
errors do not undo the step: they become an incident on the failing task, and
the instance waits for an operator to retry or skip it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from . import _clock, _pruning, _snapshot, _state
from ._assignment import assign
from ._db import Database
from ._definitions import DefinitionCache, ParsedVersion, parse_bundle
from ._directory import Directory
from ._errors import EngineError, InstanceNotActive, NotFound
from ._operators import STEP_KEY, OperatorRegistry, StepContext
from ._scripting import ScriptEngine, step_context
from .models import (
    AuditEntry,
    Incident,
    Instance,
    InstanceStatus,
    Job,
    JobKind,
    MessageSubscription,
    ProcessVersion,
    WorkItem,
    WorkItemStatus,
)

_I = cast(sa.Table, Instance.__table__)
_W = cast(sa.Table, WorkItem.__table__)
_A = cast(sa.Table, AuditEntry.__table__)
_J = cast(sa.Table, Job.__table__)
_S = cast(sa.Table, MessageSubscription.__table__)
_V = cast(sa.Table, ProcessVersion.__table__)


@dataclass
class Runtime:
    """Everything a step needs, created once per process (see ``engine.Engine``)."""

    db: Database
    operators: OperatorRegistry
    script_engine: ScriptEngine
    definitions: DefinitionCache = field(default_factory=DefinitionCache)
    directory: Directory = field(default_factory=Directory)
    versions_by_id: dict[int, ParsedVersion] = field(default_factory=dict)
    newest: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (id, version)

    def version(self, session: Session, version_id: int) -> ParsedVersion:
        """The parsed version, from memory; parsed from the stored files on first use."""
        parsed = self.versions_by_id.get(version_id)
        if parsed is None:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound(f"process version {version_id} does not exist")
            parsed = self.definitions.get(row.key, row.content_hash)
            if parsed is None:
                versions = parse_bundle(row.files, None)
                parsed = next(v for v in versions if v.key == row.key)
                self.definitions.put(parsed)
            self.versions_by_id[version_id] = parsed
        return parsed


@dataclass
class Step:
    """The state of one step while it runs."""

    rt: Runtime
    session: Session
    instance_id: uuid.UUID
    version_id: int
    version: ParsedVersion
    workflow: BpmnWorkflow
    user: str | None
    now: datetime
    revision: int = 0
    version_number: int = 0
    status: str = InstanceStatus.RUNNING
    before: _snapshot.Snapshot = field(
        default_factory=lambda: _snapshot.Snapshot(frozenset(), {}, frozenset())
    )
    audit: list[dict[str, Any]] = field(default_factory=list)
    acted_task: uuid.UUID | None = None
    context: StepContext | None = None
    incident: Incident | None = None

    def log(
        self,
        action: str,
        *,
        task: Any = None,
        detail: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Add an audit entry, written with the step."""
        self.audit.append(
            {
                "instance_id": self.instance_id,
                "at": self.now,
                "user": self.user,
                "action": action,
                "task_id": task.id if task is not None else None,
                "task_name": task.task_spec.name if task is not None else None,
                "detail": detail,
                "before": before,
                "after": after,
            }
        )


Action = Callable[[Step], None]


def open_step(rt: Runtime, session: Session, instance_id: uuid.UUID, user: str | None) -> Step:
    """Lock the instance row and rebuild its workflow."""
    query = sa.select(_I.c.version_id, _I.c.status, _I.c.state, _I.c.revision).where(
        _I.c.id == instance_id
    )
    if not rt.db.is_sqlite:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"instance {instance_id} does not exist")
    version = rt.version(session, row.version_id)
    workflow = _state.loads(row.state, version, rt.script_engine)
    step = Step(rt, session, instance_id, row.version_id, version, workflow, user, _clock.now())
    step.revision = row.revision
    step.status = row.status
    step.before = _snapshot.take(workflow, version)
    return step


def require_status(step: Step, *allowed: str) -> None:
    if step.status not in allowed:
        raise InstanceNotActive(
            f"instance {step.instance_id} is {step.status}; this needs it to be "
            + " or ".join(allowed)
        )


def advance(step: Step) -> None:
    """Run the engine until it waits; an error becomes an incident, not a rollback."""
    wf = step.workflow
    try:
        wf.refresh_timers()
        wf.do_engine_steps()
    except WorkflowException as exc:
        _raise_incident(step, exc)
        return
    if wf.completed:
        step.status = InstanceStatus.COMPLETED
        step.log("completed", detail="the process reached its end")
    elif step.status == InstanceStatus.INCIDENT:
        step.status = InstanceStatus.RUNNING


def _raise_incident(step: Step, exc: WorkflowException) -> None:
    task = getattr(exc, "task", None)
    inner = getattr(exc, "engine_error", None)
    message = inner.message if isinstance(inner, EngineError) else str(exc).split("\n")[0]
    step.status = InstanceStatus.INCIDENT
    step.incident = Incident(
        instance_id=step.instance_id,
        task_id=task.id if task is not None else None,
        task_name=task.task_spec.name if task is not None else None,
        error_type=type(inner or exc).__name__,
        message=message,
        line_number=getattr(exc, "line_number", None) or None,
        error_line=getattr(exc, "error_line", None) or None,
        created_at=step.now,
    )
    step.log("incident", task=task, detail=message)


def run(rt: Runtime, step: Step, action: Action) -> Step:
    """Apply ``action`` to an opened step, advance the workflow, and write the results."""
    ctx = StepContext(
        session=step.session,
        instance_id=str(step.instance_id),
        task_id="",
        task_name="",
        process_key=step.version.key,
        user=step.user,
    )
    step.context = ctx
    step.session.info[STEP_KEY] = ctx
    try:
        with step_context(ctx):
            action(step)
            if step.status in (InstanceStatus.RUNNING, InstanceStatus.INCIDENT):
                advance(step)
            _write(step)
            step.session.flush()  # ORM writes of handlers flush while the step is known
    finally:
        step.session.info.pop(STEP_KEY, None)
    return step


def _write(step: Step) -> None:
    after = _snapshot.take(step.workflow, step.version)
    _sync_work_items(step, after)
    _sync_jobs(step, after)
    _sync_waits(step, after)
    _pruning.prune(step.workflow)
    _save(step)
    if step.incident is not None:
        step.session.add(step.incident)
    if step.audit:
        step.session.execute(sa.insert(_A), step.audit)


def _save(step: Step) -> None:
    values: dict[str, Any] = {
        "state": _state.dumps(step.workflow),
        "status": step.status,
        "updated_at": step.now,
        "customer_id": _customer_id(step.workflow),
    }
    if step.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        values["ended_at"] = step.now
    if step.revision == 0:
        _insert_instance(step, values)
        return
    step.revision += 1
    step.session.execute(
        sa.update(_I).where(_I.c.id == step.instance_id).values(**values, revision=step.revision)
    )


class StaleVersion(Exception):
    """A newer version was deployed since this process last looked: start again on it."""


def _insert_instance(step: Step, values: dict[str, Any]) -> None:
    """Insert the new instance only if its version is still the newest of its process.

    The newest version is cached per process, so a start needs no query for
    it; the guard in this INSERT proves the cache right in the same round trip
    (another process may have deployed meanwhile). No row back: ``StaleVersion``.
    """
    row = {
        "state": values["state"],
        "status": values["status"],
        "updated_at": values["updated_at"],
        "customer_id": values["customer_id"],
        "ended_at": values.get("ended_at"),
        "id": step.instance_id,
        "process_key": step.version.key,
        "version_id": step.version_id,
        "revision": 1,
        "business_key": step.workflow.data.get("business_key"),
        "started_by": step.user,
        "started_at": step.now,
        "guard_key": step.version.key,
        "guard_version": step.version_number,
    }
    inserted = step.session.execute(_GUARDED_INSERT, row).first()
    if inserted is None:
        raise StaleVersion(step.version.key)
    step.revision = 1


_INSTANCE_COLUMNS = (
    "state", "status", "updated_at", "customer_id", "ended_at", "id", "process_key",
    "version_id", "revision", "business_key", "started_by", "started_at",
)  # fmt: skip
_GUARDED_INSERT = (
    sa.insert(_I)
    .from_select(
        list(_INSTANCE_COLUMNS),
        sa.select(*(sa.bindparam(c, type_=_I.c[c].type) for c in _INSTANCE_COLUMNS)).where(
            ~sa.exists().where(
                _V.c.key == sa.bindparam("guard_key"),
                _V.c.version > sa.bindparam("guard_version"),
            )
        ),
    )
    .returning(_I.c.id)
)


def _customer_id(workflow: BpmnWorkflow) -> str | None:
    task = workflow.last_task
    data = task.data if task is not None else workflow.data
    value = data.get("customer_id", workflow.data.get("customer_id"))
    return str(value) if value not in (None, "") else None


def _sync_work_items(step: Step, after: _snapshot.Snapshot) -> None:
    wf = step.workflow
    new = [wf.get_task_from_id(tid) for tid in after.user_tasks - step.before.user_tasks]
    if new:
        step.session.execute(sa.insert(_W), [_work_item_row(step, t) for t in new])
    for tid in step.before.user_tasks - after.user_tasks:
        task = wf.tasks.get(tid)
        if task is not None and task.state == TaskState.COMPLETED and tid == step.acted_task:
            values = {
                "status": WorkItemStatus.DONE,
                "completed_at": step.now,
                "completed_by": step.user,
            }
        elif task is not None and task.state == TaskState.COMPLETED:
            values = {"status": WorkItemStatus.DONE, "completed_at": step.now}
        else:
            values = {"status": WorkItemStatus.CANCELLED, "completed_at": step.now}
        step.session.execute(sa.update(_W).where(_W.c.id == tid).values(**values))


def _work_item_row(step: Step, task: Any) -> dict[str, Any]:
    meta = step.version.user_tasks[task.task_spec.name]

    def evaluate(expression: str) -> Any:
        return step.rt.script_engine.environment.evaluate(expression, task.data)

    chosen = assign(step.session, step.rt.directory, meta, evaluate, step.now)
    customer = task.data.get("customer_id")
    return {
        "id": task.id,
        "instance_id": step.instance_id,
        "process_key": step.version.key,
        "task_name": meta.name,
        "title": _title(meta.title, task.data),
        "group_name": chosen.group,
        "assignee": chosen.assignee,
        "customer_id": str(customer) if customer not in (None, "") else None,
        "priority": chosen.priority,
        "form": meta.form_file,
        "status": WorkItemStatus.OPEN,
        "due_at": chosen.due_at,
        "created_at": step.now,
    }


def _title(template: str, data: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders from task data; leave unknown ones as written."""
    if "{" not in template:
        return template

    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return template.format_map(_Keep(data))[:300]
    except (ValueError, AttributeError, IndexError):
        return template


def _sync_jobs(step: Step, after: _snapshot.Snapshot) -> None:
    gone = [tid for tid in step.before.timers if tid not in after.timers]
    if gone:
        step.session.execute(sa.delete(_J).where(_J.c.id.in_(gone)))
    new = [
        {
            "id": tid,
            "instance_id": step.instance_id,
            "kind": JobKind.TIMER,
            "task_name": name,
            "due_at": due,
            "attempts": 0,
        }
        for tid, (name, due) in after.timers.items()
        if step.before.timers.get(tid) != (name, due)
    ]
    changed = [row["id"] for row in new if row["id"] in step.before.timers]
    if changed:
        step.session.execute(sa.delete(_J).where(_J.c.id.in_(changed)))
    if new:
        step.session.execute(sa.insert(_J), new)


def _sync_waits(step: Step, after: _snapshot.Snapshot) -> None:
    if after.waits == step.before.waits:
        return
    for name, corr in step.before.waits - after.waits:
        step.session.execute(
            sa.delete(_S).where(
                _S.c.instance_id == step.instance_id,
                _S.c.message_name == name,
                _S.c.correlation == corr,
            )
        )
    new = [
        {"instance_id": step.instance_id, "message_name": name, "correlation": corr}
        for name, corr in after.waits - step.before.waits
    ]
    if new:
        step.session.execute(sa.insert(_S), new)


def new_workflow(rt: Runtime, version: ParsedVersion) -> BpmnWorkflow:
    return BpmnWorkflow(version.spec, version.subprocess_specs, script_engine=rt.script_engine)


def data_diff(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys a step changed: their old and new values, as JSON values."""
    keys = {
        k for k in before.keys() | after.keys() if before.get(k, _MISSING) != after.get(k, _MISSING)
    }
    old = {k: before[k] for k in keys if k in before}
    new = {k: after[k] for k in keys if k in after}
    return _state.to_jsonable(old), _state.to_jsonable(new)


_MISSING = object()
