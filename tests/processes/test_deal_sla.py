"""deal_approval: the approval SLA in working time, the quote's validity in calendar time.

An approval not done within ``approval_sla`` moves to the approver's manager,
then to the group's queue; the SLA counts the approving group's working hours
(the demo's office calendar: Moscow, Monday to Friday, 09:00-18:00), as the
task's due date does. The quote's validity is a period the customer sees, so it
counts calendar days. The clock is moved, never waited for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.models import Deal
from engine import Engine, ManualClock

from ._deals import APPROVE, SEATS, quotes, start
from ._support import actions, complete, done_tasks, get, open_tasks, task

MSK = timedelta(hours=3)


def moscow(day: int, hour: int, minute: int = 0) -> datetime:
    """March ``day``, 2026 at ``hour:minute`` Moscow time (2 is a Monday, 6 a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - MSK


def fired_at(engine: Engine, clock: ManualClock, moment: datetime) -> int:
    clock.current = moment
    return engine.fire_due_timers()


def test_an_overdue_approval_escalates_to_the_approvers_manager_then_the_queue(
    deals: Engine, deal_id: int, clock: ManualClock
) -> None:
    outcome = start(deals, deal_id, discount_pct=10)  # Monday 09:00; approval_sla P1D
    iid = outcome["id"]
    # one working day from the opening bell is that day's close, not Tuesday 09:00
    assert outcome["data"]["approval_due"] == {"approval": moscow(2, 18).isoformat()}
    assert fired_at(deals, clock, moscow(2, 17, 59)) == 0
    assert fired_at(deals, clock, moscow(2, 18)) == 1
    assert task(deals, iid, "approve_sales")["assignee"] == "dmitry"
    assert fired_at(deals, clock, moscow(3, 17, 59)) == 0  # counted again from the escalation
    assert fired_at(deals, clock, moscow(3, 18)) == 1
    queued = task(deals, iid, "approve_sales")
    assert (queued["assignee"], queued["group"]) == (None, "sales_managers")

    complete(deals, iid, "approve_sales", APPROVE, "boris")

    assert quotes(deals, deal_id)[0].status == "sent"
    assert deals.instance(iid)["data"]["escalations"] == 2
    statuses = [(t[0], t[1]) for t in done_tasks(deals, iid)]
    assert statuses[:3] == [("approve_sales", "cancelled")] * 2 + [("approve_sales", "done")]
    assert actions(deals, iid).count(("timer_fired", "sales_overdue")) == 2


def test_an_approval_asked_on_friday_is_overdue_on_monday_not_saturday(
    deals: Engine, deal_id: int, clock: ManualClock
) -> None:
    clock.current = moscow(6, 15)  # Friday afternoon
    iid = start(deals, deal_id, discount_pct=10)["id"]

    assert task(deals, iid, "approve_sales")["due_at"] == moscow(9, 14).isoformat()  # PT8H
    assert fired_at(deals, clock, moscow(7, 15, 1)) == 0  # calendar time would escalate here
    assert fired_at(deals, clock, moscow(9, 14, 59)) == 0
    assert fired_at(deals, clock, moscow(9, 15)) == 1
    assert task(deals, iid, "approve_sales")["assignee"] == "dmitry"


def test_an_overdue_finance_approval_stays_with_finance(
    deals: Engine, deal_id: int, clock: ManualClock
) -> None:
    outcome = start(deals, deal_id, discount_pct=30)
    iid = outcome["id"]
    complete(deals, iid, "approve_sales", APPROVE, "boris")
    complete(deals, iid, "approve_sales", APPROVE, "dmitry")
    clock.advance(days=1, hours=1)
    assert deals.fire_due_timers() == 1
    assert task(deals, iid, "approve_finance")["group"] == "finance"
    complete(deals, iid, "approve_finance", APPROVE, "egor")
    assert quotes(deals, deal_id)[0].status == "sent"


def test_an_expired_quote_is_extended_then_lost(
    deals: Engine, deal_id: int, clock: ManualClock
) -> None:
    outcome = start(deals, deal_id, valid_days=10)
    iid = outcome["id"]
    clock.advance(days=10, minutes=1)  # calendar days: ten working days would be two weeks
    assert deals.fire_due_timers() == 1
    assert task(deals, iid, "followup")["assignee"] == "anna"

    complete(deals, iid, "followup", {"followup_outcome": "extend", "extend_days": 7}, "anna")
    assert quotes(deals, deal_id)[0].status == "sent"
    assert task(deals, iid, "customer_decision")["assignee"] == "anna"
    clock.advance(days=7, minutes=1)
    assert deals.fire_due_timers() == 1
    lost = {"followup_outcome": "lost", "lost_reason": "no_decision"}
    final = complete(deals, iid, "followup", lost, "anna")

    assert final["status"] == "completed"
    assert quotes(deals, deal_id)[0].status == "expired"
    deal = get(deals, Deal, deal_id)
    assert (deal.stage, deal.lost_reason) == ("lost", "no_decision")
    assert actions(deals, iid).count(("timer_fired", "expires")) == 2


def test_an_expired_quote_can_be_revised(deals: Engine, deal_id: int, clock: ManualClock) -> None:
    outcome = start(deals, deal_id)
    clock.advance(days=15)
    assert deals.fire_due_timers() == 1
    complete(deals, outcome["id"], "followup", {"followup_outcome": "revise"}, "anna")
    complete(deals, outcome["id"], "revise", {"lines": SEATS}, "anna")
    assert [q.status for q in quotes(deals, deal_id)] == ["rejected", "sent"]
    assert [t["task"] for t in open_tasks(deals, outcome["id"])] == ["customer_decision"]
