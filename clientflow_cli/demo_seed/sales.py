"""Demo data for sales: the team, the price list, and leads and deals at different stages.

Everything is written by processes: the team and prices by the small
``demo_sales_setup`` process next to this file, customers by converting demo
leads in ``lead_qualification``, quotes by ``deal_approval``. Seeding twice
adds nothing: a demo lead already in the CRM is not started again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crm.models import Lead
from engine import Engine
from engine._deploy import read_bundle

from . import sales_stories

SETUP_BPMN = Path(__file__).with_name("sales_setup.bpmn")
SETUP_KEY = "demo_sales_setup"
DEMO_DOMAIN = sales_stories.DOMAIN
PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
PROCESSES = (sales_stories.LEAD, sales_stories.DEAL)

EMPLOYEES: tuple[Mapping[str, Any], ...] = (
    {
        "username": "anna",
        "full_name": "Anna Sokolova",
        "title": "Account executive",
        "team": "sales",
        "territory": "msk",
        "manager_username": "boris",
    },
    {
        "username": "boris",
        "full_name": "Boris Ivanov",
        "title": "Head of sales",
        "team": "sales_managers",
        "territory": "msk",
    },
)
PRICE_LIST = "Standard 2026"
PRICES: tuple[Mapping[str, Any], ...] = (
    {"sku": "CRM-SEAT", "name": "clientflow seat, 1 year", "price": "24000.00", "cost": "6000.00"},
    {"sku": "CRM-ONB", "name": "Onboarding package", "price": "150000.00", "cost": "90000.00"},
    {"sku": "CRM-SUP", "name": "Premium support, 1 year", "price": "60000.00", "cost": "15000.00"},
    {"sku": "CRM-TEL", "name": "Telephony connector", "price": "45000.00", "cost": "9000.00"},
)


def set_up_team(
    engine: Engine,
    employees: Sequence[Mapping[str, Any]] = EMPLOYEES,
    prices: Sequence[Mapping[str, Any]] = PRICES,
    price_list: str = PRICE_LIST,
) -> dict[str, Any]:
    """Save employee profiles and the price list through the setup process."""
    engine.deploy({SETUP_BPMN.name: SETUP_BPMN.read_text(encoding="utf-8")})
    data = {
        "employees": [dict(e) for e in employees],
        "price_list_name": price_list,
        "currency": "RUB",
        "price_items": [dict(p) for p in prices],
    }
    outcome = engine.start(SETUP_KEY, data, user="olga")
    if outcome["status"] != "completed":
        raise RuntimeError(f"the sales setup did not complete: {outcome.get('incident')}")
    return outcome


def seed(engine: Engine) -> None:
    """The sales team and prices, then demo leads and deals (once)."""
    set_up_team(engine)
    for name in PROCESSES:
        engine.deploy(read_bundle(PROCESSES_DIR / name))  # unchanged content keeps its version
    if _already_seeded(engine):
        return
    sales_stories.play(engine)


def _already_seeded(engine: Engine) -> bool:
    with engine.session() as session:
        query = sa.select(Lead.id).where(Lead.email.like(f"%{DEMO_DOMAIN}")).limit(1)
        return session.scalar(query) is not None
