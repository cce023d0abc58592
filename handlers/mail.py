"""Outbound email and SMS: queued in the outbox inside the step, delivered after it commits.

``mail.send`` and ``sms.send`` write one :class:`~crm.models.OutboxMessage` and
record the message as an outbound interaction on the customer's timeline (with
its recipients), in the step's transaction: a rolled-back step sends nothing.
The Message-ID is made here (``<hex@CLIENTFLOW_MAIL_DOMAIN>``, default
``demo.clientflow.test``) and returned into task data, so a later reply threads
back. A message about a case or quote that names no ``in_reply_to`` continues
the thread of the last message sent about it.

Delivery is not done here: a worker drains the outbox through :mod:`crm.outbox`.
Whoever runs that worker may call :func:`set_delivery` with a callback taking
an outbox id; it is called after the step commits (e.g. to enqueue a Celery
task at once instead of waiting for the next sweep).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

import crm
from crm.models import (
    Campaign,
    CampaignMember,
    Contact,
    Direction,
    InteractionKind,
    Lead,
    OutboxChannel,
    OutboxMessage,
    Quote,
)
from crm.schemas import AttachmentRefSchema, Email, Phone
from engine import StepContext

from ._params import Id, Params, bad, load, optional
from .interactions import record

DOMAIN_VARIABLE = "CLIENTFLOW_MAIL_DOMAIN"
LINK_FIELDS = (
    "contact_id",
    "customer_id",
    "lead_id",
    "deal_id",
    "case_id",
    "quote_id",
    "campaign_id",
    "campaign_member_id",
)
THREADED_BY = ("case_id", "quote_id")

Delivery = Callable[[int], None]
_delivery: list[Delivery] = []


def set_delivery(callback: Delivery | None) -> None:
    """Call ``callback(outbox_id)`` after each step that queued a message commits (None: stop)."""
    _delivery.clear()
    if callback is not None:
        _delivery.append(callback)


class _Links(Params):
    contact_id = Id(allow_none=True)
    customer_id = Id(allow_none=True)
    lead_id = Id(allow_none=True)
    deal_id = Id(allow_none=True)
    case_id = Id(allow_none=True)
    quote_id = Id(allow_none=True)
    campaign_id = Id(allow_none=True)
    campaign_member_id = Id(allow_none=True)


class SendParams(_Links):
    to = Email(required=True)
    cc = fields.List(Email(), load_default=list, validate=validate.Length(max=20))
    sender = Email(allow_none=True)
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(required=True)
    html = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentRefSchema), load_default=list)
    in_reply_to = fields.String(allow_none=True, validate=validate.Length(3, 255))
    references = fields.List(fields.String(validate=validate.Length(3, 255)), load_default=list)


class SendSmsParams(_Links):
    to = Phone(required=True)
    body = fields.String(required=True, validate=validate.Length(1, 1600))


def send(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Queue an email in the outbox and record it on the timeline; returns its Message-ID."""
    p = load(SendParams(), _present(params))
    session = ctx.session
    links = _links(session, p, p["to"], "email")
    thread = _thread(session, p, links)
    interaction = record(
        session,
        {
            **_interaction_links(session, links),
            "kind": InteractionKind.EMAIL,
            "direction": Direction.OUTBOUND,
            "channel": "email",
            "subject": p["subject"],
            "body": p["body"],
            "sender": p.get("sender"),
            "recipients": [p["to"], *p["cc"]],
        },
        employee=ctx.user,
    )
    message = OutboxMessage(
        channel=OutboxChannel.EMAIL,
        sender=p.get("sender"),
        recipient=p["to"],
        cc=p["cc"],
        subject=p["subject"],
        body_text=p["body"],
        body_html=p.get("html"),
        attachments=p["attachments"],
        **thread,
    )
    return _queue(ctx, message, links, interaction.id, interaction.customer_id)


