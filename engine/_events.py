"""What a catching element waits for, seen through event-based gateways.

Spiff moves the event definitions of the catch events that follow an
event-based gateway onto the gateway (one ``MultipleEventDefinition``) and
leaves the catch events themselves with none. So the gateway task is the one
that waits, for every message and timer behind it at once; the catch event
that follows it only names the branch (and carries its properties, such as
``correlationKeys``). Subscriptions, jobs, correlation keys and validation
all read events through this module so that they see those waits too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway


def definitions(spec: Any) -> Iterator[tuple[Any, Any]]:
    """``(element, definition)`` for each event ``spec`` waits for.

    ``element`` is the spec whose properties describe the event: the catch
    event behind the gateway for a gateway's events, else ``spec`` itself.
    """
    event = getattr(spec, "event_definition", None)
    if not isinstance(event, MultipleEventDefinition):
        if event is not None:
            yield spec, event
        return
    if isinstance(spec, EventBasedGateway):  # connect() appended one definition per output
        yield from zip(spec.outputs, event.event_definitions, strict=False)
        return
    for definition in event.event_definitions:
        yield spec, definition


def pending(task: Any) -> Iterator[tuple[Any, Any]]:
    """:func:`definitions` of a waiting task, less the events it has already caught."""
    seen = [event.event_definition for event in task.internal_data.get("seen_events", ())]
    for element, definition in definitions(task.task_spec):
        if definition not in seen:  # Spiff compares definitions by kind and name too
            yield element, definition


def element_key(element: Any) -> tuple[str, str]:
    """What names a catching element in its version: its process and its id.

    Correlation keys are a property of each catch, not of the message: two
    catches of one message may correlate on different keys.
    """
    return (element._wf_spec.name, element.name)


def is_message(definition: Any) -> bool:
    return isinstance(definition, MessageEventDefinition)


def is_timer(definition: Any) -> bool:
    return isinstance(definition, TimerEventDefinition)


def timers(spec: Any) -> list[Any]:
    """The timer definitions a spec waits for (more than one cannot work, see validation)."""
    return [definition for _, definition in definitions(spec) if is_timer(definition)]


def messages(task: Any, name: str) -> list[Any]:
    """The message definitions named ``name`` that a waiting task has yet to catch."""
    return [event for _, event in pending(task) if is_message(event) and event.name == name]


def waits_for_several(spec: Any) -> bool:
    """An event-based gateway, or a catch event with several event definitions."""
    return isinstance(getattr(spec, "event_definition", None), MultipleEventDefinition)
