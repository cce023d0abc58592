"""Call correlation: who is calling decides the process action (see :class:`rules.Rules`).

- a customer with an open case: a message to that case's instance;
- an unknown number: lead qualification starts with the number;
- a missed inbound call (``missed``, or ended with none of its legs answered, see
  :mod:`integrations.call_outcome`): a callback task for the customer's owner, or
  the sales queue;
- the end of a call (answered or not): one interaction on the timeline, with
  duration and recording link, or saying it was not answered and why;
- a call an employee placed (click-to-call, :mod:`integrations.outbound_calls`) is
  found by its call id: its customer, contact and employee, never a phone look-up
  (the number the provider reports may be the employee's own line). When the
  customer does not answer, the timeline says so and why ("Call to ...: busy"),
  linked to the task it was placed from; our own attempt makes no callback task.

All of a call's events and legs share ``thread_key``, so each action is once per call;
the legs a call fans out to (``ParentCallSid``) only ever describe the root call, which
alone acts.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from engine import NotFound

from . import actions, call_outcome, journal, lookups, outbound_calls
from .models import CallStatus, IntegrationEvent

if TYPE_CHECKING:
    from .service import Integrations


def handle(service: Integrations, event: IntegrationEvent) -> list[dict[str, Any]]:
    fields = _fields(service, event)
    call = f"{event.thread_key}"
    db, rules = service.engine.db, service.rules
    out: list[dict[str, Any]] = []
    root = not fields["leg"]
    caller = fields["direction"] == "inbound" and root
    final = root and fields["type"] in ("ended", "missed")
    if final:
        history = journal.thread_payloads(db, event.source, call)
        fields["unanswered"] = call_outcome.unanswered_reason(fields, history)
    if caller and fields.get("case_number"):
        rule = rules.call_on_open_case
        out.append(
            actions.once(db, f"{call}:case", event.id, lambda: service.message(rule, fields))
        )
    elif caller and fields.get("customer_id") is None and fields.get("from"):
        out.append(_start(service, event, f"{call}:lead", rules.unknown_caller, fields))
    if caller and final and fields["unanswered"]:
        out.append(_start(service, event, f"{call}:callback", rules.missed_call, fields))
    if fields.get("placed_id") is not None and root:
        status = CallStatus.MISSED if final and fields["unanswered"] else fields["type"]
        outbound_calls.advance(db, fields["placed_id"], status)
    if final:
        data = interaction(fields, event.source, _task_instance(service, fields.get("task_id")))
        out.append(
            actions.once(db, f"{call}:interaction", event.id, lambda: service.log_interaction(data))
        )
    return out or [{"ignored": f"nothing to do on a {fields['type']} event"}]


def _start(
    service: Integrations, event: IntegrationEvent, key: str, rule: Any, fields: dict[str, Any]
) -> dict[str, Any]:
    sender = event.sender
    limit = service.rules.starts_per_sender_per_hour
    if sender and actions.starts_since(service.engine.db, sender) >= limit:
        return {"action": key, "skipped": f"loop guard: {sender} started {limit} in the last hour"}
    return actions.once(
        service.engine.db,
        key,
        event.id,
        lambda: service.start(rule, fields),
        sender=sender,
        starts=True,
    )


def _fields(service: Integrations, event: IntegrationEvent) -> dict[str, Any]:
    """The event's fields plus what the CRM knows of the other party.

    A call we placed names its party itself: it is outbound, to the number the
    employee chose, whatever the provider reports for this leg.
    """
    fields = dict(event.payload)
    with service.engine.session() as session:
        placed = outbound_calls.find(session, event.source, fields.get("call_id"))
        if placed is not None:
            party: lookups.Party | None = lookups.party_of(
                session, placed.contact_id, placed.customer_id
            )
            fields.update(
                direction="outbound",
                to=placed.phone,
                employee=placed.employee,
                task_id=placed.task_id,
            )
        else:
            party = lookups.party_by_phone(session, event.sender)
        case = lookups.open_case_of(session, party.customer_id) if party else None
    fields.update(
        lookups.party_fields(party, case), placed_id=placed.id if placed is not None else None
    )
    return fields


def _task_instance(service: Integrations, task_id: str | None) -> str | None:
    """The instance of the task a call was placed from (None if there was none, or it is gone)."""
    if not task_id:
        return None
    try:
        return str(service.engine.task(uuid.UUID(task_id))["instance_id"])
    except (ValueError, NotFound):
        return None


def interaction(
    fields: dict[str, Any], source: str, task_instance: str | None = None
) -> dict[str, Any]:
    """The interaction a finished call leaves on the timeline (``fields["unanswered"]`` says
    whether and why nobody answered); a call placed from a task is linked to that task."""
    reason = fields.get("unanswered")
    inbound = fields["direction"] == "inbound"
    party = fields.get("from") if inbound else fields.get("to")
    if inbound:
        subject = f"{'Missed call' if reason else 'Call'} from {party}"
    else:
        subject = f"Call to {party}" + (f": {reason}" if reason else "")
    linked = bool(task_instance and fields.get("task_id"))
    return {
        "kind": "call",
        "direction": "in" if inbound else "out",
        "channel": source,
        "subject": subject[:300],
        "body": None,
        "recording_url": fields.get("recording_url"),
        "duration_s": 0 if reason else fields.get("duration"),
        "occurred_at": fields.get("at"),
        "customer_id": fields.get("customer_id"),
        "contact_id": fields.get("contact_id"),
        "case_id": fields.get("case_id"),
        "lead_id": None,
        "external_id": f"call:{fields['call_id']}"[:200],
        "sender": fields.get("from"),
        "recipients": [fields["to"]] if fields.get("to") else None,
        "employee": fields.get("employee"),
        "instance_id": task_instance if linked else None,
        "task_id": fields.get("task_id") if linked else None,
    }
