"""Deals: move a deal through its stages, and record why it was lost and to whom.

Closing rules live here so every process closes deals the same way: a lost
deal needs a reason, won and lost set the probability and the close time, and
a won deal adds its amount to the customer's lifetime revenue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from crm.models import Competitor, Customer, Deal, DealStage, Employee
from crm.schemas.fields import by_value, money
from engine import StepContext

from ._params import Id, Params, bad, load, require

CLOSED_PROBABILITY = {DealStage.WON: 100, DealStage.LOST: 0}


class UpdateDealParams(Params):
    """Left-out or null parameters leave their field as it is."""

    deal_id = Id(required=True)
    stage = by_value(DealStage, allow_none=True)
    amount = money(allow_none=True, validate=validate.Range(min=0))
    probability = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 100))
    expected_close = fields.Date(allow_none=True)
    lost_reason = fields.String(allow_none=True, validate=validate.Length(1, 200))
    competitor = fields.String(allow_none=True, validate=validate.Length(1, 200))
    owner = fields.String(allow_none=True, validate=validate.Length(1, 100))


def update_deal(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Change a deal's stage, amount, probability, close date, lost reason or competitor."""
    p = {k: v for k, v in load(UpdateDealParams(), params).items() if v is not None}
    session = ctx.session
    deal = require(session, Deal, p.pop("deal_id"), "deal_id")
    was_won = deal.stage == DealStage.WON
    stage = p.pop("stage", deal.stage)
    if stage == DealStage.LOST and not (p.get("lost_reason") or deal.lost_reason):
        raise bad("lost_reason", "required when the stage is 'lost'")
    competitor = p.pop("competitor", None)
    if competitor is not None:
        deal.competitor_id = _competitor(session, competitor).id
    for key, value in p.items():
        setattr(deal, key, value)
    _set_stage(deal, stage, explicit_probability="probability" in p)
    _roll_up_revenue(session, deal, was_won)
    return {
        "deal_id": deal.id,
        "stage": str(deal.stage),
        "amount": str(deal.amount),
        "probability": deal.probability,
        "closed": deal.stage.is_closed,
        "lost_reason": deal.lost_reason,
        "competitor_id": deal.competitor_id,
    }


def _set_stage(deal: Deal, stage: DealStage, *, explicit_probability: bool) -> None:
    """Closing sets the probability and the close time; reopening clears the close time."""
    if stage == deal.stage:
        return
    deal.stage = stage
    if stage.is_closed:
        deal.closed_at = datetime.now(UTC)
        if not explicit_probability:
            deal.probability = CLOSED_PROBABILITY[stage]
    else:
        deal.closed_at = None


def _competitor(session: Session, name: str) -> Competitor:
    """The competitor of that name (any letter case), recorded on first mention."""
    found = session.scalars(
        sa.select(Competitor).where(sa.func.lower(Competitor.name) == name.strip().lower())
    ).first()
    if found is None:
        found = Competitor(name=name.strip())
        session.add(found)
        session.flush()
    return found


def _roll_up_revenue(session: Session, deal: Deal, was_won: bool) -> None:
    """Keep ``Customer.lifetime_revenue`` the sum of the customer's won deals."""
    is_won = deal.stage == DealStage.WON
    if not was_won and not is_won:
        return
    session.flush()
    amounts = session.scalars(
        sa.select(Deal.amount).where(
            Deal.customer_id == deal.customer_id, Deal.stage == DealStage.WON
        )
    )
    total = sum(amounts, Decimal("0.00"))  # in Python: SQLite sums NUMERIC as float
    customer = session.get(Customer, deal.customer_id)
    assert customer is not None  # a deal's customer is a foreign key
    customer.lifetime_revenue = total


LEVELS = ("sales_manager", "sales_director", "finance")
LEVELS_UP = {"sales_manager": 1, "sales_director": 2}


class ApproverForParams(Params):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    owner = fields.String(allow_none=True, validate=validate.Length(1, 100))


def approver_for(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Who approves at a level of the approval chain, and whom an overdue approval goes to.

    Sales approvals climb the owner's management line (manager, then the
    manager's manager); finance approves as a team. ``None`` means the
    level's group queue: anyone in the lane's group may take it.
    """
    p = load(ApproverForParams(), params)
    session = ctx.session
    approver: str | None = None
    current = p.get("owner")
    for _ in range(LEVELS_UP.get(p["level"], 0)):
        current = _manager_of(session, current)
        approver = current
    return {
        "level": p["level"],
        "approver": approver,
        "escalate_to": _manager_of(session, approver),
    }


def _manager_of(session: Session, username: str | None) -> str | None:
    if not username:
        return None
    query = sa.select(Employee.manager_username).where(Employee.username == username)
    manager: str | None = session.scalar(query)
    return manager or None


OPERATORS = (("crm.update_deal", update_deal), ("crm.approver_for", approver_for))
