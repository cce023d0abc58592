"""What a step writes: the difference between the workflow before and after it.

Inbox rows, jobs and message subscriptions are derived from the workflow (see
``_snapshot``), so they can never disagree with it. The instance row, the
audit entries, an incident and a request key join them, and all of it goes to
the database together (see ``_writes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import _incidents, _pruning, _snapshot, _state, _writes
from ._assignment import assign
from ._db import USED_KEY
from ._errors import ScriptError
from ._writes import Guard, Writes
from .models import (
    AuditEntry,
    Incident,
    Instance,
    InstanceStatus,
    Job,
    JobKind,
    MessageSubscription,
    RequestKey,
    WorkItem,
    WorkItemStatus,
)

if TYPE_CHECKING:
    from ._runtime import Step

_I = cast(sa.Table, Instance.__table__)
_W = cast(sa.Table, WorkItem.__table__)
_A = cast(sa.Table, AuditEntry.__table__)
_J = cast(sa.Table, Job.__table__)
_S = cast(sa.Table, MessageSubscription.__table__)
_N = cast(sa.Table, Incident.__table__)
_R = cast(sa.Table, RequestKey.__table__)


def write(step: Step) -> None:
    """Collect the step's writes and send them: one statement on PostgreSQL."""
    writes = collect(step)
    session = step.session
    if step.rt.db.is_sqlite:
        session.flush()
        _writes.apply_core(session, writes)
    elif writes.guard is not None and _untouched(session):
        # a start that has not used the database yet: one statement, its own transaction
        _writes.apply_pg(step.rt.db, writes)
    else:
        session.flush()  # handlers' ORM writes first, while the step is known
        # the commit rides with the writes unless a guard must be checked first
        commit = writes.guard is None
        _writes.apply_pg(step.rt.db, writes, session.connection(), commit=commit)


def _untouched(session: Any) -> bool:
    """No statement ran and none is pending: nothing would share the step's transaction.

    Objects can be dirty or deleted only once loaded, which takes a statement.
    """
    return not session.info.get(USED_KEY) and not session.new and not session.identity_map


def collect(step: Step) -> Writes:
    writes = Writes()
    after = _snapshot.take(step.workflow, step.version)
    _work_items(step, after, writes)
    _jobs(step, after, writes)
    _waits(step, after, writes)
    if step.revision > 0:  # a new instance's tree is small; its first step after this prunes it
        _pruning.prune(step.workflow)
    _instance(step, writes)
    writes.insert(_N, [_incident_row(incident) for incident in step.incidents])
    writes.insert(_A, step.audit)
    if step.request_id is not None and step.request_result is not None:
        row = {
            "key": step.request_id,
            "operation": step.request_operation,
            "instance_id": step.instance_id,
            "result": step.request_result(step),
            "created_at": step.now,
        }
        writes.insert(_R, [row])
    return writes


def _instance(step: Step, writes: Writes) -> None:
    values: dict[str, Any] = {
        "state": _state.dumps(step.workflow),
        "status": step.status,
        "updated_at": step.now,
        "customer_id": _customer_id(step.workflow),
    }
    if step.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        values["ended_at"] = step.now
    if step.revision > 0:
        step.revision += 1
        writes.update(_I, step.instance_id, {**values, "revision": step.revision})
        return
    step.revision = 1
    row = {
        **values,
        "ended_at": values.get("ended_at"),
        "id": step.instance_id,
        "process_key": step.version.key,
        "version_id": step.version_id,
        "revision": 1,
        "business_key": step.workflow.data.get("business_key"),
        "started_by": step.user,
        "started_at": step.now,
    }
    # the newest version is cached per process; this guard proves the cache right
    writes.guard = Guard(_I, row, step.version.key, step.version_number)


def _customer_id(workflow: BpmnWorkflow) -> str | None:
    task = workflow.last_task
    data = task.data if task is not None else workflow.data
    value = data.get("customer_id", workflow.data.get("customer_id"))
    return str(value) if value not in (None, "") else None


def _incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "instance_id": incident.instance_id,
        "task_id": incident.task_id,
        "task_name": incident.task_name,
        "error_type": incident.error_type,
        "message": incident.message,
        "line_number": incident.line_number,
        "error_line": incident.error_line,
        "created_at": incident.created_at,
    }


def _work_items(step: Step, after: _snapshot.Snapshot, writes: Writes) -> None:
    wf = step.workflow
    new = [wf.get_task_from_id(tid) for tid in after.user_tasks - step.before.user_tasks]
    writes.insert(_W, [row for task in new if (row := _work_item_row(step, task)) is not None])
    for tid in step.before.user_tasks - after.user_tasks:
        task = wf.tasks.get(tid)
        values: dict[str, Any]
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
        writes.update(_W, tid, values)


def _work_item_row(step: Step, task: Any) -> dict[str, Any] | None:
    """The inbox row of a task that became ready; ``None`` if its assignment failed.

    A failing ``assignee``, ``dueIn`` or ``priority`` puts the task in ERROR
    (out of the inbox) with an incident, as a failing script does: a retry
    makes it ready again and assigns it anew, a skip completes it.
    """
    meta = step.version.user_tasks[task.task_spec.name]
    title = _title(meta.title, task.data)

    def evaluate(expression: str) -> Any:
        return step.rt.script_engine.environment.evaluate(expression, task.data)

    try:
        chosen = assign(step.session, step.rt.directory, meta, evaluate, step.now)
    except ScriptError as exc:
        task._set_state(TaskState.ERROR)
        message = f"user task '{title}' ({meta.name}): {exc.message}"
        _incidents.record(
            step,
            task,
            type(exc).__name__,
            message,
            line_number=exc.line_number,
            error_line=exc.error_line,
        )
        return None
    customer = task.data.get("customer_id")
    return {
        "id": task.id,
        "instance_id": step.instance_id,
        "process_key": step.version.key,
        "task_name": meta.name,
        "title": title,
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


def _jobs(step: Step, after: _snapshot.Snapshot, writes: Writes) -> None:
    if not after.timers and not step.before.timers:
        return
    gone = [tid for tid in step.before.timers if tid not in after.timers]
    if gone:
        writes.delete(_J, {"id": gone})
    rows = [
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
    writes.insert(_J, [row for row in rows if row["id"] not in step.before.timers])
    writes.upsert(_J, [row for row in rows if row["id"] in step.before.timers])  # re-armed


def _waits(step: Step, after: _snapshot.Snapshot, writes: Writes) -> None:
    if after.waits == step.before.waits:
        return
    for name, corr in step.before.waits - after.waits:
        where = {"instance_id": step.instance_id, "message_name": name, "correlation": corr}
        writes.delete(_S, where)
    rows = [
        {"instance_id": step.instance_id, "message_name": name, "correlation": corr}
        for name, corr in after.waits - step.before.waits
    ]
    writes.insert(_S, rows)
