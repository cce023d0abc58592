"""Owners: who works a lead, deal, case or customer, named or routed within a team.

Routing picks among the active employees of a team and territory, either the
least loaded (fewest open records of that kind) or in turn (a CRM counter
remembers whose turn it is, so concurrent steps never pick the same person).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session

from crm.models import (
    Case,
    CaseStatus,
    Customer,
    Deal,
    DealStage,
    Employee,
    Lead,
    LeadStatus,
)
from crm.numbering import next_number
from engine import OperatorError, StepContext

from ._params import Id, Params, bad, load, require

Owned = type[Lead] | type[Deal] | type[Case] | type[Customer]

ENTITIES: dict[str, Owned] = {"lead": Lead, "deal": Deal, "case": Case, "customer": Customer}

OPEN: dict[str, Any] = {
    "lead": Lead.status.not_in((LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)),
    "deal": Deal.stage.not_in((DealStage.WON, DealStage.LOST)),
    "case": Case.status != CaseStatus.CLOSED,
    "customer": sa.true(),
}
STRATEGIES = ("least_loaded", "round_robin")


class AssignOwnerParams(Params):
    entity = fields.String(load_default="lead", validate=validate.OneOf(sorted(ENTITIES)))
    record_id = Id(required=True)
    owner = fields.String(allow_none=True, validate=validate.Length(1, 100))
    team = fields.String(allow_none=True, validate=validate.Length(max=50))
    territory = fields.String(allow_none=True, validate=validate.Length(max=50))
    strategy = fields.String(load_default="least_loaded", validate=validate.OneOf(STRATEGIES))


def assign_owner(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Give a record an owner: the one named, or one routed from the team and territory."""
    p = load(AssignOwnerParams(), params)
    session = ctx.session
    entity = p["entity"]
    record = require(session, ENTITIES[entity], p["record_id"], "record_id")
    if p.get("owner"):
        owner, how = _named(session, p["owner"]), "named"
    else:
        candidates = _candidates(session, p.get("team"), p.get("territory"))
        if p["strategy"] == "round_robin":
            owner = _in_turn(session, candidates, entity, p.get("team"), p.get("territory"))
        else:
            owner = _least_loaded(session, candidates, entity)
        how = p["strategy"]
    previous = record.owner
    record.owner = owner
    return {
        "entity": entity,
        "record_id": record.id,
        "owner": owner,
        "previous_owner": previous,
        "how": how,
    }


def _named(session: Session, username: str) -> str:
    employee = session.scalars(sa.select(Employee).where(Employee.username == username)).first()
    if employee is None:
        raise bad("owner", f"no employee with username {username!r}")
    if not employee.active:
        raise bad("owner", f"employee {username!r} is not active")
    return username


def _candidates(session: Session, team: str | None, territory: str | None) -> list[str]:
    query = sa.select(Employee.username).where(Employee.active.is_(True))
    if team:
        query = query.where(Employee.team == team)
    if territory:
        query = query.where(Employee.territory == territory)
    names = list(session.scalars(query.order_by(Employee.username)))
    if not names:
        raise OperatorError(
            f"no active employee in team {team or 'any'!r} and territory {territory or 'any'!r}"
            " to route to: check the team's members or pass 'owner'"
        )
    return names


def _least_loaded(session: Session, candidates: list[str], entity: str) -> str:
    """The candidate with the fewest open records of this kind; ties go alphabetically."""
    model = ENTITIES[entity]
    counts = dict(
        session.execute(
            sa.select(model.owner, sa.func.count())
            .where(model.owner.in_(candidates), OPEN[entity])
            .group_by(model.owner)
        ).all()
    )
    return min(candidates, key=lambda name: (counts.get(name, 0), name))


def _in_turn(
    session: Session, candidates: list[str], entity: str, team: str | None, territory: str | None
) -> str:
    series = f"rr:{entity}:{team or '*'}:{territory or '*'}"[:50]
    return candidates[(next_number(session, series) - 1) % len(candidates)]


OPERATORS = (("crm.assign_owner", assign_owner),)