def send_sms(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Queue an SMS in the outbox and record it on the timeline."""
    p = load(SendSmsParams(), _present(params))
    session = ctx.session
    links = _links(session, p, p["to"], "phone")
    interaction = record(
        session,
        {
            **_interaction_links(session, links),
            "kind": InteractionKind.SMS,
            "direction": Direction.OUTBOUND,
            "channel": "sms",
            "body": p["body"],
            "recipients": [p["to"]],
        },
        employee=ctx.user,
    )
    message = OutboxMessage(channel=OutboxChannel.SMS, recipient=p["to"], body_text=p["body"])
    return _queue(ctx, message, links, interaction.id, interaction.customer_id)


def _present(p: dict[str, Any]) -> dict[str, Any]:
    """The parameters given a value: BPMN passes ``None`` for what a process leaves unset."""
    return {key: value for key, value in p.items() if value is not None}


def _queue(
    ctx: StepContext,
    message: OutboxMessage,
    links: dict[str, int],
    interaction_id: int,
    customer_id: int | None,
) -> dict[str, Any]:
    """Add the outbox row (linked like its interaction) and arrange the after-commit nudge."""
    message.message_id = crm.outbox.new_message_id(
        os.environ.get(DOMAIN_VARIABLE) or crm.outbox.DEFAULT_DOMAIN
    )
    for name, value in {**links, "customer_id": customer_id}.items():
        setattr(message, name, value)
    message.interaction_id = interaction_id
    message.instance_id = ctx.instance_id
    message.task_id = ctx.task_id
    ctx.session.add(message)
    ctx.session.flush()
    ctx.after_commit.extend(functools.partial(callback, message.id) for callback in _delivery)
    return {
        "message_id": message.message_id,
        "outbox_id": message.id,
        "interaction_id": interaction_id,
        "to": message.recipient,
        "contact_id": message.contact_id,
        "customer_id": customer_id,
        "status": str(message.status or "queued"),
    }


def _links(session: Session, p: dict[str, Any], to: str, kind: str) -> dict[str, int]:
    """The records the message is about; the contact found by its address when not given."""
    links = {name: p[name] for name in LINK_FIELDS if name in p}
    optional(session, Campaign, links.get("campaign_id"), "campaign_id")
    optional(session, CampaignMember, links.get("campaign_member_id"), "campaign_member_id")
    if "contact_id" in links:
        _check_owns(session, links["contact_id"], to, kind)
    elif not _lead_address(session, links.get("lead_id"), to, kind):
        found = (
            crm.find_contacts_by_email(session, to)
            if kind == "email"
            else crm.find_contacts_by_phone(session, to)
        )
        if found:
            links["contact_id"] = found[0].id
    if not links:
        raise bad(
            "to",
            f"{to} is not the {kind} of any contact, and no customer, lead, deal, case or"
            " quote is given: the message would be on no customer's timeline",
        )
    return links


def _lead_address(session: Session, lead_id: int | None, to: str, kind: str) -> bool:
    lead = optional(session, Lead, lead_id, "lead_id")
    return lead is not None and getattr(lead, kind) == to


def _check_owns(session: Session, contact_id: int, to: str, kind: str) -> None:
    contact = optional(session, Contact, contact_id, "contact_id")
    assert contact is not None
    known = {e.address for e in contact.emails} | {n.number for n in contact.phones}
    if to not in known:
        raise bad("to", f"{to} is not a known {kind} of contact {contact_id}")


def _interaction_links(session: Session, links: dict[str, int]) -> dict[str, int]:
    """The links an interaction has (a quote is shown on its deal); campaign links are not."""
    values = {k: v for k, v in links.items() if k in ("contact_id", "customer_id", "lead_id")}
    values.update({k: v for k, v in links.items() if k in ("deal_id", "case_id")})
    quote = optional(session, Quote, links.get("quote_id"), "quote_id")
    if quote is not None and values.setdefault("deal_id", quote.deal_id) != quote.deal_id:
        raise bad(
            "quote_id", f"quote {quote.id} is for deal {quote.deal_id}, not {values['deal_id']}"
        )
    return values


def _thread(session: Session, p: dict[str, Any], links: dict[str, int]) -> dict[str, Any]:
    """Threading headers as given, else those continuing the case's or quote's thread."""
    if p.get("in_reply_to") or p["references"]:
        references = p["references"] or [p["in_reply_to"]]
        return {"in_reply_to": p.get("in_reply_to") or references[-1], "references": references}
    for name in THREADED_BY:
        if name in links:
            column = getattr(OutboxMessage, name)
            query = (
                sa.select(OutboxMessage)
                .where(column == links[name], OutboxMessage.channel == OutboxChannel.EMAIL)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
            last = session.scalars(query).first()
            if last is not None:
                return {
                    "in_reply_to": last.message_id,
                    "references": [*last.references, last.message_id][-20:],
                }
    return {"in_reply_to": None, "references": []}


OPERATORS = (("mail.send", send), ("sms.send", send_sms))
