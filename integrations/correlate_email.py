"""Email correlation: replies reach their case or quote; new mail starts the right process.

Threading first (``In-Reply-To``/``References`` against the outbox: its case, quote or lead,
then a case or quote number in the subject); then the address it was sent to
(support opens a complaint, sales starts lead qualification). Auto-replies and
bounces start nothing; a sender may start only so many processes an hour. Every
email a person wrote is logged once as an interaction. A reply is logged before
its process acts on it: the message carries the interaction's ``external_id``, so
the case's step links that interaction instead of logging the email a second time.
An email that starts a process is logged after the start (a start that fails is
retried, then left failed for replay), as part of the started instance, on the
case its first steps opened; a case opened later (an unknown sender, linked by an
agent first) takes it in then (``handlers.interactions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from crm import outbox as crm_outbox
from engine import Database

from . import actions, attachments, lookups
from .models import IntegrationEvent

if TYPE_CHECKING:
    from .service import Integrations


def handle(service: Integrations, event: IntegrationEvent) -> list[dict[str, Any]]:
    fields = dict(event.payload)
    if fields.get("auto"):
        return [{"ignored": f"machine-made mail: {fields['auto']}"}]
    stored = attachments.store(service.attachments_dir, event.raw)
    with service.engine.session() as session:
        party = lookups.party_by_email(session, fields["from"])
        case, quote = thread_of(session, fields)
        lead_id = replied_lead(session, fields) if not (case or quote) else None
    fields.update(lookups.party_fields(party, case), quote_number=quote, lead_id=lead_id)
    key = f"email:{fields['message_id']}"
    fields["external_id"] = external_id(fields)
    if fields["case_number"] or fields["quote_number"] or fields["lead_id"]:
        logged = _log(service, event, key, interaction(fields, stored))
        return [_route(service, event, key, fields), logged]
    routed = _route(service, event, key, fields)
    opened = _started(service.engine.db, routed)
    return [routed, _log(service, event, key, interaction(fields, stored, opened))]


def _log(
    service: Integrations, event: IntegrationEvent, key: str, data: dict[str, Any]
) -> dict[str, Any]:
    db = service.engine.db
    return actions.once(db, f"{key}:interaction", event.id, lambda: service.log_interaction(data))


def _started(db: Database, routed: dict[str, Any]) -> dict[str, Any] | None:
    """What starting a process did: this attempt's outcome, or the earlier one it repeats."""
    if "instance_id" in routed:
        return routed
    if routed.get("skipped") and routed.get("action"):
        return actions.outcome(db, routed["action"])
    return None


def _route(
    service: Integrations, event: IntegrationEvent, key: str, fields: dict[str, Any]
) -> dict[str, Any]:
    rules, db = service.rules, service.engine.db
    if fields["case_number"]:
        rule = rules.reply_to_case
        return actions.once(db, f"{key}:reply", event.id, lambda: service.message(rule, fields))
    if fields["quote_number"]:
        rule = rules.reply_to_quote
        return actions.once(db, f"{key}:reply", event.id, lambda: service.message(rule, fields))
    if fields["lead_id"]:
        rule = rules.reply_to_lead
        return actions.once(db, f"{key}:reply", event.id, lambda: service.message(rule, fields))
    to = set(fields.get("to") or ())
    if rules.support_address in to:
        start = rules.support_email
    elif rules.sales_address in to:
        start = rules.sales_email
    else:
        return {"ignored": "sent to no address a rule knows: " + ", ".join(sorted(to))[:200]}
    limit = rules.starts_per_sender_per_hour
    if actions.starts_since(db, fields["from"]) >= limit:
        return {"action": f"{key}:start", "skipped": f"loop guard: {limit} an hour reached"}
    return actions.once(
        db,
        f"{key}:start",
        event.id,
        lambda: service.start(start, fields),
        sender=fields["from"],
        starts=True,
    )


def replied_lead(session: Session, fields: dict[str, Any]) -> int | None:
    """The lead one of our messages was about, when this email answers it."""
    ids = [f"<{mid}>" for mid in fields.get("in_reply_to") or ()]
    replied = crm_outbox.find_by_message_ids(session, ids)
    return replied.lead_id if replied is not None else None


def thread_of(
    session: Session, fields: dict[str, Any]
) -> tuple[tuple[int, str] | None, str | None]:
    """The open case (id, number) or open quote number this email answers, if any."""
    ids = [f"<{mid}>" for mid in fields.get("in_reply_to") or ()]  # stored with brackets
    replied = crm_outbox.find_by_message_ids(session, ids)
    if replied is not None:
        case = lookups.open_case_by_id(session, replied.case_id) if replied.case_id else None
        quote = lookups.open_quote_by_id(session, replied.quote_id) if replied.quote_id else None
        if quote is None and replied.deal_id and not case:  # the quote email, or one revised since
            quote = lookups.open_quote_of_deal(session, replied.deal_id)
        if case or quote:
            return case, quote
    subject = fields.get("subject") or ""
    for number in lookups.CASE_NUMBER.findall(subject):
        case = lookups.open_case(session, number)
        if case:
            return case, None
    for number in lookups.QUOTE_NUMBER.findall(subject):
        quote = lookups.open_quote(session, number)
        if quote:
            return None, quote
    return None, None


def external_id(fields: dict[str, Any]) -> str:
    """The email's id on the timeline (its Message-ID), shared by whoever records it."""
    return f"email:{fields['message_id']}"[:200]


def interaction(
    fields: dict[str, Any], stored: list[str], opened: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The interaction an inbound email leaves on the timeline: its summary, not the quotes.

    ``opened`` is what the email started (its instance, and the case it opened): the
    email belongs to that instance and is on that case.
    """
    opened = opened or {}
    body = fields.get("summary") or ""
    if stored:
        body += "\n\nAttachments: " + ", ".join(stored)
    return {
        "kind": "email",
        "direction": "in",
        "channel": "email",
        "subject": (fields.get("subject") or "(no subject)")[:300],
        "body": body,
        "recording_url": None,
        "duration_s": None,
        "occurred_at": None,
        "customer_id": fields.get("customer_id"),
        "contact_id": fields.get("contact_id"),
        "case_id": fields.get("case_id") or opened.get("case_id"),
        "lead_id": fields.get("lead_id"),
        "external_id": external_id(fields),
        "sender": fields.get("from"),
        "recipients": list(fields.get("to") or ()),
        "instance_id": str(opened["instance_id"]) if opened.get("instance_id") else None,
    }
