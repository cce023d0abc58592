"""Processing one journaled event: correlate it, then record what it did.

An event already processed returns its recorded outcome, so a redelivered task
(late acknowledgement, the sweeper) changes nothing; actions are claimed once
per call or thread (:mod:`integrations.actions`), so even two workers racing on
one event do each action once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import correlate_calls, correlate_email, journal
from .models import EventStatus

if TYPE_CHECKING:
    from .service import Integrations

HANDLERS = {
    "telephony": correlate_calls.handle,
    "twilio": correlate_calls.handle,
    "email": correlate_email.handle,
}


def process(service: Integrations, event_id: int) -> list[Any]:
    event = journal.get(service.engine.db, event_id)
    if event.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
        return list(event.outcome or [])
    service.ensure_processes()
    outcome = HANDLERS[event.source](service, event)
    acted = any("ignored" not in item for item in outcome)
    status = EventStatus.PROCESSED if acted else EventStatus.IGNORED
    journal.finish(service.engine.db, event_id, status, outcome)
    return outcome
