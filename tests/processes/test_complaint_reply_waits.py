"""complaint_resolution: the customer writes (or calls) at every wait after the first ones.

Beyond ``respond`` and ``resolve`` (see test_complaint_replies.py) a reply lands
while a team lead has taken over the first response or the resolution, while
only finance still decides a refund, and while the agent is to phone the
customer with the proposal: each time it is put on the case, shown to whoever
works that wait as a "wrote about" task, and neither the wait nor its SLA is
interrupted. Two waits open at once take one reply once.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm.models import AbcClass, CaseStatus, Interaction, InteractionKind
from engine import Engine, ManualClock

from ._complaints import (
    case_of,
    customer_replies,
    phone,
    recorded_by,
    reply,
    resolve,
    respond,
    seed_customer,
    start,
)
from ._support import complete, done_tasks, messages, open_tasks, reviews, rows, task

WROTE = "Vega LLC wrote about CASE-000001"


def test_a_reply_while_a_lead_takes_over_the_first_response_goes_to_the_leads(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # first response: 1 h, reassigned after 2 h
    for _ in ("warn", "breach"):
        clock.advance(minutes=61)
        assert complaints.fire_due_timers() == 1
    lead_task = task(complaints, iid, "respond_lead")

    sent = reply(complaints, "CASE-000001", "Is anybody there?", reply_from="ivan@vega.test")

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    [noted] = customer_replies(complaints, case_of(complaints, iid).id)
    assert (noted.body, noted.sender, noted.instance_id) == (
        "Is anybody there?",
        "ivan@vega.test",
        iid,
    )
    assert recorded_by(complaints, noted) == [(iid, noted.task_id)]
    [review] = reviews(complaints, iid)
    assert (review["task"], review["title"], review["group"], review["assignee"]) == (
        "review_respond_lead_reply",
        WROTE,
        "support_leads",
        None,  # the leads' queue, like the first response it belongs to
    )
    assert complaints.task(review["id"])["data"]["reply_text"] == "Is anybody there?"
    assert task(complaints, iid, "respond_lead")["id"] == lead_task["id"]  # not interrupted
    assert task(complaints, iid, "chase_response")["status"] == "open"

    reply(complaints, "CASE-000001", "Hello?")  # the event is armed again
    assert [r["task"] for r in reviews(complaints, iid)] == ["review_respond_lead_reply"] * 2
    respond(complaints, iid, name="respond_lead", user="dina")
    assert case_of(complaints, iid).owner == "dina"
    assert messages(complaints, iid) == 2


def test_a_reply_while_a_lead_takes_over_the_resolution_goes_to_the_leads(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # resolution: 8 h, reassigned after 16 h
    respond(complaints, iid)
    for _ in ("warn", "breach"):
        clock.advance(hours=8, minutes=1)
        assert complaints.fire_due_timers() == 1
    taken = task(complaints, iid, "take_over")

    assert reply(complaints, "CASE-000001", "Still double billed.")["outcome"] == "delivered"

    [review] = reviews(complaints, iid)
    assert (review["task"], review["group"], review["assignee"]) == (
        "review_take_over_reply",
        "support_leads",
        None,
    )
    assert task(complaints, iid, "take_over")["id"] == taken["id"]
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.IN_PROGRESS
    assert [i.body for i in customer_replies(complaints, case.id)] == ["Still double billed."]
    complete(complaints, iid, "review_take_over_reply", {"action": "noted"}, "dina")
    resolve(complaints, iid, name="take_over")
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert ("review_take_over_reply", "done", "dina") in done_tasks(complaints, iid)


def test_a_reply_while_only_finance_decides_the_refund_goes_to_the_case_owner(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=1500)  # gena responds and owns the case
    resolve(complaints, iid)
    approval = task(complaints, iid, "approve_refund")

    sent = reply(complaints, "CASE-000001", "When do I get my money back?")

    assert sent["outcome"] == "delivered"
    [review] = reviews(complaints, iid)
    assert (review["task"], review["title"], review["group"], review["assignee"]) == (
        "review_refund_reply",
        WROTE,
        "support",
        "gena",
    )
    assert task(complaints, iid, "approve_refund")["id"] == approval["id"]  # finance still decides
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.IN_PROGRESS  # the proposal waits for finance
    [noted] = customer_replies(complaints, case.id)
    assert (noted.body, noted.instance_id) == ("When do I get my money back?", iid)
    complete(complaints, iid, "approve_refund", {"refund_decision": "approved"}, "egor")
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert task(complaints, iid, "review_refund_reply")["assignee"] == "gena"  # still to read
    assert messages(complaints, iid) == 1


def test_a_reply_while_the_resolution_and_the_refund_are_both_open_counts_once(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=99)
    assert sorted(t["task"] for t in open_tasks(complaints, iid)) == ["approve_refund", "resolve"]

    reply(complaints, "CASE-000001", "It happened again.")
    reply(complaints, "CASE-000001", "And again.", reply_external_id="email:r2@vega.test")

    case = case_of(complaints, iid)
    replies = customer_replies(complaints, case.id)
    assert [(i.body, i.external_id) for i in replies] == [
        ("It happened again.", None),
        ("And again.", "email:r2@vega.test"),
    ]
    assert [(r["assignee"], r["group"]) for r in reviews(complaints, iid)] == [
        ("gena", "support")
    ] * 2
    assert sorted(
        t["task"] for t in open_tasks(complaints, iid) if not t["task"].startswith("review_")
    ) == [
        "approve_refund",
        "resolve",
    ]
    assert messages(complaints, iid) == 2


def test_a_call_or_a_reply_while_the_agent_is_to_phone_goes_to_the_agent(
    complaints: Engine,
) -> None:
    ids = seed_customer(complaints, abc=AbcClass.C, email=None)
    iid = start(complaints, severity="minor", ids=ids, channel="phone")["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    to_phone = task(complaints, iid, "call_proposal")

    rang = phone(complaints, "CASE-000001", call_id="CA77")
    wrote = reply(complaints, "CASE-000001", "Call me after 3 pm, please.")

    assert rang["outcome"] == wrote["outcome"] == "delivered"
    found = reviews(complaints, iid)
    assert [(r["task"], r["title"], r["assignee"]) for r in found] == [
        ("review_call_proposal_contact", "Vega LLC got in touch about CASE-000001", "gena")
    ] * 2
    data = [complaints.task(r["id"])["data"] for r in found]
    assert sorted((d["reply_from"] or "", d["reply_text"] or "") for d in data) == [
        ("", "Call me after 3 pm, please."),
        ("+79215550102", ""),
    ]
    case = case_of(complaints, iid)
    [call, email] = customer_replies(complaints, case.id)
    assert (call.kind, call.external_id, call.subject, call.sender) == (
        InteractionKind.CALL,
        "call:CA77",
        "[CASE-000001] Customer called",
        "+79215550102",
    )
    assert (email.kind, email.body, email.external_id) == (
        InteractionKind.EMAIL,
        "Call me after 3 pm, please.",
        None,  # the call's id is not taken for the email
    )
    assert task(complaints, iid, "call_proposal")["id"] == to_phone["id"]

    complete(complaints, iid, "call_proposal", {"reached": True})
    phone(complaints, "CASE-000001", call_id="CA78")  # after the proposal a call is the answer
    assert task(complaints, iid, "take_call")["assignee"] == "gena"
    query = sa.select(Interaction).where(Interaction.external_id == "call:CA78")
    assert rows(complaints, query) == []  # the telephony log records that call when it ends
