"""What a workflow looks like from outside: open user tasks, timers, message waits.

The step takes a snapshot before and after running the workflow and writes
only the difference to the inbox, job and subscription tables, so those rows
are always derived from the workflow and can never disagree with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import _events, _spiff_timers
from ._definitions import ParsedVersion

_spiff_timers.install()  # Spiff must agree with our jobs that a timer is due at its due time


@dataclass(frozen=True)
class Snapshot:
    user_tasks: frozenset[UUID]
    timers: dict[UUID, tuple[str, datetime]]
    waits: frozenset[tuple[str, str]]


def take(workflow: BpmnWorkflow, version: ParsedVersion) -> Snapshot:
    ready = TaskState.READY
    user_tasks = frozenset(
        [t.id for t in _all_tasks(workflow) if t._state == ready and t.task_spec.manual]
    )
    timers: dict[UUID, tuple[str, datetime]] = {}
    waits: set[tuple[str, str]] = set()
    for task in workflow.event_manager.tasks.values() if hasattr(workflow, "event_manager") else ():
        if not task.has_state(TaskState.WAITING):
            continue
        for element, event in _events.pending(task):  # a gateway waits for several
            if _events.is_timer(event):
                due = timer_due(task, event)
                if due is not None:
                    timers[task.id] = (element.name, due)
            elif _events.is_message(event):
                waits.add((event.name, catch_correlation(version, element, task)))
    return Snapshot(user_tasks, timers, frozenset(waits))


def _all_tasks(workflow: BpmnWorkflow) -> Iterator[Any]:
    """Every task of the workflow and its subprocesses (``get_tasks`` without its iterator)."""
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def timer_due(task: Any, event: Any) -> datetime | None:
    """When a waiting timer task falls due, from the value Spiff computed for it.

    ``event`` is the task's timer definition (one of several behind a gateway).
    """
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(event, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def catch_correlation(version: ParsedVersion, element: Any, task: Any) -> str:
    """The correlation string a waiting catch answers to: its own keys over its own data."""
    keys = version.correlation_keys.get(_events.element_key(element), ())
    return correlation_string(keys, task.data)


def correlation_string(keys: tuple[str, ...], data: dict[str, Any]) -> str:
    """``a=1&b=x`` over the sorted keys, the form a message lookup compares with."""
    return "&".join(f"{k}={data.get(k, '')}" for k in sorted(keys))
