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

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy.orm import Session

from . import _clock, _incidents, _locking, _persist, _snapshot, _state
from ._db import Database
from ._definitions import DefinitionCache, ParsedVersion, parse_bundle
from ._directory import Directory
from ._errors import EngineError, InstanceNotActive, NotFound
from ._operators import STEP_KEY, OperatorRegistry, StepContext
from ._scripting import ScriptEngine, step_context
from ._writes import StaleVersion as StaleVersion
from .models import Incident, InstanceStatus, ProcessVersion

# Spiff logs every task state change at INFO and builds a dict of extras for each
# (with references to task data below DEBUG): noise in our logs, and time in every step.
for _name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
    logging.getLogger(_name).setLevel(logging.WARNING)


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
    incidents: list[Incident] = field(default_factory=list)  # see ``_incidents``
    request_id: str | None = None  # an idempotency key, stored with the step's writes
    request_operation: str = ""
    request_result: Callable[[Step], dict[str, Any]] | None = None

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
    row = _locking.instance_row(rt.db, session, instance_id)
    if row is None:
        raise NotFound(f"instance {instance_id} does not exist")
    return rebuild_step(rt, session, instance_id, row, user)


INSTANCE_COLUMNS = _locking.INSTANCE_COLUMNS
"""What :func:`rebuild_step` needs of the (locked) instance row."""


def rebuild_step(
    rt: Runtime, session: Session, instance_id: uuid.UUID, row: Any, user: str | None
) -> Step:
    """The step of an instance whose row (``INSTANCE_COLUMNS``) the caller read and locked."""
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
    """Run the engine until it waits; an error becomes an incident, not a rollback.

    The status stays as the action left it: ``incident`` after a retry that
    leaves other incidents open (see ``_instances.resolve_incident``).
    """
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


def _raise_incident(step: Step, exc: WorkflowException) -> None:
    inner = getattr(exc, "engine_error", None)
    message = inner.message if isinstance(inner, EngineError) else str(exc).split("\n")[0]
    _incidents.record(
        step,
        getattr(exc, "task", None),
        type(inner or exc).__name__,
        message,
        line_number=getattr(exc, "line_number", None),
        error_line=getattr(exc, "error_line", None),
    )


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
            _persist.write(step)  # with the handlers' ORM writes, while the step is known
    finally:
        step.session.info.pop(STEP_KEY, None)
    return step


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
