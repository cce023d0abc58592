"""complaint_resolution: the customer calls while a lead has taken over, or while finance
decides the refund.

Like during ``respond`` and ``resolve`` (test_complaint_calls.py), a ``customer_call``
(by ``case_number``) during ``respond_lead``, ``take_over`` or ``approve_refund`` is
caught by a non-interrupting event that is armed again after each call: the call is
one interaction on the case (``call:<call_id>``, linked to this step) and a "called
about" task goes to the support_leads queue (a lead's take-over) or the case owner
(the refund). The wait and its SLA timers go on. Two waits open at once note one call
once and show it once.
"""

from __future__ import annotations

from crm.models import CaseStatus, InteractionKind
from engine import Engine, ManualClock

from ._complaints import case_of, customer_replies, phone, recorded_by, resolve, respond, start
from ._support import actions, complete, done_tasks, open_tasks, reviews, task

CALLED = "Vega LLC called about CASE-000001"


def calls(engine: Engine, iid: str) -> list[tuple[str, str | None]]:
    """The audit trail's message deliveries."""
    return [a for a in actions(engine, iid) if a[0] == "message"]


def breach(engine: Engine, clock: ManualClock, hours: int, minutes: int) -> None:
    for _ in ("warn", "breach"):
        clock.advance(hours=hours, minutes=minutes)
        assert engine.fire_due_timers() == 1


def test_a_call_while_a_lead_takes_over_the_first_response_goes_to_the_leads(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # first response: 1 h, reassigned after 2 h
    breach(complaints, clock, 0, 61)
    lead_task = task(complaints, iid, "respond_lead")

    rang = phone(complaints, "CASE-000001", call_id="CL1")

    assert (rang["outcome"], rang["instance"]["id"]) == ("delivered", iid)
    case = case_of(complaints, iid)
    [call] = customer_replies(complaints, case.id)
    assert (call.kind, call.external_id, call.sender, call.body) == (
        InteractionKind.CALL,
        "call:CL1",
        "+79215550102",
        None,
    )
    assert (call.case_id, call.customer_id, call.instance_id) == (case.id, case.customer_id, iid)
    assert recorded_by(complaints, call) == [(iid, call.task_id)]
    [review] = reviews(complaints, iid)
    assert (review["task"], review["title"], review["group"], review["assignee"]) == (
        "review_respond_lead_call",
        CALLED,
        "support_leads",
        None,  # the leads' queue, like the first response it belongs to
    )
    assert complaints.task(review["id"])["data"]["call_from"] == "+79215550102"
    assert task(complaints, iid, "respond_lead")["id"] == lead_task["id"]  # not interrupted
    assert task(complaints, iid, "chase_response")["status"] == "open"
    assert ("message", None) in actions(complaints, iid)

    phone(complaints, "CASE-000001", call_id="CL2")  # armed again
    assert [r["task"] for r in reviews(complaints, iid)] == ["review_respond_lead_call"] * 2
    assert [i.external_id for i in customer_replies(complaints, case.id)] == [
        "call:CL1",
        "call:CL2",
    ]
    first = reviews(complaints, iid)[0]
    complaints.complete_task(first["id"], {"action": "called_back"}, "dina")
    respond(complaints, iid, name="respond_lead", user="dina")
    assert case_of(complaints, iid).owner == "dina"
    assert ("review_respond_lead_call", "done", "dina") in done_tasks(complaints, iid)
    assert len(calls(complaints, iid)) == 2


def test_a_call_while_a_lead_takes_over_the_resolution_goes_to_the_leads(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # resolution: 8 h, reassigned after 16 h
    respond(complaints, iid)
    breach(complaints, clock, 8, 1)
    taken = task(complaints, iid, "take_over")

    assert phone(complaints, "CASE-000001", call_id="CT1")["outcome"] == "delivered"

    [review] = reviews(complaints, iid)
    assert (review["task"], review["title"], review["group"], review["assignee"]) == (
        "review_take_over_call",
        CALLED,
        "support_leads",
        None,
    )
    assert task(complaints, iid, "take_over")["id"] == taken["id"]
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.IN_PROGRESS
    [call] = customer_replies(complaints, case.id)
    assert (call.kind, call.external_id, call.instance_id) == (
        InteractionKind.CALL,
        "call:CT1",
        iid,
    )
    assert recorded_by(complaints, call) == [(iid, call.task_id)]
    complete(complaints, iid, "review_take_over_call", {"action": "called_back"}, "dina")
    resolve(complaints, iid, name="take_over")
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert ("review_take_over_call", "done", "dina") in done_tasks(complaints, iid)
    assert len(calls(complaints, iid)) == 1


def test_a_call_while_only_finance_decides_the_refund_goes_to_the_case_owner(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=1500)  # gena responds and owns the case
    resolve(complaints, iid)
    approval = task(complaints, iid, "approve_refund")

    assert phone(complaints, "CASE-000001", call_id="CR1")["outcome"] == "delivered"
    phone(complaints, "CASE-000001", call_id="CR2")  # armed again

    found = reviews(complaints, iid)
    assert [(r["task"], r["title"], r["group"], r["assignee"]) for r in found] == [
        ("review_refund_call", CALLED, "support", "gena")
    ] * 2
    assert task(complaints, iid, "approve_refund")["id"] == approval["id"]  # finance still decides
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.IN_PROGRESS  # the proposal waits for finance
    noted = customer_replies(complaints, case.id)
    assert [(i.kind, i.external_id, i.instance_id) for i in noted] == [
        (InteractionKind.CALL, "call:CR1", iid),
        (InteractionKind.CALL, "call:CR2", iid),
    ]
    assert [recorded_by(complaints, i) for i in noted] == [[(iid, i.task_id)] for i in noted]
    complete(complaints, iid, "approve_refund", {"refund_decision": "approved"}, "egor")
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert [r["assignee"] for r in reviews(complaints, iid)] == ["gena", "gena"]  # still to see
    assert len(calls(complaints, iid)) == 2


def test_a_call_while_a_lead_takes_over_and_finance_decides_counts_once(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]
    respond(complaints, iid, refund=99)
    breach(complaints, clock, 8, 1)
    assert sorted(t["task"] for t in open_tasks(complaints, iid)) == [
        "approve_refund",
        "chase_resolution",
        "take_over",
    ]

    phone(complaints, "CASE-000001", call_id="CB1")

    case = case_of(complaints, iid)
    [call] = customer_replies(complaints, case.id)
    assert (call.external_id, call.instance_id) == ("call:CB1", iid)
    assert len(recorded_by(complaints, call)) == 1
    [review] = reviews(complaints, iid)
    assert review["title"] == CALLED
    assert task(complaints, iid, "take_over")["status"] == "open"
    assert task(complaints, iid, "approve_refund")["status"] == "open"
    assert len(calls(complaints, iid)) == 1
