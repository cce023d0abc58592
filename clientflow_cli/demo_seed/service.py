"""Demo data for support and marketing: complaints and campaigns at different stages.

Everything is written by processes: the demo customers by the small
``demo_service_setup`` process next to this file, cases by
``complaint_resolution``, campaigns by ``campaign_execution`` and their
responses by ``campaign_response``. Seeding twice adds nothing: once a demo
complaint exists, the stories are not played again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crm.models import Case
from engine import Engine

HERE = Path(__file__).parent
PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SETUP_BPMN = HERE / "service_setup.bpmn"
SETUP_KEY = "demo_service_setup"
BUNDLES = ("complaint_resolution", "campaign_execution", "campaign_response")
DOMAIN = "demo-customer.test"
SEGMENT = "retail"
DEMO_SUBJECT = "Invoice charged twice"

CUSTOMERS: tuple[Mapping[str, Any], ...] = (
    {"company": "Vega Retail LLC", "first_name": "Ivan", "last_name": "Petrov", "abc_class": "A"},
    {"company": "Orion Stores JSC", "first_name": "Maria", "last_name": "Orlova", "abc_class": "B"},
    {"company": "Luna Market", "first_name": "Pavel", "last_name": "Lunin", "abc_class": "C"},
    {"company": "Sokol Shops", "first_name": "Olga", "last_name": "Sokolova", "abc_class": "B"},
    {"company": "Kedr Home", "first_name": "Denis", "last_name": "Kedrov", "abc_class": "C"},
)


def seed(engine: Engine) -> None:
    """Deploy the service and marketing processes, the demo customers, then the stories once."""
    for name in BUNDLES:
        engine.deploy(_bundle(PROCESSES / name), user="olga")
    customers = [_customer(engine, values) for values in CUSTOMERS]
    if _already_seeded(engine):
        return
    _complaints(engine, customers)
    _campaigns(engine)


def _bundle(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")
    }


def _customer(engine: Engine, values: Mapping[str, Any]) -> dict[str, Any]:
    """The demo customer and contact (found again by email on a second run)."""
    engine.deploy({SETUP_BPMN.name: SETUP_BPMN.read_text(encoding="utf-8")}, user="olga")
    email = f"{values['first_name'].lower()}@{DOMAIN}"
    data = {**values, "email": email, "phone": None, "segment": SEGMENT, "territory": "msk"}
    outcome = engine.start(SETUP_KEY, data, user="olga")
    if outcome["status"] != "completed":
        raise RuntimeError(f"the demo customer setup did not complete: {outcome['incident']}")
    contact = outcome["data"]["contact"]
    return {"customer_id": contact["customer_id"], "contact_id": contact["contact_id"]}


def _already_seeded(engine: Engine) -> bool:
    with engine.session() as session:
        return session.scalar(sa.select(Case.id).where(Case.subject == DEMO_SUBJECT)) is not None


def _complaint(engine: Engine, who: Mapping[str, Any], subject: str, severity: str) -> str:
    data = {
        **who,
        "subject": subject,
        "description": f"{subject}: please help.",
        "severity": severity,
        "channel": "email",
        "email": None,
    }
    outcome = engine.start("complaint_resolution", data, user="gleb")
    return str(outcome["id"])


def _complete(engine: Engine, instance_id: str, task: str, data: dict[str, Any]) -> None:
    items = engine.instance(instance_id)["active_tasks"]
    item = next(i for i in items if i["task"] == task)
    engine.complete_task(item["id"], data, item["assignee"])


def _complaints(engine: Engine, customers: list[dict[str, Any]]) -> None:
    """New, waiting for finance, waiting for the customer, and closed with a score."""
    _complaint(engine, customers[0], "The service is down for all our stores", "critical")
    refund = _complaint(engine, customers[1], DEMO_SUBJECT, "major")
    answer = {"reply": "We are checking the invoices.", "channel_used": "email"}
    _complete(engine, refund, "respond", {**answer, "needs_refund": True, "refund_amount": 4800})
    waiting = _complaint(engine, customers[2], "Delivery arrived late", "minor")
    _complete(engine, waiting, "respond", {**answer, "needs_refund": False})
    fix = {
        "resolution": "The courier changed; next deliveries are on time.",
        "root_cause": "delivery",
    }
    _complete(engine, waiting, "resolve", fix)
    closed = _complaint(engine, customers[3], "Wrong item in the order", "minor")
    _complete(engine, closed, "respond", {**answer, "needs_refund": False})
    _complete(
        engine, closed, "resolve", {"resolution": "We sent the right item.", "root_cause": "other"}
    )
    number = engine.instance(closed)["data"]["case_number"]
    engine.send_message(
        "customer_reply", {"case_number": number}, {"reply_text": "Got it, thanks! 5/5"}
    )


def _campaigns(engine: Engine) -> None:
    """One brief waiting for finance, one running with responses, one finished with results."""
    today = datetime.now(UTC).date()
    brief = {
        "segment": SEGMENT,
        "channel": "email",
        "expected_response_pct": 8,
        "email_subject": "Spring offer for retail",
        "email_body": "Reply to this email if you would like a demo.",
    }
    big = _campaign(engine)
    _complete(
        engine,
        big,
        "brief",
        {
            **brief,
            "name": "Retail expo",
            "budget": 250000,
            "start_date": str(today + timedelta(days=14)),
            "end_date": str(today + timedelta(days=28)),
        },
    )
    running = _launched(engine, brief, "Spring offer", today, today + timedelta(days=21))
    campaign_id = engine.instance(running)["data"]["campaign_id"]
    for email, response in (("ivan", "interested"), ("maria", "not_interested")):
        engine.send_message(
            "campaign_response",
            {"campaign_id": campaign_id},
            {"email": f"{email}@{DOMAIN}", "response": response},
        )
    past = today - timedelta(days=30)
    done = _launched(engine, brief, "Winter newsletter", past, past + timedelta(days=14))
    engine.fire_due_timers()
    _complete(engine, done, "review_results", {"actual_cost": 30000, "conclusion": "Quiet."})


def _campaign(engine: Engine) -> str:
    return str(engine.start("campaign_execution", {}, user="vera")["id"])


def _launched(engine: Engine, brief: Mapping[str, Any], name: str, start: Any, end: Any) -> str:
    iid = _campaign(engine)
    dates = {"start_date": str(start), "end_date": str(end)}
    _complete(engine, iid, "brief", {**brief, **dates, "name": name, "budget": 40000})
    _complete(engine, iid, "review_list", {"list_decision": "approve"})
    for _ in range(5):  # the start timer, then the email batches
        if not engine.fire_due_timers():
            break
    return iid
