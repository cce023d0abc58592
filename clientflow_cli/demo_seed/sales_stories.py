"""The demo leads and deals: a few customers' stories, each stopped at a different stage.

Each story is played through the engine's public API as the demo users
would: start a process, complete inbox tasks, deliver a reply. So the demo
shows instances waiting at first contact, qualification, approval and the
customer's answer, and customers and deals created by conversion.
"""

from __future__ import annotations

from typing import Any

from engine import Engine

LEAD = "lead_qualification"
DEAL = "deal_approval"
DOMAIN = "demo-customer.test"
REACHED = {"contact_outcome": "reached", "channel_used": "call"}
QUALIFIED = {
    "budget": "confirmed",
    "authority": "decision_maker",
    "need": "clear",
    "timeline": "within_3_months",
}


def _lead(engine: Engine, company: str, person: str, **extra: Any) -> dict[str, Any]:
    first, last = person.split()
    data = {
        "channel": "web",
        "first_name": first,
        "last_name": last,
        "company_name": company,
        "email": f"{first.lower()}@{company.split()[0].lower()}.{DOMAIN}",
        "territory": "msk",
        "segment": "mid",
        **extra,
    }
    return engine.start(LEAD, data, user="vera")


def _do(engine: Engine, instance_id: str, task: str, data: dict[str, Any]) -> dict[str, Any]:
    """Complete the instance's open task ``task`` as its assignee (or as anna in a queue)."""
    items = engine.tasks(None, scope="all", process=None, limit=200)
    [item] = [i for i in items if i["instance_id"] == instance_id and i["task"] == task]
    outcome = engine.complete_task(item["id"], data, item["assignee"] or "anna")
    if outcome["status"] == "incident":
        raise RuntimeError(f"demo story stopped at {task}: {outcome['incident']}")
    return outcome


def _converted(engine: Engine, company: str, person: str, amount: int) -> int:
    lead = _lead(engine, company, person)
    _do(engine, lead["id"], "first_contact", REACHED)
    decision = {**QUALIFIED, "decision": "convert", "deal_name": f"{company}: licences"}
    done = _do(engine, lead["id"], "bant", {**decision, "estimated_amount": amount})
    return int(done["data"]["deal_id"])


def _quote(engine: Engine, deal_id: int, seats: int, discount: float = 0) -> dict[str, Any]:
    lines = [{"sku": "CRM-SEAT", "qty": seats}, {"sku": "CRM-ONB", "qty": 1}]
    data = {"deal_id": deal_id, "lines": lines, "discount_pct": discount}
    return engine.start(DEAL, data, user="anna")


def play(engine: Engine) -> None:
    """Leads at first contact, qualification and nurture; deals won, in approval, at the
    customer."""
    _lead(engine, "Helix Ltd", "Pavel Orlov", channel="phone")
    reached = _lead(engine, "Mira Foods", "Olga Belova", channel="campaign")
    _do(engine, reached["id"], "first_contact", REACHED)
    _lead(engine, "Atlas Group", "Roman Zuev", segment="enterprise")
    nurtured = _lead(engine, "Nord Trade", "Ilya Frolov", channel="email")
    _do(engine, nurtured["id"], "first_contact", REACHED)
    _do(engine, nurtured["id"], "bant", {**QUALIFIED, "decision": "nurture", "nurture_days": 60})

    won = _quote(engine, _converted(engine, "Vega LLC", "Ivan Petrov", 500000), seats=10)
    engine.send_message(
        "quote_reply",
        {"quote_number": won["data"]["quote_number"]},
        {"customer_decision": "accepted"},
    )
    _quote(engine, _converted(engine, "Orion JSC", "Petr Sidorov", 900000), 20, discount=10)
    _quote(engine, _converted(engine, "Sever Energy", "Anna Lebedeva", 300000), seats=5)
