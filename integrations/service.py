"""The integrations of one process (web app, worker, SMTP receiver): journal, process, replay.

One :class:`Integrations` holds the engine, the correlation rules and the
secrets. ``dispatch`` hands a journaled event to background processing (a
Celery task, see :mod:`integrations.tasks`); without one, events are processed
in-process right after they are journaled, retried a few times, then failed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from engine import Engine

from . import journal, processing
from .events import InboundEvent, storable
from .rules import MessageRule, Rules, StartRule, load_rules, message_payload, start_data

log = logging.getLogger(__name__)

SYSTEM_USER = "integrations"
INLINE_ATTEMPTS = 3
BPMN = Path(__file__).parent / "bpmn"


@dataclass
class Integrations:
    engine: Engine
    rules: Rules = field(default_factory=load_rules)
    hook_secret: str | None = None
    twilio_auth_token: str | None = None
    attachments_dir: Path = field(default_factory=lambda: Path("instance") / "attachments")
    dispatch: Callable[[int], bool] | None = None
    _deployed: bool = False

    @classmethod
    def from_env(cls, engine: Engine) -> Integrations:
        """Secrets and the attachments folder from CLIENTFLOW_* variables."""
        folder = os.environ.get("CLIENTFLOW_ATTACHMENTS_DIR")
        return cls(
            engine,
            hook_secret=os.environ.get("CLIENTFLOW_HOOK_SECRET") or None,
            twilio_auth_token=os.environ.get("CLIENTFLOW_TWILIO_AUTH_TOKEN") or None,
            attachments_dir=Path(folder) if folder else Path("instance") / "attachments",
        )

    # -- intake ----------------------------------------------------------------------
    def ingest(self, event: InboundEvent) -> tuple[int, bool]:
        """Journal ``event`` (committed), then hand it on; ``(id, False)`` for a repeat."""
        event_id, created = journal.record(self.engine.db, storable(event))
        if created:
            self.enqueue(event_id)
        return event_id, created

    def enqueue(self, event_id: int) -> bool:
        """Hand the event to processing; False if that failed (the sweeper retries it)."""
        if self.dispatch is not None:
            return self.dispatch(event_id)
        self.process_inline(event_id)
        return True

    def process_inline(self, event_id: int) -> None:
        """Embedded mode without Celery: a few attempts, then the event is failed."""
        for attempt in range(1, INLINE_ATTEMPTS + 1):
            try:
                self.process(event_id)
                return
            except Exception as exc:
                self.attempt_failed(event_id, exc, final=attempt == INLINE_ATTEMPTS)

    def process(self, event_id: int) -> list[Any]:
        """Correlate one journaled event (once; see :mod:`integrations.processing`)."""
        return processing.process(self, event_id)

    def attempt_failed(self, event_id: int, exc: BaseException, final: bool) -> None:
        log.warning("processing event %s failed (final=%s): %s", event_id, final, exc)
        journal.attempt_failed(self.engine.db, event_id, f"{type(exc).__name__}: {exc}", final)

    def replay(self, event_id: int) -> bool:
        """Process a journaled event again (after a fix); actions already done stay done."""
        journal.reset(self.engine.db, event_id)
        return self.enqueue(event_id)

    def sweep(self, older_than: float = 30.0) -> int:
        """Hand on every event journaled but never processed (e.g. while the broker was down)."""
        ids = journal.pending_ids(self.engine.db, older_than)
        for event_id in ids:
            self.enqueue(event_id)
        return len(ids)

    def failed(self, limit: int = 100) -> list[dict[str, Any]]:
        """Events whose processing failed for good: the integrations' incidents."""
        return journal.failed(self.engine.db, limit)

    # -- process actions ----------------------------------------------------------------
    def start(self, rule: StartRule, fields: dict[str, Any]) -> dict[str, Any]:
        """Start the rule's process; the outcome names the instance and, if its first steps
        opened one, its case (so the email that started it can be put on that case)."""
        instance = self.engine.start(rule.process, start_data(rule, fields), SYSTEM_USER)
        started = {"started": rule.process, "instance_id": instance["id"]}
        case_id = (instance.get("data") or {}).get("case_id")
        if isinstance(case_id, int) and not isinstance(case_id, bool):
            started["case_id"] = case_id
        return started

    def message(self, rule: MessageRule, fields: dict[str, Any]) -> dict[str, Any]:
        correlation = {rule.key: fields.get(rule.key)}
        payload = message_payload(rule, fields)
        sent = self.engine.send_message(rule.message, correlation, payload, SYSTEM_USER)
        instance = sent.get("instance") or {}
        return {
            "message": rule.message,
            "outcome": sent["outcome"],
            "instance_id": instance.get("id"),
        }

    def log_interaction(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record the interaction through a process step, as every CRM write is.

        Its ``employee`` is the one who placed the call, or (None) this system;
        ``instance_id``/``task_id``, when given, the work it belongs to (the task a
        call was placed from, the process an email started), else this step.
        """
        self.ensure_processes()
        data = {"employee": None, "instance_id": None, "task_id": None, **data}
        instance = self.engine.start(self.rules.interaction_process, data, SYSTEM_USER)
        logged = instance.get("data", {}).get("logged") or {}
        return {
            "interaction_id": logged.get("interaction_id"),
            "instance_id": instance["id"],
            "incident": instance.get("incident"),
        }

    def ensure_processes(self) -> None:
        """Deploy the integrations' own small processes (a no-op when unchanged).

        Two workers deploying the same new version at once: one wins the unique
        version row, the other finds it deployed on its second try.
        """
        if self._deployed:
            return
        with _DEPLOY_LOCK:
            for attempt in (1, 2):
                try:
                    self.engine.deploy(_own_bundles(), SYSTEM_USER)
                    break
                except IntegrityError:
                    if attempt == 2:
                        raise
            self._deployed = True


_DEPLOY_LOCK = threading.Lock()


def _own_bundles() -> dict[str, str]:
    names = ("integration_interaction.bpmn", "integration_callback.bpmn", "callback.json")
    return {name: (BPMN / name).read_text() for name in names}
