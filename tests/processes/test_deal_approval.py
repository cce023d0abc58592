"""deal_approval: every path of the diagram, through the engine's public API.

A deal comes from a converted lead (so it has a customer, a contact and an
email); each scenario builds a quote from the demo price list, walks the
approval chain the DMN table picks, delivers the customer's reply as a message
correlated by the quote number, and checks the deal, the quotes, the inbox rows
and the audit trail. The approval and expiry timers are in test_deal_sla.py,
replies while the owner revises or follows up in test_deal_replies.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clientflow_cli.demo_seed import sales
from clientflow_cli.main import cli
from crm.models import Competitor, Deal, Interaction, Lead
from engine import Engine

from ._deals import APPROVE, KEY, SEATS, quotes, reply, start
from ._support import actions, complete, done_tasks, get, open_tasks, rows, task
from .conftest import PROCESSES, assert_diagram_complete, assert_drawn_in_lanes


@pytest.fixture
def engine(deals: Engine) -> Engine:
    return deals


def test_standard_price_needs_no_approval_and_an_accepting_reply_wins(
    engine: Engine, deal_id: int
) -> None:
    outcome = start(engine, deal_id)
    iid = outcome["id"]
    assert outcome["data"]["approval_chain"] == []
    [quote] = quotes(engine, deal_id)
    assert (quote.status, str(quote.total()), quote.valid_until is not None) == (
        "sent",
        "240000.00",
        True,
    )
    deal = get(engine, Deal, deal_id)
    assert (deal.stage, str(deal.amount)) == ("proposal", "240000.00")
    [mail] = rows(engine, sa.select(Interaction).where(Interaction.deal_id == deal_id))
    assert (mail.kind, mail.direction, mail.subject) == (
        "email",
        "out",
        "Commercial offer " + quote.number,
    )
    assert task(engine, iid, "customer_decision")["assignee"] == "anna"

    answer = reply(engine, quote.number, customer_decision="accepted", customer_comment="yes")

    assert answer["outcome"] == "delivered" and answer["instance"]["status"] == "completed"
    deal = get(engine, Deal, deal_id)
    assert (deal.stage, str(deal.amount), deal.probability) == ("won", "240000.00", 100)
    assert quotes(engine, deal_id)[0].status == "accepted"
    assert done_tasks(engine, iid) == [("customer_decision", "cancelled", None)]
    assert ("message", None) in actions(engine, iid)
    late = reply(engine, quote.number, customer_decision="declined")
    assert late == {"outcome": "unmatched", "instance": None}


def test_a_manager_approves_a_discount_and_the_customer_declines_for_a_competitor(
    engine: Engine, deal_id: int
) -> None:
    outcome = start(engine, deal_id, discount_pct=10)
    iid = outcome["id"]
    assert outcome["data"]["approval_chain"] == ["sales_manager"]
    approval = task(engine, iid, "approve_sales")
    assert (approval["group"], approval["assignee"]) == ("sales_managers", "boris")
    assert approval["title"].endswith("(sales_manager)")
    assert quotes(engine, deal_id)[0].status == "draft"

    complete(engine, iid, "approve_sales", APPROVE, "boris")
    assert quotes(engine, deal_id)[0].status == "sent"
    declined = {
        "customer_decision": "declined",
        "lost_reason": "competitor",
        "competitor": "Bitrix",
    }
    final = complete(engine, iid, "customer_decision", declined, "anna")

    assert final["status"] == "completed"
    deal = get(engine, Deal, deal_id)
    assert (deal.stage, deal.lost_reason) == ("lost", "competitor")
    assert get(engine, Competitor, deal.competitor_id).name == "Bitrix"
    assert quotes(engine, deal_id)[0].status == "declined"
    assert done_tasks(engine, iid) == [
        ("approve_sales", "done", "boris"),
        ("customer_decision", "done", "anna"),
    ]


def test_a_deep_discount_climbs_manager_director_and_finance(engine: Engine, deal_id: int) -> None:
    outcome = start(engine, deal_id, discount_pct=30)
    iid = outcome["id"]
    assert outcome["data"]["approval_chain"] == ["sales_manager", "sales_director", "finance"]

    assert task(engine, iid, "approve_sales")["assignee"] == "boris"
    complete(engine, iid, "approve_sales", APPROVE, "boris")
    assert task(engine, iid, "approve_sales")["assignee"] == "dmitry"
    complete(engine, iid, "approve_sales", APPROVE, "dmitry")
    finance = task(engine, iid, "approve_finance")
    assert (finance["group"], finance["assignee"]) == ("finance", None)
    complete(engine, iid, "approve_finance", APPROVE, "egor")

    assert quotes(engine, deal_id)[0].status == "sent"
    data = engine.instance(iid)["data"]
    assert data["approved_levels"] == ["sales_manager", "sales_director", "finance"]
    assert [t[2] for t in done_tasks(engine, iid)] == ["boris", "dmitry", "egor"]


def test_an_approver_rejects_and_the_quote_ends_rejected(engine: Engine, deal_id: int) -> None:
    outcome = start(engine, deal_id, discount_pct=10)
    final = complete(
        engine,
        outcome["id"],
        "approve_sales",
        {"approval_decision": "reject", "approval_comment": "margin too thin"},
        "boris",
    )

    assert final["status"] == "completed"
    assert quotes(engine, deal_id)[0].status == "rejected"
    assert get(engine, Deal, deal_id).stage == "qualification"  # the deal itself stays open
    assert final["data"]["approval_comment"] == "margin too thin"


def test_changes_asked_by_the_approver_loop_through_a_new_quote(
    engine: Engine, deal_id: int
) -> None:
    outcome = start(engine, deal_id, discount_pct=10)
    iid = outcome["id"]
    complete(
        engine,
        iid,
        "approve_sales",
        {"approval_decision": "changes", "approval_comment": "5% at most"},
        "boris",
    )
    revise = task(engine, iid, "revise")
    assert revise["assignee"] == "anna"

    complete(engine, iid, "revise", {"lines": SEATS, "discount_pct": 5}, "anna")

    old, new = quotes(engine, deal_id)
    assert (old.status, new.status) == ("rejected", "sent")
    assert str(new.total()) == "228000.00"
    assert engine.instance(iid)["data"]["revision"] == 1
    assert task(engine, iid, "customer_decision")["title"] == (
        f"Customer's decision on {new.number}"
    )
    late = reply(engine, old.number, customer_decision="accepted")
    assert late["outcome"] == "unmatched"  # the retired quote waits for nothing


def test_a_customer_asking_for_changes_by_reply_sends_a_revised_quote(
    engine: Engine, deal_id: int
) -> None:
    outcome = start(engine, deal_id)
    [first] = quotes(engine, deal_id)
    assert reply(engine, first.number, customer_decision="changes")["outcome"] == "delivered"
    complete(
        engine,
        outcome["id"],
        "revise",
        {"lines": [{"sku": "CRM-SEAT", "qty": 12}], "revision_comment": "12 seats"},
        "anna",
    )

    second = quotes(engine, deal_id)[1]
    assert second.status == "sent" and str(second.total()) == "288000.00"
    assert reply(engine, second.number, customer_decision="accepted")["outcome"] == "delivered"
    deal = get(engine, Deal, deal_id)
    assert (deal.stage, str(deal.amount)) == ("won", "288000.00")


def test_an_unclear_reply_keeps_the_decision_open(engine: Engine, deal_id: int) -> None:
    outcome = start(engine, deal_id)
    [quote] = quotes(engine, deal_id)

    answer = reply(engine, quote.number, customer_comment="will call you")

    assert answer["outcome"] == "delivered" and answer["instance"]["status"] == "running"
    assert task(engine, outcome["id"], "customer_decision")["assignee"] == "anna"
    assert quotes(engine, deal_id)[0].status == "sent"


def test_the_process_validates_and_its_diagram_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    result = CliRunner().invoke(cli, ["validate", str(PROCESSES / KEY)])

    assert result.exit_code == 0, result.output
    assert_diagram_complete(PROCESSES / KEY / f"{KEY}.bpmn")
    lanes = assert_drawn_in_lanes(PROCESSES / KEY / f"{KEY}.bpmn")
    assert {"review_revise_reply", "review_followup_reply"} <= lanes["sales"]
    assert "start_approval_sla" in lanes["sales_managers"]


def test_the_sales_demo_seed_plays_its_stories_once(crm_engine: Engine) -> None:
    sales.seed(crm_engine)
    sales.seed(crm_engine)  # a second run adds nothing

    demo_leads = rows(crm_engine, sa.select(Lead).where(Lead.email.like("%demo-customer.test")))
    assert len(demo_leads) == 7
    assert sorted(str(lead.status) for lead in demo_leads) == [
        "converted",
        "converted",
        "converted",
        "nurturing",
        "working",
        "working",
        "working",
    ]
    assert sorted(str(d.stage) for d in rows(crm_engine, sa.select(Deal))) == [
        "proposal",
        "qualification",
        "won",
    ]
    waiting = {(i["process"], i["task"], i["assignee"]) for i in open_tasks(crm_engine)}
    assert waiting == {
        ("lead_qualification", "first_contact", "anna"),
        ("lead_qualification", "first_contact", None),
        ("lead_qualification", "bant", "anna"),
        ("deal_approval", "approve_sales", "boris"),
        ("deal_approval", "customer_decision", "anna"),
    }
