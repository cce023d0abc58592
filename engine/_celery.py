"""Celery integration: the engine's work as idempotent tasks that take ids, not objects.

Production runs these tasks on Celery workers with a Redis broker and beat
sweeping due timers; embedded mode runs the very same tasks in-process (eager)
plus :func:`start_timer_thread`. Every task may run more than once: with late
acknowledgement a worker killed mid-step leaves its message to be delivered
again, and the step it was running rolled back with its transaction, so the
rerun starts from the state before the step. A rerun that finds the work done
(a completed task, a fired timer) reports that instead of failing; a start or
a message carries a request id (the Celery task id unless the caller gives
one), stored with its step, so a rerun after the commit returns the first
result instead of starting or delivering twice.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from celery import Celery, Task
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy.exc import OperationalError

from . import _jobs
from ._engine import Engine
from ._errors import Conflict, EngineError

log = logging.getLogger(__name__)

T = TypeVar("T")

APP_NAME = "clientflow"
SWEEP_SECONDS = 5.0
"""How often beat sweeps for due timers: the lateness a timer may have on top of its due time."""
SWEEP_LIMIT = 100
FORGET_SECONDS = 24 * 3600.0
"""How often old request ids are dropped (beat, and the embedded timer thread)."""
VISIBILITY_TIMEOUT_ENV = "CLIENTFLOW_CELERY_VISIBILITY_TIMEOUT"
DEFAULT_VISIBILITY_TIMEOUT = 3600
MAX_RETRIES = 8
BACKOFF_CAP = 60
SOFT_TIME_LIMIT = 240
"""Seconds a step may run before ``SoftTimeLimitExceeded`` rolls it back (scripts stop at 2 s)."""
HARD_TIME_LIMIT = 300
"""Seconds before a stuck pool process is killed; well under the default visibility timeout."""


def make_celery(get_engine: Callable[[], Engine], broker_url: str | None) -> Celery:
    """The ``clientflow`` Celery app; eager (in-process) when there is no broker.

    ``get_engine`` is called inside each task, so a prefork worker builds its
    engine (and its database pool) in the child process, never before the fork.
    """
    app = Celery(APP_NAME)
    app.conf.update(celery_settings(broker_url))
    _register_tasks(app, get_engine)
    return app


def celery_settings(broker_url: str | None) -> dict[str, Any]:
    """Settings that make a lost worker lose nothing; see the module docstring."""
    eager = not broker_url
    visibility = visibility_timeout()
    return {
        "broker_url": broker_url or "memory://",  # eager mode never talks to a broker
        "task_always_eager": eager,
        # eager retries rerun at once (no countdown); errors surface from ``result.get()``,
        # since propagating them at ``delay()`` would also propagate the retries
        "task_eager_propagates": False,
        "task_acks_late": True,  # ack after the step committed: a dead worker's message returns
        "task_reject_on_worker_lost": True,  # a killed pool process requeues, not acks
        "worker_prefetch_multiplier": 1,
        # a step hung in a database wait or an operator's I/O is stopped (its transaction
        # rolls back; a timed-out task is acknowledged as failed, not redelivered for ever)
        "task_soft_time_limit": SOFT_TIME_LIMIT,
        "task_time_limit": HARD_TIME_LIMIT,  # no step waits behind a long one in another's buffer
        "worker_cancel_long_running_tasks_on_connection_loss": True,  # it is redelivered anyway
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            # an unacked message returns to the queue after this many seconds: it must
            # exceed the longest step, or a slow step would run twice side by side
            "visibility_timeout": visibility,
            # look for such messages often enough that the timeout is what counts
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
        },
        "beat_schedule": {
            "clientflow-fire-due-timers": {
                "task": "clientflow.fire_due_timers",
                "schedule": SWEEP_SECONDS,
                "options": {"expires": SWEEP_SECONDS},  # a late sweep is replaced by the next
            },
            "clientflow-forget-requests": {
                "task": "clientflow.forget_requests",
                "schedule": FORGET_SECONDS,
            },
        },
    }


def visibility_timeout() -> int:
    """Seconds from ``CLIENTFLOW_CELERY_VISIBILITY_TIMEOUT``, one hour by default."""
    raw = os.environ.get(VISIBILITY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_VISIBILITY_TIMEOUT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{VISIBILITY_TIMEOUT_ENV} must be a whole number of seconds, not {raw!r}")
    return value


def _register_tasks(app: Celery, get_engine: Callable[[], Engine]) -> None:
    """The tasks; each takes JSON primitives and may safely run more than once."""
    options: dict[str, Any] = {"bind": True, "max_retries": MAX_RETRIES, "shared": False}

    @app.task(name="clientflow.fire_due_timers", **options)
    def fire_due_timers(self: Task, limit: int = SWEEP_LIMIT) -> int:
        """Enqueue one ``fire_timer`` per due timer; returns how many were enqueued."""
        job_ids = _retrying(self, lambda: _jobs.due_job_ids(get_engine().rt, limit))
        for job_id in job_ids:
            # a message not run before the next sweeps is dropped: they enqueue it again
            fire_timer.apply_async((str(job_id),), expires=SWEEP_SECONDS * 6)
        return len(job_ids)

    @app.task(name="clientflow.forget_requests", **options)
    def forget_requests(self: Task) -> int:
        """Drop request ids old enough that no redelivery can still bring their request."""
        return _retrying(self, lambda: get_engine().forget_requests())

    @app.task(name="clientflow.fire_timer", **options)
    def fire_timer(self: Task, job_id: str) -> bool:
        """Fire one due timer; False when it already fired (or is gone)."""
        return _retrying(self, lambda: get_engine().fire_timer(job_id))

    @app.task(name="clientflow.complete_task", **options)
    def complete_task(
        self: Task, task_id: str, data: Mapping[str, Any], user: str | None = None
    ) -> dict[str, Any]:
        """Complete a user task; a rerun on a finished task reports who finished it."""
        engine = get_engine()
        try:
            instance = _retrying(self, lambda: engine.complete_task(task_id, data, user))
        except Conflict as exc:
            log.info("complete_task %s not applied: %s", task_id, exc.message)
            task = _retrying(self, lambda: engine.task(task_id))
            return {"outcome": "conflict", "detail": exc.message, "task": task}
        return {"outcome": "completed", "instance": instance}

    @app.task(name="clientflow.send_message", **options)
    def send_message(
        self: Task,
        name: str,
        correlation: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
        user: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Deliver a message to the instance waiting for it, or start the process it starts.

        Idempotent: a redelivery of this task (same task id) does nothing again.
        """
        key = request_id or _task_key(self)
        engine = get_engine()
        return _retrying(
            self, lambda: engine.send_message(name, correlation, payload, user, request_id=key)
        )

    @app.task(name="clientflow.start", **options)
    def start(
        self: Task,
        key: str,
        data: Mapping[str, Any] | None = None,
        user: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Start an instance of the newest version of process ``key``, once per task id."""
        request = request_id or _task_key(self)
        engine = get_engine()
        instance = _retrying(self, lambda: engine.start(key, data, user, request_id=request))
        return {"outcome": "started", "instance": instance}


def _task_key(task: Task) -> str | None:
    """The Celery task id: the same on every delivery of one message, so an idempotency key."""
    task_id = task.request.id
    return f"celery:{task_id}" if task_id else None


def _retrying(task: Task, call: Callable[[], T]) -> T:
    """Run ``call``; retry the task later if the failure may pass (lost connection, deadlock).

    Only errors raised before the step committed reach here, so its
    transaction rolled back and running it again cannot apply it twice.
    """
    try:
        return call()
    except OperationalError as exc:
        raise task.retry(exc=exc, countdown=_backoff(task.request.retries)) from exc
    except EngineError as exc:
        if exc.retryable:
            raise task.retry(exc=exc, countdown=_backoff(task.request.retries)) from exc
        raise


def _backoff(retries: int) -> int:
    """Exponential with full jitter, capped below the visibility timeout.

    A retry waits in the worker unacknowledged; waiting longer than the
    visibility timeout would make Redis hand the message to a second worker.
    """
    cap = max(1, min(BACKOFF_CAP, visibility_timeout() // 2))
    return int(get_exponential_backoff_interval(1, retries, cap, full_jitter=True))


class TimerThread(threading.Thread):
    """Fires due timers in embedded mode, where no beat runs; ``stop()`` ends it."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        super().__init__(name="clientflow-timers", daemon=True)
        self.engine = engine
        self.interval = interval
        self.stopped = threading.Event()
        # the caller's context: a test's ManualClock (engine.using_clock) applies here too
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(self._loop)

    def _loop(self) -> None:
        forgotten_at = 0.0
        while not self.stopped.is_set():
            if time.monotonic() - forgotten_at > FORGET_SECONDS:
                forgotten_at = time.monotonic()
                self._forget()
            if self.tick() < SWEEP_LIMIT:  # a full batch means more may be due already
                self.stopped.wait(self.interval)

    def _forget(self) -> None:
        try:
            self.engine.forget_requests()
        except Exception:
            log.exception("dropping old request ids failed; trying again tomorrow")

    def tick(self) -> int:
        """Fire what is due now; an error is logged and the next tick tries again."""
        try:
            return self.engine.fire_due_timers(SWEEP_LIMIT)
        except Exception:
            log.exception("firing due timers failed; trying again in %.1f s", self.interval)
            return 0

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to end and wait for it (it finishes the timer it is firing)."""
        self.stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def start_timer_thread(engine: Engine, interval: float = 1.0) -> TimerThread:
    """Start the embedded timer loop (``clientflow serve`` without a broker)."""
    thread = TimerThread(engine, interval)
    thread.start()
    return thread
