"""Interactions: every call, email, meeting, note and SMS on the customer's timeline.

Providers deliver webhooks more than once, and one email may be recorded by
two steps (the integrations log every email; the complaint's step puts a reply
on its case), so an interaction with an ``external_id`` (the provider's id) is
recorded once: whoever comes second completes the first record (fills what it
lacks, overwrites nothing) instead of failing or adding a twin. Only its work
changes hands: the process that notes it (a deal's reply, a lead's) makes it
that step's (its instance and task); the mailbox's and the telephony's logger
passes ``keep_owner`` and never takes it over, whichever comes first.

An email that starts a process is logged before that process has a case (an
unknown sender's complaint opens one only once an agent links the customer), so
it is recorded with the started instance as its ``instance_id``; the first time a
step of that instance records an interaction on a case, the opening email joins
the case too (:func:`attach_opening_emails`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.models import Case, Contact, Customer, Deal, Direction, Interaction, InteractionKind, Lead
from crm.schemas import InteractionSchema
from crm.schemas.fields import utc_datetime
from crm.step import current_step
from engine import StepContext

from ._params import bad, load, optional

_EMPTY: tuple[object, ...] = (None, "", [])  # what a later writer may fill in

LINKS = (
    ("customer_id", Customer),
    ("contact_id", Contact),
    ("lead_id", Lead),
    ("deal_id", Deal),
    ("case_id", Case),
)


class LogInteractionParams(InteractionSchema):
    """The CRM's interaction fields; ``occurred_at`` defaults to now. ``instance_id`` and
    ``task_id`` name the work it belongs to when that is not this step (the task a call
    was placed from, the process an email started); by default, this step."""

    occurred_at = utc_datetime(allow_none=True)
    instance_id = fields.String(allow_none=True, validate=validate.Length(1, 64))
    task_id = fields.String(allow_none=True, validate=validate.Length(1, 64))
    keep_owner = fields.Boolean(load_default=False)


def log_interaction(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record a call, email, meeting, note or SMS; once per ``external_id``."""
    p = {k: v for k, v in load(LogInteractionParams(), params).items() if v is not None}
    if "instance_id" in p:
        p.setdefault("task_id", "")  # another instance's: not the task of this step
    keep_owner = p.pop("keep_owner")
    interaction, created = record_once(ctx.session, p, employee=ctx.user)
    if not created and not keep_owner and "instance_id" not in p:
        # a process noted what the mailbox (or the telephony) logged: the work is its own now
        interaction.instance_id, interaction.task_id = ctx.instance_id, ctx.task_id
    return _result(interaction, created=created)


def record_once(
    session: Session, p: dict[str, Any], employee: str | None
) -> tuple[Interaction, bool]:
    """``(interaction, created)``: add it, or complete the one known by its ``external_id``.

    The other writer may be a step running at the same moment on another
    worker: its insert wins the unique ``external_id``, ours rolls back to a
    savepoint, and we complete its row instead.
    """
    external_id = p.get("external_id")
    known = by_external_id(session, external_id) if external_id else None
    if known is None:
        try:
            with session.begin_nested():
                return record(session, dict(p), employee), True
        except IntegrityError:
            known = by_external_id(session, external_id) if external_id else None
            if known is None:
                raise
    fill_gaps(session, known, p)
    return known, False


def fill_gaps(session: Session, interaction: Interaction, p: dict[str, Any]) -> None:
    """Set the fields ``interaction`` lacks from ``p``; what it already says stays.

    The links it ends up with are checked as :func:`record` checks them.
    """
    for name, value in p.items():
        if value not in _EMPTY and getattr(interaction, name) in _EMPTY:
            setattr(interaction, name, value)
    links = {name: getattr(interaction, name) for name, _model in LINKS}
    with session.no_autoflush:  # one update in the history, written with the step's flush
        interaction.customer_id = _customer_of(session, links)


def record(session: Session, p: dict[str, Any], employee: str | None) -> Interaction:
    """Add the interaction after checking what it links to.

    The customer is taken from the contact, case, deal or lead when not given,
    so the interaction shows on the customer's timeline; links that name two
    different customers are refused.
    """
    customer_id = _customer_of(session, p)
    if customer_id is not None:
        p["customer_id"] = customer_id
    p.setdefault("occurred_at", datetime.now(UTC))
    p.setdefault("employee", employee)
    interaction = Interaction(**p)
    session.add(interaction)
    session.flush()
    if interaction.case_id is not None:
        attach_opening_emails(session, interaction.case_id)
    return interaction


def attach_opening_emails(session: Session, case_id: int) -> int:
    """Link to ``case_id`` the inbound emails that started this step's instance and are on
    no case yet (logged before the case existed); how many. Another customer's stay apart."""
    step = current_step(session)
    case = session.get(Case, case_id)
    if step is None or not step.instance_id or case is None:
        return 0
    query = sa.select(Interaction).where(
        Interaction.instance_id == step.instance_id,
        Interaction.case_id.is_(None),
        Interaction.kind == InteractionKind.EMAIL,
        Interaction.direction == Direction.INBOUND,
    )
    attached = 0
    for email in session.scalars(query):
        if email.customer_id not in (None, case.customer_id):
            continue
        email.case_id, email.customer_id = case.id, case.customer_id
        email.contact_id = email.contact_id or case.contact_id
        attached += 1
    return attached


def _customer_of(session: Session, p: dict[str, Any]) -> int | None:
    """The one customer the links in ``p`` name (given, or the owner of the others)."""
    linked = {name: optional(session, model, p.get(name), name) for name, model in LINKS}
    customer_id: int | None = p.get("customer_id")
    for name in ("contact_id", "case_id", "deal_id", "lead_id"):
        owner = getattr(linked[name], "customer_id", None)
        if owner is None:
            continue
        if customer_id is None:
            customer_id = owner
        elif owner != customer_id:
            raise bad(name, f"{name[:-3]} {p[name]} belongs to customer {owner}, not {customer_id}")
    return customer_id


def by_external_id(session: Session, external_id: str) -> Interaction | None:
    query = sa.select(Interaction).where(Interaction.external_id == external_id)
    return session.scalars(query).first()


def _result(interaction: Interaction, *, created: bool) -> dict[str, Any]:
    return {
        "interaction_id": interaction.id,
        "created": created,
        "kind": str(interaction.kind),
        "customer_id": interaction.customer_id,
        "contact_id": interaction.contact_id,
    }


OPERATORS = (("crm.log_interaction", log_interaction),)
