"""The reports' read queries: small aggregates over the CRM store and the inbox.

Each is one or two grouped statements whatever the data size; money is
answered as strings with two places, as the CRM's schemas do.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.models import Campaign, CampaignMember, Deal, Lead
from crm.models.campaign_member import MemberStatus
from crm.models.deal import DealStage
from engine._clock import now  # the engine's clock (tests move it) decides "overdue"
from engine.models import WorkItem, WorkItemStatus

CENT = Decimal("0.01")
RESPONDED = (MemberStatus.RESPONDED, MemberStatus.CONVERTED)
STAGES = list(DealStage)


def money(value: Decimal | int | None) -> str:
    return str(Decimal(value or 0).quantize(CENT))


def ratio(part: Decimal | int, whole: Decimal | int) -> float | None:
    return round(float(Decimal(part) / Decimal(whole)), 4) if whole else None


def pipeline(session: Session) -> dict[str, Any]:
    """Deals by stage and currency: how many, their amount, and amount times probability."""
    weighted = sa.func.sum(Deal.amount * Deal.probability / 100)
    query = sa.select(
        Deal.stage, Deal.currency, sa.func.count(), sa.func.sum(Deal.amount), weighted
    ).group_by(Deal.stage, Deal.currency)
    found = [(DealStage(s), str(c), int(n), a, w) for s, c, n, a, w in session.execute(query)]
    found.sort(key=lambda row: (row[1], STAGES.index(row[0])))

    def deals(*stages: DealStage) -> int:
        return sum(count for stage, _c, count, _a, _w in found if stage in stages)

    rows = [
        {"stage": str(s), "currency": c, "deals": n, "amount": money(a), "weighted": money(w)}
        for s, c, n, a, w in found
    ]
    open_stages = [stage for stage in STAGES if not stage.is_closed]
    totals = {
        "open_deals": deals(*open_stages),
        "won_deals": deals(DealStage.WON),
        "lost_deals": deals(DealStage.LOST),
    }
    return {"rows": rows, "totals": totals}


def sla(session: Session) -> dict[str, Any]:
    """Per group: open tasks, how many are overdue, and done tasks finished after their due."""
    moment = now()
    is_open = WorkItem.status == WorkItemStatus.OPEN
    is_done = WorkItem.status == WorkItemStatus.DONE
    overdue = sa.and_(is_open, WorkItem.due_at < moment)
    late = sa.and_(is_done, WorkItem.completed_at > WorkItem.due_at)
    query = (
        sa.select(
            WorkItem.group_name,
            sa.func.count().filter(is_open),
            sa.func.count().filter(overdue),
            sa.func.count().filter(is_done),
            sa.func.count().filter(late),
        )
        .group_by(WorkItem.group_name)
        .order_by(WorkItem.group_name)
    )
    rows = [
        {
            "group": group,
            "open": open_,
            "overdue": overdue_,
            "done": done,
            "done_late": done_late,
            "on_time_rate": ratio(done - done_late, done),
        }
        for group, open_, overdue_, done, done_late in session.execute(query)
    ]
    return {
        "rows": rows,
        "totals": {
            "open": sum(r["open"] for r in rows),
            "overdue": sum(r["overdue"] for r in rows),
        },
    }


def campaigns(session: Session) -> dict[str, Any]:
    """Per campaign: members, responses, response rate, leads, won deals, revenue and ROI."""
    members = _per_campaign(
        session,
        sa.select(
            CampaignMember.campaign_id,
            sa.func.count(),
            sa.func.count().filter(CampaignMember.status.in_(RESPONDED)),
        ).group_by(CampaignMember.campaign_id),
    )
    leads = _per_campaign(
        session,
        sa.select(Lead.campaign_id, sa.func.count())
        .where(Lead.campaign_id.is_not(None))
        .group_by(Lead.campaign_id),
    )
    won = _per_campaign(
        session,
        sa.select(Deal.campaign_id, sa.func.count(), sa.func.sum(Deal.amount))
        .where(Deal.campaign_id.is_not(None), Deal.stage == DealStage.WON)
        .group_by(Deal.campaign_id),
    )
    rows = [
        _campaign_row(c, members.get(c.id, (0, 0)), leads.get(c.id, (0,)), won.get(c.id, (0, 0)))
        for c in session.scalars(sa.select(Campaign).order_by(Campaign.id))
    ]
    return {"rows": rows, "totals": {"campaigns": len(rows)}}


def _per_campaign(session: Session, query: sa.Executable) -> dict[int, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def _campaign_row(
    campaign: Campaign,
    members: tuple[Any, ...],
    leads: tuple[Any, ...],
    won: tuple[Any, ...],
) -> dict[str, Any]:
    count, responded = members
    revenue = Decimal(won[1] or 0)
    cost = Decimal(campaign.actual_cost if campaign.actual_cost is not None else campaign.budget)
    return {
        "campaign_id": campaign.id,
        "name": campaign.name,
        "status": str(campaign.status),
        "members": count,
        "responded": responded,
        "response_rate": ratio(responded, count),
        "leads": leads[0],
        "won_deals": won[0],
        "revenue": money(revenue),
        "cost": money(cost),
        "roi": ratio(revenue - cost, cost),
    }


REPORTS: dict[str, Callable[[Session], dict[str, Any]]] = {
    "pipeline": pipeline,
    "sla": sla,
    "campaigns": campaigns,
}
