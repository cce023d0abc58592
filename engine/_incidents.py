"""Incidents: an error in a step stops its task, not the step.

Whatever fails while a step runs (a script, an operator, a user task's
``assignee``/``dueIn``/``priority``) is recorded against the failing task; the
step still commits everything else it did, the instance waits in ``incident``
status, and an operator retries (with corrected data) or skips the task. One
step may record several incidents (two parallel user tasks whose assignee is
missing); the instance stays in ``incident`` until each one is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Incident, InstanceStatus

if TYPE_CHECKING:
    from ._runtime import Step


def record(
    step: Step,
    task: Any,
    error_type: str,
    message: str,
    *,
    line_number: int | None = None,
    error_line: str | None = None,
) -> None:
    """Put the instance in ``incident`` status and add an incident on ``task``, with the step."""
    step.status = InstanceStatus.INCIDENT
    step.incidents.append(
        Incident(
            instance_id=step.instance_id,
            task_id=task.id if task is not None else None,
            task_name=task.task_spec.name if task is not None else None,
            error_type=error_type,
            message=message,
            line_number=line_number or None,
            error_line=error_line or None,
            created_at=step.now,
        )
    )
    step.log("incident", task=task, detail=message)
