"""Helpers of the deal_approval scenarios: a converted deal, a quote, the customer's reply.

The fixtures (``deals``: the demo organisation with a sales director above
boris and both sales processes deployed; ``deal_id``: a deal converted from a
lead) live in ``conftest.py``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clientflow_cli.demo_seed.sales import EMPLOYEES, set_up_team
from crm.models import Quote
from engine import Engine, add_user

from ._support import complete, rows

KEY = "deal_approval"
SEATS = [{"sku": "CRM-SEAT", "qty": 10}]  # 240,000.00 at cost 60,000.00
DMITRY = {"username": "dmitry", "full_name": "Dmitry Director", "team": "sales_managers"}
APPROVE = {"approval_decision": "approve"}


def set_up_sales(engine: Engine) -> None:
    """dmitry directs boris, who manages anna; lead qualification and deal approval deployed."""
    from .conftest import deploy_process

    add_user(engine, "dmitry", groups=["sales_managers"])
    boris = {**EMPLOYEES[1], "manager_username": "dmitry"}
    set_up_team(engine, [EMPLOYEES[0], boris, DMITRY])
    deploy_process(engine, "lead_qualification")
    deploy_process(engine, KEY)


def converted_deal(engine: Engine) -> int:
    """Vega LLC's deal, converted by anna from a web lead."""
    lead = engine.start(
        "lead_qualification",
        {
            "channel": "web",
            "first_name": "Ivan",
            "company_name": "Vega LLC",
            "email": "ivan@vega.example",
            "segment": "mid",
        },
    )
    complete(engine, lead["id"], "first_contact", {"contact_outcome": "reached"}, "anna")
    bant = {
        "budget": "confirmed",
        "authority": "decision_maker",
        "need": "clear",
        "timeline": "within_3_months",
        "decision": "convert",
        "deal_name": "Vega seats",
    }
    converted = complete(engine, lead["id"], "bant", bant, "anna")
    return int(converted["data"]["deal_id"])


def start(engine: Engine, deal_id: int, **changes: Any) -> dict[str, Any]:
    outcome = engine.start(KEY, {"deal_id": deal_id, "lines": SEATS, **changes}, user="anna")
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def quotes(engine: Engine, deal_id: int) -> list[Quote]:
    query = sa.select(Quote).where(Quote.deal_id == deal_id).order_by(Quote.id)
    return rows(engine, query.options(selectinload(Quote.lines)))


def reply(engine: Engine, number: str, **payload: Any) -> dict[str, Any]:
    """The customer's answer to quote ``number`` (``quote_reply``)."""
    return engine.send_message("quote_reply", {"quote_number": number}, payload)
