"""The engine façade: one object per process that the web, workers and CLI hold.

Methods are thin: each delegates to the module that holds the logic
(``_instances``, ``_tasks``, ``_deploy``, ``_queries``), so this file reads as
the engine's table of contents.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from . import _deploy, _instances, _jobs, _queries, _requests, _tasks
from ._db import Database
from ._definitions import ParsedVersion
from ._operators import OperatorRegistry
from ._runtime import Runtime, Step
from ._scripting import ScriptEngine
from .models import metadata


class Engine:
    """A durable BPMN runtime over one database."""

    def __init__(
        self,
        db: Database | str | None = None,
        operators: OperatorRegistry | None = None,
        helpers: Mapping[str, Any] | None = None,
    ) -> None:
        self.db = db if isinstance(db, Database) else Database(db)
        self.operators = operators or OperatorRegistry()
        self.rt = Runtime(self.db, self.operators, ScriptEngine(self.operators, helpers))

    # -- schema and definitions -------------------------------------------------
    def create_schema(self) -> None:
        """Create the engine's tables if missing (embedded mode; production uses Alembic)."""
        metadata.create_all(self.db.engine)

    def validate(self, files: Mapping[str, str]) -> list[ParsedVersion]:
        return _deploy.validate(self.rt, files)

    def deploy(self, files: Mapping[str, str], user: str | None = None) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return [row.summary() for row in _deploy.deploy(self.rt, session, files, user)]

    def processes(self) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return _deploy.list_processes(session)

    # -- instances ----------------------------------------------------------------
    def start(
        self,
        key: str,
        data: Mapping[str, Any] | None = None,
        user: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Start an instance; with ``request_id``, a repeat returns the first start's result.

        A request id sent again with other arguments raises ``RequestIdReused``.
        """

        def call(request: _requests.Request | None) -> dict[str, Any]:
            return _settled(_instances.start(self.rt, key, data, user, request=request))

        command = {"process": key, "data": data or {}, "user": user}
        return _requests.once(self.rt, request_id, "start", call, command)

    def complete_task(
        self,
        task_id: uuid.UUID | str,
        data: Mapping[str, Any],
        user: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Complete a user task; with ``request_id``, a repeat returns the first result.

        A request id sent again with other arguments raises ``RequestIdReused``.
        """

        def call(request: _requests.Request | None) -> dict[str, Any]:
            return _settled(_instances.complete_task(self.rt, _uuid(task_id), data, user, request))

        command = {"task": str(task_id), "data": data, "user": user}
        return _requests.once(self.rt, request_id, "complete", call, command)

    def send_message(
        self,
        name: str,
        correlation: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
        user: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Deliver or start; with ``request_id``, a repeat returns the first outcome only.

        A request id sent again with other arguments raises ``RequestIdReused``.
        """

        def call(request: _requests.Request | None) -> dict[str, Any]:
            outcome, step = _instances.deliver_message(
                self.rt, name, correlation or {}, payload or {}, user, request
            )
            return {"outcome": outcome, "instance": _settled(step) if step else None}

        command = {
            "name": name,
            "correlation": correlation or {},
            "payload": payload or {},
            "user": user,
        }
        return _requests.once(self.rt, request_id, "message", call, command)

    def forget_requests(self, keep: timedelta = _requests.KEEP) -> int:
        """Drop request ids (see ``start``) older than ``keep``; returns how many."""
        return _requests.forget(self.rt, keep)

    def fire_due_timers(self, limit: int = 100) -> int:
        """Fire every timer due now; returns how many fired (for the embedded timer loop)."""
        fired = 0
        for job_id in _jobs.due_job_ids(self.rt, limit):
            fired += self.fire_timer(job_id)
        return fired

    def fire_timer(self, job_id: uuid.UUID | str) -> bool:
        """Fire one timer if it is due; False if another worker already did."""
        step = _instances.fire_timer(self.rt, _uuid(job_id))
        if step is None:
            return False
        _settled(step)
        return True

    def cancel(self, instance_id: uuid.UUID | str, user: str | None = None) -> dict[str, Any]:
        return _settled(_instances.cancel(self.rt, _uuid(instance_id), user))

    def suspend(self, instance_id: uuid.UUID | str, user: str | None = None) -> dict[str, Any]:
        step = _instances.set_suspended(self.rt, _uuid(instance_id), user, True)
        return _settled(step)

    def resume(self, instance_id: uuid.UUID | str, user: str | None = None) -> dict[str, Any]:
        step = _instances.set_suspended(self.rt, _uuid(instance_id), user, False)
        return _settled(step)

    def retry(
        self,
        instance_id: uuid.UUID | str,
        user: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        step = _instances.resolve_incident(self.rt, _uuid(instance_id), user, data=data)
        return _settled(step)

    def skip(self, instance_id: uuid.UUID | str, user: str | None = None) -> dict[str, Any]:
        step = _instances.resolve_incident(self.rt, _uuid(instance_id), user, skip=True)
        return _settled(step)

    def instance(self, instance_id: uuid.UUID | str) -> dict[str, Any]:
        with self.db.session() as session:
            return _queries.instance_detail(self.rt, session, _uuid(instance_id))

    # -- tasks ----------------------------------------------------------------------
    def task(self, task_id: uuid.UUID | str) -> dict[str, Any]:
        with self.db.session() as session:
            return _queries.task_detail(self.rt, session, _uuid(task_id))

    def tasks(self, user: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return _queries.list_tasks(self.rt, session, user, **filters)

    def claim(self, task_id: uuid.UUID | str, user: str) -> dict[str, Any]:
        return _tasks.claim(self.rt, _uuid(task_id), user)

    def unclaim(self, task_id: uuid.UUID | str, user: str) -> dict[str, Any]:
        return _tasks.unclaim(self.rt, _uuid(task_id), user)

    def assign(self, task_id: uuid.UUID | str, to_user: str, by_user: str) -> dict[str, Any]:
        return _tasks.assign(self.rt, _uuid(task_id), to_user, by_user)

    def delegate(self, task_id: uuid.UUID | str, to_user: str, by_user: str) -> dict[str, Any]:
        return _tasks.delegate(self.rt, _uuid(task_id), to_user, by_user)

    def session(self) -> Any:
        """A read session (context manager) for queries the façade does not cover."""
        return self.db.session()


def _settled(step: Step | None) -> dict[str, Any]:
    """Run what the step deferred until after its commit, then summarise it."""
    if step is not None and step.context is not None:
        for callback in step.context.after_commit:
            callback()
    return _queries.step_summary(step)


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


__all__ = ["Engine", "Session"]
