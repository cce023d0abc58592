"""The integrations' Celery tasks: process an event, sweep the journal, deliver the outbox.

Registered on the ``clientflow`` Celery app (:func:`register_tasks`), so they
run on the same workers as the engine's tasks, eagerly in-process when there is
no broker. Each takes an id and may run more than once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from celery.utils.time import get_exponential_backoff_interval
from kombu.exceptions import OperationalError as KombuOperationalError

from . import outbox
from .service import Integrations

log = logging.getLogger(__name__)

PROCESS_TASK = "clientflow.process_event"
SWEEP_TASK = "clientflow.sweep_events"
OUTBOX_TASK = "clientflow.deliver_outbox"
OUTBOX_MESSAGE_TASK = "clientflow.deliver_outbox_message"
OUTBOX_SECONDS = 10.0
EVENT_RETRIES = 5
SWEEP_SECONDS = 30.0
SWEEP_GRACE = 30.0
"""An event younger than this is left to the task its hook enqueued."""


def register_tasks(app: Celery, get_service: Callable[[], Integrations]) -> None:
    """Add the tasks and their beat entries to ``app``; the service is built in the worker."""

    @app.task(name=PROCESS_TASK, bind=True, max_retries=EVENT_RETRIES, shared=False)
    def process_event(self: Task, event_id: int) -> list[Any]:
        service = get_service()
        try:
            return service.process(event_id)
        except Exception as exc:
            final = self.request.retries >= EVENT_RETRIES
            service.attempt_failed(event_id, exc, final)
            if final:
                return [{"failed": str(exc)}]
            countdown = get_exponential_backoff_interval(2, self.request.retries, 300, True)
            raise self.retry(exc=exc, countdown=countdown) from exc

    @app.task(name=SWEEP_TASK, shared=False)
    def sweep_events(older_than: float = SWEEP_GRACE) -> int:
        """Hand on what was journaled but never processed (the broker was down, say)."""
        return get_service().sweep(older_than)

    @app.task(name=OUTBOX_TASK, shared=False)
    def deliver_outbox(limit: int = 100) -> dict[str, int]:
        """Deliver due outbox messages (new ones and retries whose time has come)."""
        return outbox.deliver_due(get_service().engine.db, outbox.provider_from_env().send, limit)

    @app.task(name=OUTBOX_MESSAGE_TASK, shared=False)
    def deliver_outbox_message(outbox_id: int) -> str:
        """Deliver one message right after the step that queued it committed."""
        provider = outbox.provider_from_env()
        return outbox.deliver_one(get_service().engine.db, outbox_id, provider.send)

    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        "clientflow-sweep-events": {
            "task": SWEEP_TASK,
            "schedule": SWEEP_SECONDS,
            "options": {"expires": SWEEP_SECONDS},
        },
        "clientflow-deliver-outbox": {
            "task": OUTBOX_TASK,
            "schedule": OUTBOX_SECONDS,
            "options": {"expires": OUTBOX_SECONDS},
        },
    }


def publish_fast(app: Celery) -> None:
    """Make publishing give up at once when the broker is down (a hook must answer quickly).

    Only for an app that publishes (the web app's): a worker wants the usual retries.
    """
    app.conf.broker_connection_timeout = 1
    app.conf.broker_connection_max_retries = 0
    options = dict(app.conf.broker_transport_options or {})
    options.update(max_retries=0, socket_connect_timeout=1)
    app.conf.broker_transport_options = options


def celery_dispatcher(app: Celery) -> Callable[[int], bool]:
    """Enqueue ``process_event``; with the broker down, log it and leave it to the sweeper."""

    def dispatch(event_id: int) -> bool:
        try:
            app.tasks[PROCESS_TASK].apply_async((event_id,), retry=False)
        except (KombuOperationalError, OSError) as exc:
            log.warning("broker unavailable, event %s waits for the sweeper: %s", event_id, exc)
            return False
        return True

    return dispatch


class EmbeddedLoop(threading.Thread):
    """Embedded mode (no broker, no beat): sweep the journal and the outbox in a thread."""

    def __init__(self, service: Integrations, interval: float = OUTBOX_SECONDS) -> None:
        super().__init__(name="clientflow-integrations", daemon=True)
        self.service = service
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        """One round; an error is logged and the next round tries again."""
        try:
            self.service.sweep(SWEEP_GRACE)
            if outbox.configured_in_env():
                outbox.deliver_due(self.service.engine.db, outbox.provider_from_env().send)
        except Exception:
            log.exception("the integrations' embedded loop failed; trying again later")

    def stop(self) -> None:
        self.stopped.set()
