"""Helpers of the complaint_resolution scenarios: start a complaint, work it, answer it.

The fixtures (``complaints``, an engine with the process deployed, and the manual
``clock``) live in ``conftest.py``; these functions drive the process through the
engine's public API the way the mailbox, the phone line and the agents do.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from crm.models import (
    AbcClass,
    Article,
    Case,
    Change,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Direction,
    Interaction,
    OutboxMessage,
)
from engine import Engine

from ._support import complete, get, integration_logs, rows, seeding

KEY = "complaint_resolution"


def seed_customer(
    engine: Engine, abc: AbcClass = AbcClass.A, email: str | None = "ivan@vega.test"
) -> tuple[int, int]:
    """Vega LLC (class ``abc``) and its contact Ivan, plus two knowledge-base articles."""
    with seeding(engine) as session:
        customer = Customer(name="Vega LLC", abc_class=abc)
        contact = Contact(first_name="Ivan", customer=customer)
        contact.phones.append(ContactPhone(number="+79215550102"))
        if email:
            contact.emails.append(ContactEmail(address=email))
        session.add_all(
            [
                contact,
                Article(title="Fixing a double charge on an invoice", body="...", tags=["invoice"]),
                Article(title="Delivery delays", body="...", tags=["delivery"]),
            ]
        )
        session.flush()
        return customer.id, contact.id


def start(engine: Engine, severity: str = "major", **data: Any) -> dict[str, Any]:
    """A complaint from Vega LLC (``ids=(customer, contact)`` to reuse a customer)."""
    customer_id, contact_id = data.pop("ids", None) or seed_customer(engine)
    values = {
        "customer_id": customer_id,
        "contact_id": contact_id,
        "subject": "Invoice charged twice",
        "description": "We were billed twice for March",
        "severity": severity,
        "channel": "email",
        **data,
    }
    outcome = engine.start(KEY, values, "gleb")
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def respond(
    engine: Engine,
    iid: str,
    refund: float | None = None,
    name: str = "respond",
    user: str | None = None,
) -> None:
    data: dict[str, Any] = {
        "reply": "We are on it.",
        "channel_used": "email",
        "needs_refund": refund is not None,
    }
    if refund is not None:
        data["refund_amount"] = refund
    complete(engine, iid, name, data, user)


def resolve(engine: Engine, iid: str, name: str = "resolve", **extra: Any) -> None:
    data = {"resolution": "We cancelled the second invoice.", "root_cause": "billing_error"}
    complete(engine, iid, name, {**data, **extra})


def reply(engine: Engine, number: str, text: str, **payload: Any) -> dict[str, Any]:
    """The customer's email, as the mailbox correlates it (``customer_reply``)."""
    return engine.send_message(
        "customer_reply", {"case_number": number}, {"reply_text": text, **payload}
    )


def phone(engine: Engine, number: str, call_id: str = "CA1") -> dict[str, Any]:
    """The customer rings, as the telephony correlation reports it (``customer_call``)."""
    payload = {"call_from": "+79215550102", "call_type": "ringing", "call_id": call_id}
    return engine.send_message("customer_call", {"case_number": number}, payload)


def case_of(engine: Engine, iid: str) -> Case:
    data = engine.instance(iid)["data"]
    return get(engine, Case, data["case_id"])


def outbox(engine: Engine, case_id: int) -> list[str]:
    query = sa.select(OutboxMessage.subject).where(OutboxMessage.case_id == case_id)
    return [s for s in rows(engine, query.order_by(OutboxMessage.id))]


def customer_replies(engine: Engine, case_id: int) -> list[Interaction]:
    """What the customer sent on the case timeline (emails, calls), oldest first."""
    query = sa.select(Interaction).where(
        Interaction.case_id == case_id, Interaction.direction == Direction.INBOUND
    )
    return rows(engine, query.order_by(Interaction.id))


def recorded_by(engine: Engine, interaction: Interaction) -> list[tuple[str, str]]:
    """(instance, task) of the CRM change rows that wrote ``interaction``."""
    query = sa.select(Change).where(
        Change.table_name == Interaction.__tablename__, Change.row_id == str(interaction.id)
    )
    return [(c.instance_id, c.task_id) for c in rows(engine, query)]


def mailbox_logs(engine: Engine, case: Case, message_id: str, text: str) -> int:
    """The integrations' interaction process logs the email, as it does before the message."""
    return integration_logs(
        engine,
        **{"kind": "email", "direction": "in", "channel": "email", "subject": "Re: invoice"},
        **{"body": text, "contact_id": case.contact_id, "case_id": case.id},
        **{"external_id": message_id, "sender": "ivan@vega.test"},
    )
