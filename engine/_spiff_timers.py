"""Spiff's timer checks, made to fire at the due instant itself.

SpiffWorkflow 3.2 fires a timer only once its time has *passed*
(``due < now``), while our jobs fall due at ``due <= now`` and the embedded
timer thread wakes exactly at ``due``. At that instant a step would fire the
job, log ``timer_fired`` and find that Spiff fired nothing: the cycle did not
re-arm and the job stayed due. BPMN means "at" the time, so these three
checks are Spiff's own with ``<=``; the rest of each class is untouched.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from ._clock import now


def _time_date_has_fired(self: TimeDateEventDefinition, my_task: Any) -> bool:
    value = my_task._get_internal_data("event_value")
    if value is None:
        value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        my_task._set_internal_data(event_value=value)
    if TimerEventDefinition.parse_time_or_duration(value) <= now():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


def _duration_has_fired(self: DurationTimerEventDefinition, my_task: Any) -> bool:
    value = my_task._get_internal_data("event_value")
    if value is None:
        expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        duration = TimerEventDefinition.parse_iso_duration(expression)
        value = (now() + TimerEventDefinition.get_timedelta_from_start(duration)).isoformat()
        my_task._set_internal_data(event_value=value)
    if TimerEventDefinition.get_datetime(value) <= now():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


def _cycle_complete(self: CycleTimerEventDefinition, my_task: Any) -> bool:
    """True when the next cycle is due: it is counted and the one after armed."""
    value = my_task._get_internal_data("event_value")
    if value is None:
        expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
        value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
    ready = False
    if value["cycles"] != 0:
        next_event = datetime.fromisoformat(value["next"])
        if next_event <= now():
            value["next"] = (next_event + timedelta(seconds=value["duration"])).isoformat()
            value["cycles"] -= 1
            ready = True
    else:
        my_task.internal_data.pop("event_value", None)
        my_task.internal_data["event_fired"] = True
    my_task._set_internal_data(event_value=value)
    return ready


def install() -> None:
    """Replace the three checks (idempotent; every engine process runs it at import)."""
    TimeDateEventDefinition.has_fired = _time_date_has_fired
    DurationTimerEventDefinition.has_fired = _duration_has_fired
    CycleTimerEventDefinition.cycle_complete = _cycle_complete
