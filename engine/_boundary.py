"""Non-interrupting message boundary events catch every message while their activity runs.

BPMN lets a non-interrupting boundary event trigger any number of times while
the activity it is attached to is active (a customer may write twice while an
agent works a case). SpiffWorkflow 3 completes the event task on its first
catch and never waits again; so once one fires, a fresh waiting twin is added
beside it under the same boundary split. The activity's boundary join cancels
that twin with the other waiting events when the activity ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState


def rearm_fired(tasks: Iterable[Any]) -> None:
    """Give each non-interrupting message boundary event among ``tasks`` that fired a twin."""
    for task in tasks:
        if _fired_non_interrupting(task):
            spec = task.task_spec
            twin = task.parent._add_child(spec, TaskState.MAYBE)
            twin.triggered = True  # not one of the split's predicted outputs: keep it
            spec._predict(twin)  # its outgoing path, as the split predicted the first one's
            twin._set_state(TaskState.WAITING)
            spec._update(twin)


def _fired_non_interrupting(task: Any) -> bool:
    spec = task.task_spec
    return (
        isinstance(spec, BoundaryEvent)
        and not spec.cancel_activity
        and isinstance(spec.event_definition, MessageEventDefinition)
        and task.state == TaskState.READY
        and task.parent is not None
        and isinstance(task.parent.task_spec, BoundaryEventSplit)
        and _activity_running(task.parent)
    )


def _activity_running(split: Any) -> bool:
    """The attached activity (the split's one child that is not an event) is not finished."""
    return any(
        not isinstance(child.task_spec, BoundaryEvent)
        and not child.has_state(TaskState.FINISHED_MASK)
        for child in split.children
    )
