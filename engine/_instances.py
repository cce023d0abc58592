"""Instance operations: start, complete a task, deliver a message, fire a timer, operate."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import _boundary, _clock, _deploy, _events, _locking, _requests, _snapshot, _state
from ._errors import Conflict, NotAllowed, NotFound
from ._forms import validate_form
from ._requests import Request
from ._runtime import (
    Runtime,
    StaleVersion,
    Step,
    data_diff,
    new_workflow,
    open_step,
    rebuild_step,
    require_status,
    run,
)
from .models import (
    Incident,
    InstanceStatus,
    Job,
    MessageSubscription,
    WorkItem,
    WorkItemStatus,
)

ACTIVE = (InstanceStatus.RUNNING, InstanceStatus.INCIDENT)


def start(
    rt: Runtime,
    key: str,
    data: Mapping[str, Any] | None = None,
    user: str | None = None,
    *,
    start_message: str | None = None,
    request: Request | None = None,
) -> Step:
    """Start a new instance of the newest version of ``key`` and run it to its first wait."""
    try:
        return _start(rt, key, data, user, start_message, request)
    except StaleVersion:
        rt.newest.pop(key, None)  # someone deployed meanwhile: start on the new version
        return _start(rt, key, data, user, start_message, request)


def _start(
    rt: Runtime,
    key: str,
    data: Mapping[str, Any] | None,
    user: str | None,
    start_message: str | None,
    request: Request | None,
) -> Step:
    with rt.db.session() as session:
        newest = rt.newest.get(key)
        if newest is None:
            newest = rt.newest[key] = _deploy.latest(session, key)
        version_id, number = newest
        version = rt.version(session, version_id)
        workflow = new_workflow(rt, version)
        step = Step(rt, session, uuid.uuid4(), version_id, version, workflow, user, _clock.now())
        step.version_number = number
        _requests.attach(step, request)
        initial = dict(data or {})

        def begin(step: Step) -> None:
            if start_message:
                _catch_start_message(step, start_message, initial)
            elif initial:
                workflow.task_tree.data.update(initial)
                for task in workflow.get_tasks(state=TaskState.READY):
                    task.data.update(initial)
            after = _state.to_jsonable(initial) if initial else {}
            step.log("started", detail=f"{key} v{number}", after=after)

        return run(rt, step, begin)


def _catch_start_message(step: Step, name: str, payload: Mapping[str, Any]) -> None:
    step.workflow.task_tree.data.update(payload)
    step.workflow.do_engine_steps()
    catch_message(step, name, payload)


def catch_message(
    step: Step, name: str, payload: Mapping[str, Any], correlation: str | None = None
) -> None:
    """Deliver a message; its payload lands in the catching task's data.

    With ``correlation`` (the message's correlation string), only the catches
    whose own keys over their own data give that string take it: two catches
    of one message in one instance (parallel branches, a boundary event and a
    receive task) may wait on different keys, and each gets only its messages.
    Without it (a start message) every catch of the message takes it.

    Spiff only keeps a payload when the event names a ``messageVariable``; we
    merge it into the data of the task that waits for it otherwise, so the
    tasks that follow inherit it. The merge comes after the catch: catching
    makes the task inherit its parent's data again, and in a loop the parent
    still holds the previous turn's payload, which would win over this one.
    """
    waits = [  # an event-based gateway's task waits for several messages (see _events)
        (task, events)
        for task in list(step.workflow.event_manager.tasks.values())  # as the snapshot sees them
        if task.has_state(TaskState.WAITING)
        and (events := _events.messages(task, name))
        and (correlation is None or _answers(step, task, name, correlation))
    ]
    waiting = [task for task, _ in waits]
    catching = [t for t, evs in waits if all(getattr(e, "message_var", 1) is None for e in evs)]
    event = BpmnEvent(MessageEventDefinition(name), dict(payload))
    for task in waiting:  # what EventManager.catch does, for these tasks only
        if task.task_spec.catches(task, event):
            task.task_spec.catch(task, event)
            task.task_spec._update(task)
    for task in catching:
        if task.state in (TaskState.READY, TaskState.WAITING):
            task.data.update(payload)
    _boundary.rearm_fired(waiting)


def _answers(step: Step, task: Any, name: str, correlation: str) -> bool:
    """Whether a catch of ``name`` that ``task`` waits for correlates as ``correlation``."""
    return any(
        _events.is_message(event)
        and event.name == name
        and _snapshot.catch_correlation(step.version, element, task) == correlation
        for element, event in _events.pending(task)
    )


def complete_task(
    rt: Runtime,
    task_id: uuid.UUID,
    data: Mapping[str, Any],
    user: str | None,
    request: Request | None = None,
) -> Step:
    """Complete a user task with form data validated against its schema."""
    with rt.db.session() as session:
        row = _locking.task_row(rt.db, session, task_id)
        if row is None:
            raise NotFound(f"task {task_id} does not exist")
        step = rebuild_step(rt, session, row.instance_id, row, user)
        task = (
            step.workflow.get_task_from_id(task_id) if task_id in step.before.user_tasks else None
        )
        item: Any = SimpleNamespace(**{c.key: row[i + 1] for i, c in enumerate(_ITEM_COLUMNS)})
        if task is None:  # done meanwhile: the item read with the lock may predate that
            item = session.get(WorkItem, task_id, populate_existing=True)
        if item.status != WorkItemStatus.OPEN or task is None:
            who = f" by {item.completed_by}" if item.completed_by else ""
            raise Conflict(f"task '{item.title}' was already {item.status}{who}")
        require_status(step, InstanceStatus.RUNNING)
        _check_may_complete(rt, session, item, user)
        meta = step.version.user_tasks[task.task_spec.name]
        clean = validate_form(meta.form_schema, data)
        _requests.attach(step, request)

        def apply(step: Step) -> None:
            before = dict(task.data)
            task.data.update(clean)
            if step.context is not None:
                step.context.task_id, step.context.task_name = str(task.id), task.task_spec.name
            task.run()
            step.acted_task = task.id
            old, new = data_diff(before, task.data)
            step.log("task_completed", task=task, before=old, after=new)

        return run(rt, step, apply)


_ITEM_COLUMNS = _locking.ITEM_COLUMNS


def _check_may_complete(rt: Runtime, session: Any, item: Any, user: str | None) -> None:
    """The assignee, or a member of the task's group while it is unassigned."""
    if user is None:
        return  # system calls (tests, imports) act for the process itself
    if item.assignee is not None:
        if item.assignee != user:
            raise NotAllowed(f"task '{item.title}' is assigned to {item.assignee}, not to {user}")
        return
    info = rt.directory.user(session, user)
    if item.group_name and (info is None or item.group_name not in info.groups):
        raise NotAllowed(f"{user} is not in group '{item.group_name}' that owns '{item.title}'")


def deliver_message(
    rt: Runtime,
    name: str,
    correlation: Mapping[str, Any],
    payload: Mapping[str, Any],
    user: str | None = None,
    request: Request | None = None,
) -> tuple[str, Step | None]:
    """Deliver to the instance waiting for it, else start a process with that start message.

    Returns ``("delivered", step)``, ``("started", step)`` or ``("unmatched", None)``.
    """
    corr = _snapshot.correlation_string(tuple(correlation), dict(correlation))
    with rt.db.session() as session:
        instance_id = session.scalar(
            sa.select(MessageSubscription.instance_id)
            .where(
                MessageSubscription.message_name == name, MessageSubscription.correlation == corr
            )
            .order_by(MessageSubscription.id)
            .limit(1)
        )
        if instance_id is not None:
            step = open_step(rt, session, instance_id, user)
            require_status(step, InstanceStatus.RUNNING)
            _requests.attach(step, request, "delivered")

            def catch(step: Step) -> None:
                catch_message(step, name, payload, corr)
                step.log("message", detail=name, after=data_diff({}, dict(payload))[1])

            return "delivered", run(rt, step, catch)
        key = _process_started_by(rt, session, name)
        if key is None:
            _requests.record_unmatched(session, request)
            return "unmatched", None
    data = {**dict(correlation), **dict(payload)}
    started = request.outcome("started") if request is not None else None
    return "started", start(rt, key, data, user, start_message=name, request=started)


def _process_started_by(rt: Runtime, session: Any, message: str) -> str | None:
    from .models import ProcessVersion

    rows = session.execute(
        sa.select(ProcessVersion.key, ProcessVersion.start_messages).order_by(
            ProcessVersion.key, ProcessVersion.version.desc()
        )
    ).all()
    seen: set[str] = set()
    for key, messages in rows:
        if key in seen:
            continue
        seen.add(key)
        if message in (messages or []):
            return str(key)
    return None


def fire_timer(rt: Runtime, job_id: uuid.UUID) -> Step | None:
    """Fire one due timer; ``None`` if another worker already did or it is not yet due."""
    with rt.db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.due_at > _clock.now():
            return None
        step = open_step(rt, session, job.instance_id, None)
        armed = step.before.timers.get(job_id)
        if step.status != InstanceStatus.RUNNING or armed is None:
            session.execute(sa.delete(Job).where(Job.id == job_id))
            return None
        if armed[1] > step.now:
            return None  # a cycle timer another worker fired and re-armed while we waited

        def fire(step: Step) -> None:
            task = step.workflow.get_task_from_id(job_id)
            step.log("timer_fired", task=task, detail=job.task_name)

        return run(rt, step, fire)


def cancel(rt: Runtime, instance_id: uuid.UUID, user: str | None) -> Step:
    with rt.db.session() as session:
        step = open_step(rt, session, instance_id, user)
        require_status(
            step, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.INCIDENT
        )

        def do(step: Step) -> None:
            step.workflow.cancel()
            step.status = InstanceStatus.CANCELLED
            step.log("cancelled")

        return run(rt, step, do)


def set_suspended(rt: Runtime, instance_id: uuid.UUID, user: str | None, suspend: bool) -> Step:
    """Suspend (timers and tasks wait) or resume an instance."""
    with rt.db.session() as session:
        step = open_step(rt, session, instance_id, user)
        if suspend:
            require_status(step, InstanceStatus.RUNNING, InstanceStatus.INCIDENT)
        else:
            require_status(step, InstanceStatus.SUSPENDED)

        def do(step: Step) -> None:
            step.status = InstanceStatus.SUSPENDED if suspend else InstanceStatus.RUNNING
            step.log("suspended" if suspend else "resumed")

        return run(rt, step, do)


def resolve_incident(
    rt: Runtime,
    instance_id: uuid.UUID,
    user: str | None,
    *,
    skip: bool = False,
    data: Mapping[str, Any] | None = None,
) -> Step:
    """Retry the failed task (optionally with corrected data) or skip it.

    This resolves the newest open incident; while others stay open (one step
    can fail on several tasks), the instance stays in ``incident``.
    """
    with rt.db.session() as session:
        step = open_step(rt, session, instance_id, user)
        require_status(step, InstanceStatus.INCIDENT)
        open_incidents = session.scalars(
            sa.select(Incident)
            .where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
            .order_by(Incident.id.desc())
            .limit(2)
        ).all()
        incident = open_incidents[0] if open_incidents else None
        still_open = len(open_incidents) > 1

        def do(step: Step) -> None:
            task = _failed_task(step, incident)
            if task is not None:
                if data:
                    task.data.update(data)
                if skip:
                    task._set_state(TaskState.COMPLETED)
                    task.task_spec._on_complete(task)
                elif task.state == TaskState.ERROR:
                    task._set_state(TaskState.READY)
            step.status = InstanceStatus.INCIDENT if still_open else InstanceStatus.RUNNING
            if incident is not None:
                incident.resolved_at = step.now
                incident.resolution = "skipped" if skip else "retried"
                incident.resolved_by = user
            step.log("skipped" if skip else "retried", task=task)

        return run(rt, step, do)


def _failed_task(step: Step, incident: Incident | None) -> Any:
    if incident is not None and incident.task_id is not None:
        task = step.workflow.tasks.get(incident.task_id)
        if task is not None:
            return task
    errored = step.workflow.get_tasks(state=TaskState.ERROR)
    return errored[0] if errored else None
