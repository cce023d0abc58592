"""Failures made for real: an inbound call whose process is not deployed, an email that
no mail server takes. Shared by the channels page tests, the permission matrix and
the CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

from crm.models import OutboxMessage
from engine import Engine
from integrations import Integrations, parse_generic
from integrations import outbox as delivery
from integrations.models import EventStatus
from tests.integrations.conftest import open_complaint, seed_contact
from tests.integrations.servers import free_port

STAND_INS = Path(__file__).parents[2] / "integrations" / "bpmn"
UNKNOWN_CALLER = "+79001112233"


def call_event(call_id: str = "c1", kind: str = "ringing", caller: str = UNKNOWN_CALLER) -> bytes:
    """A PBX event (the generic telephony hook's JSON) from a number no customer has."""
    body = {
        "event_id": f"ev-{call_id}-{kind}",
        "type": kind,
        "call_id": call_id,
        "from": caller,
        "to": "+74950000000",
        "direction": "inbound",
    }
    return json.dumps(body).encode()


def deploy_stand_in(engine: Engine, name: str) -> None:
    """Deploy one of the integration tests' stand-in processes (``lead_qualification``...)."""
    engine.deploy({f"{name}.bpmn": (STAND_INS / f"{name}.bpmn").read_text()}, user="olga")


def failed_event(engine: Engine) -> int:
    """An unknown caller's call, journaled and processed while ``lead_qualification`` is not
    deployed: retried, then failed for good. Its id."""
    service = Integrations(engine)
    event_id, _ = service.ingest(parse_generic(call_event()))
    [failed] = [e for e in service.failed() if e["id"] == event_id]
    assert failed["status"] == EventStatus.FAILED
    return event_id


def failed_message(engine: Engine, email: str = "ivan@example.com") -> int:
    """A complaint's acknowledgement that no mail server took, :data:`MAX_ATTEMPTS` times."""
    for name in ("seed_contact", "complaint_resolution"):
        deploy_stand_in(engine, name)
    seed_contact(engine, first_name="Ivan", email=email, company="Acme")
    outbox_id = int(open_complaint(engine, email)["data"]["ack"]["outbox_id"])
    dead = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{free_port()}")  # nothing listens
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_one(engine.db, outbox_id, dead.send)
    assert status_of(engine, outbox_id) == "failed"
    return outbox_id


def status_of(engine: Engine, outbox_id: int) -> str:
    with engine.session() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        return str(message.status)
