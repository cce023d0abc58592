"""Which processes a user may start from the start page, and with which form.

A process is startable from the page when its none start event carries a
``form`` property (a JSON Schema file of the bundle) or lies in a lane. The
lane names the group that may start it; admins and process owners may start
any. Processes started only by messages, timers or the CLI are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import (
    NoneEventDefinition,
)

from engine import Engine

from ..auth.user import WebUser


@dataclass(frozen=True)
class Startable:
    key: str
    name: str
    version: int
    lane: str | None
    form: dict[str, Any] | None
    documentation: str | None


def catalogue(engine: Engine) -> list[Startable]:
    """Every deployed process's newest version that has a page-startable start event."""
    found: list[Startable] = []
    with engine.session() as session:
        for summary in engine.processes():
            parsed = engine.rt.version(session, summary["id"])
            start = _none_start(parsed.spec)
            if start is None:
                continue
            props = start.extensions.get("properties", {})
            form_file = props.get("form")
            if not form_file and not start.lane:
                continue
            form = _form(parsed.files, form_file)
            found.append(
                Startable(
                    summary["key"],
                    summary["name"],
                    summary["version"],
                    start.lane,
                    form,
                    start.documentation,
                )
            )
    return found


def startable_processes(engine: Engine, user: WebUser) -> list[Startable]:
    return [s for s in catalogue(engine) if may_start(user, s)]


def may_start(user: WebUser, startable: Startable) -> bool:
    return user.is_process_owner or startable.lane is None or startable.lane in user.groups


def find(engine: Engine, user: WebUser, key: str) -> Startable | None:
    for startable in startable_processes(engine, user):
        if startable.key == key:
            return startable
    return None


def _none_start(spec: Any) -> Any:
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and isinstance(
            task_spec.event_definition, NoneEventDefinition
        ):
            return task_spec
    return None


def _form(files: Any, name: str | None) -> dict[str, Any] | None:
    import json

    if not name or name not in files:
        return None
    form: dict[str, Any] = json.loads(files[name])
    return form
