"""Outbound email: what a process sends to a customer, on the customer's timeline.

The CRM has no outbox table yet, so ``mail.send`` records the message as an
outbound email interaction and nothing more: no worker delivers it. Because an
interaction has no recipient column, the address must be one the CRM knows
(an email of the contact, or of the lead), so the recipient can be found
again from the record.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy.orm import Session

import crm
from crm.models import Contact, Direction, InteractionKind, Lead
from crm.schemas import Email
from engine import StepContext

from ._params import Id, Params, bad, load
from .interactions import record


class SendParams(Params):
    to = Email(required=True)
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True)
    contact_id = Id(allow_none=True)
    customer_id = Id(allow_none=True)
    lead_id = Id(allow_none=True)
    deal_id = Id(allow_none=True)
    case_id = Id(allow_none=True)


def send(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record an email to a known contact or lead address as an outbound interaction."""
    p = {k: v for k, v in load(SendParams(), params).items() if v is not None}
    session = ctx.session
    to = p.pop("to")
    if "contact_id" not in p and not _lead_address(session, p.get("lead_id"), to):
        p["contact_id"] = _contact_for(session, to)
    elif "contact_id" in p:
        _check_owns(session, p["contact_id"], to)
    values = {
        **p,
        "kind": InteractionKind.EMAIL,
        "direction": Direction.OUTBOUND,
        "channel": "email",
    }
    interaction = record(session, values, employee=ctx.user)
    return {
        "interaction_id": interaction.id,
        "to": to,
        "contact_id": interaction.contact_id,
        "customer_id": interaction.customer_id,
        "status": "recorded",
    }


def _lead_address(session: Session, lead_id: int | None, to: str) -> bool:
    lead = session.get(Lead, lead_id) if lead_id is not None else None
    return lead is not None and lead.email == to


def _contact_for(session: Session, to: str) -> int:
    found = crm.find_contacts_by_email(session, to)
    if not found:
        raise bad(
            "to",
            f"{to} is not the email of any contact (or of the lead given): mail.send records"
            " mail on a contact's or lead's timeline; create the contact first",
        )
    return found[0].id


def _check_owns(session: Session, contact_id: int, to: str) -> None:
    contact = session.get(Contact, contact_id)
    if contact is not None and to not in {e.address for e in contact.emails}:
        raise bad("to", f"{to} is not an email of contact {contact_id}")


OPERATORS = (("mail.send", send),)
