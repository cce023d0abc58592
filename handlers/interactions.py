"""Interactions: every call, email, meeting, note and SMS on the customer's timeline.

Providers deliver webhooks more than once, so an interaction with an
``external_id`` (the provider's id) is recorded once: a repeat returns the
first record instead of failing or adding a twin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.models import Case, Contact, Customer, Deal, Interaction, Lead
from crm.schemas import InteractionSchema
from crm.schemas.fields import utc_datetime
from engine import StepContext

from ._params import bad, load, optional

LINKS = (
    ("customer_id", Customer),
    ("contact_id", Contact),
    ("lead_id", Lead),
    ("deal_id", Deal),
    ("case_id", Case),
)


class LogInteractionParams(InteractionSchema):
    """The CRM's interaction fields; ``occurred_at`` defaults to now."""

    occurred_at = utc_datetime(allow_none=True)


def log_interaction(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Record a call, email, meeting, note or SMS; once per ``external_id``."""
    p = {k: v for k, v in load(LogInteractionParams(), params).items() if v is not None}
    session = ctx.session
    if p.get("external_id"):
        known = _by_external_id(session, p["external_id"])
        if known is not None:
            return _result(known, created=False)
    interaction = record(session, p, employee=ctx.user)
    return _result(interaction, created=True)


def record(session: Session, p: dict[str, Any], employee: str | None) -> Interaction:
    """Add the interaction after checking what it links to.

    The customer is taken from the contact, case, deal or lead when not given,
    so the interaction shows on the customer's timeline; links that name two
    different customers are refused.
    """
    linked = {name: optional(session, model, p.get(name), name) for name, model in LINKS}
    customer_id = p.get("customer_id")
    for name in ("contact_id", "case_id", "deal_id", "lead_id"):
        owner = getattr(linked[name], "customer_id", None)
        if owner is None:
            continue
        if customer_id is None:
            customer_id = owner
        elif owner != customer_id:
            raise bad(name, f"{name[:-3]} {p[name]} belongs to customer {owner}, not {customer_id}")
    if customer_id is not None:
        p["customer_id"] = customer_id
    p.setdefault("occurred_at", datetime.now(UTC))
    p.setdefault("employee", employee)
    interaction = Interaction(**p)
    session.add(interaction)
    session.flush()
    return interaction


def _by_external_id(session: Session, external_id: str) -> Interaction | None:
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
