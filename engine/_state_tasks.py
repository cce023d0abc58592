"""The task tree of a stored state as compact rows (state format 2).

Spiff's own task format (format 1) repeats every task id as text up to four
times (key, ``id``, the parent's ``children``, the child's ``parent``) and
names every field in every task; a small instance's state came to about 3 KB,
above PostgreSQL's 2 KB threshold, so the server compressed every row it
wrote. Here a task is one row and tasks refer to each other by position:

``[id, parent, children, state, spec, last_state_change, triggered, internal_data, data]``

``parent`` and ``children`` hold row positions (a task of another workflow,
which Spiff does not produce here, would keep its id as text). ``data`` is
the root's data; for any other task it is its delta against its parent, as
Spiff keeps it: ``0`` for none, else ``[updates, deletions]``. Loading builds
the tasks as Spiff's ``TaskConverter.from_dict`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

Convert = Callable[[dict[str, Any]], dict[str, Any]]


def dump(
    tasks: dict[UUID, Any],
    index: dict[UUID, int],
    convert: Convert,
    convert_any: Callable[[Any], Any],
) -> list[Any]:
    """The rows of ``tasks`` (one workflow's) in their order; ``convert`` prepares task data.

    ``index`` maps each task id to its position. Ids stay ``UUID`` objects:
    orjson writes them as the same text ``str()`` gives, in C.
    """
    rows = []
    get = index.get
    ordered = list(tasks.values())
    for task in ordered:
        parent_id = task._parent
        parent = None if parent_id is None else get(parent_id)
        if parent is None:  # the root (or, with an id, a task of another workflow)
            stored = convert(task.data)
        else:
            stored = _delta(task.data, ordered[parent].data, convert)
        internal = task.internal_data
        rows.append(
            [
                task.id,
                parent_id if parent is None else parent,
                [get(c, c) for c in task._children],
                task._state,
                task.task_spec.name,
                task.last_state_change,
                task.triggered,
                convert_any(internal) if internal else 0,
                stored,
            ]
        )
    return rows


def _delta(data: dict[str, Any], before: dict[str, Any], convert: Convert) -> Any:
    """``0`` when ``data`` equals ``before``, else ``[updates, deletions]`` against it."""
    if data == before:
        return 0
    updates = {k: v for k, v in data.items() if k not in before or before[k] != v}
    deletions = [k for k in before if k not in data]
    return [convert(updates), deletions] if updates or deletions else 0


def load(workflow: Any, rows: list[list[Any]], restore: Callable[[Any], Any]) -> list[Any]:
    """Build the tasks of ``rows`` into ``workflow`` (``workflow.tasks``); returns them in order."""
    ids = [UUID(row[0]) for row in rows]
    specs = workflow.spec.task_specs
    events = workflow.top_workflow.event_manager
    tasks = []
    for tid, row in zip(ids, rows, strict=True):
        _, parent, children, state, spec_name, changed, triggered, internal, _ = row
        spec = specs.get(spec_name)
        task = Task(workflow, spec, state=state, id=tid)
        task._parent = _id(parent, ids)
        task._children = [_id(child, ids) for child in children]
        task.last_state_change = changed
        task.triggered = triggered
        task.internal_data = restore(internal) if internal else {}
        if isinstance(spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            events.add_task(task)
        tasks.append(task)
    for n in _parents_first(rows):
        _set_data(tasks[n], rows[n][8], restore)
    return tasks


def _id(ref: int | str | None, ids: list[UUID]) -> UUID | None:
    if ref is None:
        return None
    return ids[ref] if isinstance(ref, int) else UUID(ref)


def _parents_first(rows: list[list[Any]]) -> list[int]:
    """Row positions ordered so that each task comes after its parent (usually as stored)."""
    order: list[int] = []
    placed = [False] * len(rows)
    for start in range(len(rows)):
        chain = []
        n: Any = start
        while isinstance(n, int) and not placed[n]:
            chain.append(n)
            placed[n] = True
            n = rows[n][1]
        order.extend(reversed(chain))
    return order


def _set_data(task: Any, stored: Any, restore: Callable[[Any], Any]) -> None:
    parent = task.parent
    if parent is None:
        task.data = restore(stored) if stored else {}
        return
    data: dict[str, Any] = DeepMerge.merge({}, parent.data)
    if stored:
        updates, deletions = stored
        if updates:
            data.update(restore(updates))
        for key in deletions:
            data.pop(key, None)
    task.data = data
