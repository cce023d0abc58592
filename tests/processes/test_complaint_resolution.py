"""complaint_resolution: every path of the diagram, through the engine's public API.

Each scenario starts a complaint the way the support mailbox, a call or an
agent does, walks the inbox, delivers the customer's answers as messages, and
checks the case in the CRM, the inbox rows and the audit trail. The SLA timers
are in test_complaint_sla.py, replies while the case is worked in
test_complaint_replies.py and test_complaint_reply_waits.py, the drawing in
test_complaint_diagram.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.models import AbcClass, CaseStatus, Interaction
from engine import Engine

from ._complaints import KEY, case_of, outbox, reply, resolve, respond, seed_customer, start
from ._support import actions, complete, done_tasks, open_tasks, rows, task


def test_email_complaint_resolved_and_closed_with_the_customers_score(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    case = case_of(complaints, iid)
    assert (case.number, case.priority, case.status) == ("CASE-000001", "high", CaseStatus.NEW)
    assert case.first_response_due is not None and case.resolution_due is not None
    [item] = open_tasks(complaints, iid)
    assert (item["task"], item["group"], item["priority"]) == ("respond", "support", 80)
    assert item["title"] == "First response to CASE-000001"
    assert item["assignee"] == "gena"  # round robin over support: gena, then gleb

    respond(complaints, iid)
    assert case_of(complaints, iid).status == CaseStatus.IN_PROGRESS
    work = task(complaints, iid, "resolve")
    assert work["assignee"] == "gena"  # the agent who responded
    articles = complaints.task(work["id"])["data"]["articles"]
    assert [a["title"] for a in articles] == ["Fixing a double charge on an invoice"]
    resolve(complaints, iid, article_id=articles[0]["id"])
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert open_tasks(complaints, iid) == []

    sent = reply(complaints, "CASE-000001", "Thank you, all good now. 5/5")

    assert sent["outcome"] == "delivered"
    assert complaints.instance(iid)["status"] == "completed"
    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)
    assert closed.resolution == "We cancelled the second invoice."
    assert outbox(complaints, closed.id) == [
        "[CASE-000001] We have received your complaint",
        "[CASE-000001] Proposed resolution",
    ]
    assert done_tasks(complaints, iid) == [("respond", "done", "gena"), ("resolve", "done", "gena")]
    trail = actions(complaints, iid)
    assert trail[0][0] == "started" and trail[-1] == ("completed", None)
    assert ("message", None) in trail


def test_reply_without_a_score_asks_the_agent_for_one(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    number = case_of(complaints, iid).number

    reply(complaints, number, "Fine, thanks")
    asked = task(complaints, iid, "ask_score")
    assert asked["assignee"] == "gena" and asked["title"] == "Ask Vega LLC for a satisfaction score"
    complete(complaints, iid, "ask_score", {"satisfaction": 4})

    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 4)
    assert complaints.instance(iid)["status"] == "completed"


def test_not_solved_reopens_the_case_many_times_then_it_closes(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    number = case_of(complaints, iid).number
    for turn in range(40):
        resolve(complaints, iid, resolution=f"Attempt {turn}")
        answer = reply(complaints, number, "Sorry, it is still not solved.")
        assert answer["outcome"] == "delivered"
        assert case_of(complaints, iid).status == CaseStatus.REOPENED
        assert [t["task"] for t in open_tasks(complaints, iid)] == ["resolve"]
    resolve(complaints, iid, resolution="Final fix")
    reply(complaints, number, "Solved at last", satisfaction=3)

    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction, closed.resolution) == (
        CaseStatus.CLOSED,
        3,
        "Final fix",
    )
    assert complaints.instance(iid)["data"]["reopen_count"] == 40
    assert [a for a, _t in actions(complaints, iid)].count("message") == 41
    notes = rows(
        complaints,
        sa.select(Interaction.subject).where(
            Interaction.case_id == closed.id, Interaction.subject.like("%Reopened%")
        ),
    )
    assert len(notes) == 40


def test_refund_approved_by_finance_in_parallel(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=1500)
    names = sorted(t["task"] for t in open_tasks(complaints, iid))
    assert names == ["approve_refund", "resolve"]
    approval = task(complaints, iid, "approve_refund")
    assert approval["group"] == "finance" and "1500" in approval["title"]
    resolve(complaints, iid)
    assert case_of(complaints, iid).status == CaseStatus.IN_PROGRESS  # waits for finance
    complete(
        complaints,
        iid,
        "approve_refund",
        {"refund_decision": "approved", "refund_comment": "ok"},
        "egor",
    )

    case = case_of(complaints, iid)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    notes = rows(complaints, sa.select(Interaction.subject).where(Interaction.case_id == case.id))
    assert "Refund of 1500 approved for CASE-000001" in notes
    assert ("approve_refund", "done", "egor") in done_tasks(complaints, iid)


def test_refund_rejected_by_finance_still_proposes_the_resolution(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=99)
    complete(complaints, iid, "approve_refund", {"refund_decision": "rejected"}, "egor")
    assert case_of(complaints, iid).status == CaseStatus.IN_PROGRESS
    resolve(complaints, iid)

    case = case_of(complaints, iid)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    notes = rows(complaints, sa.select(Interaction.subject).where(Interaction.case_id == case.id))
    assert not any("Refund" in (n or "") for n in notes)
    assert outbox(complaints, case.id)[-1] == "[CASE-000001] Proposed resolution"


def test_phone_complaint_without_email_is_phoned_and_closed_by_a_call(complaints: Engine) -> None:
    ids = seed_customer(complaints, abc=AbcClass.C, email=None)
    iid = start(complaints, severity="minor", ids=ids, channel="phone")["id"]
    case = case_of(complaints, iid)
    assert case.priority == "low"
    assert outbox(complaints, case.id) == []  # no acknowledgement without an address
    respond(complaints, iid)
    resolve(complaints, iid)
    call = task(complaints, iid, "call_proposal")
    assert call["title"] == "Phone Vega LLC with the resolution of CASE-000001"
    complete(complaints, iid, "call_proposal", {"reached": True})

    rang = complaints.send_message(
        "customer_call", {"case_number": "CASE-000001"}, {"call_from": "+79215550102"}
    )
    assert rang["outcome"] == "delivered"
    complete(complaints, iid, "take_call", {"solved": True, "satisfaction": 5})

    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)


def test_a_call_saying_not_solved_reopens(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    complaints.send_message("customer_call", {"case_number": "CASE-000001"}, {})
    complete(complaints, iid, "take_call", {"solved": False, "reply_text": "still broken"})

    assert case_of(complaints, iid).status == CaseStatus.REOPENED
    assert [t["task"] for t in open_tasks(complaints, iid)] == ["resolve"]


def test_an_unknown_sender_is_linked_to_a_customer_first(complaints: Engine) -> None:
    customer_id, contact_id = seed_customer(complaints)
    outcome = complaints.start(
        KEY,
        {
            "customer_id": None,
            "contact_id": None,
            "email": "ivan@vega.test",
            "subject": "Broken",
            "description": None,
            "severity": "minor",
            "channel": "email",
        },
        "system",
    )
    iid = outcome["id"]
    assert task(complaints, iid, "identify")["group"] == "support"
    complete(complaints, iid, "identify", {"customer_id": customer_id})

    case = case_of(complaints, iid)
    assert (case.customer_id, case.contact_id, case.priority) == (
        customer_id,
        contact_id,
        "medium",
    )
    assert outbox(complaints, case.id) == ["[CASE-000001] We have received your complaint"]


@pytest.mark.parametrize(
    ("abc", "severity", "priority", "score"),
    [
        (AbcClass.A, "critical", "critical", 100),
        (AbcClass.C, "critical", "high", 75),
        (AbcClass.B, "major", "high", 70),
        (AbcClass.C, "minor", "low", 25),
    ],
)
def test_priority_comes_from_the_dmn_table(
    complaints: Engine, abc: AbcClass, severity: str, priority: str, score: int
) -> None:
    iid = start(complaints, severity=severity, ids=seed_customer(complaints, abc=abc))["id"]
    assert case_of(complaints, iid).priority == priority
    assert task(complaints, iid, "respond")["priority"] == score


def test_a_customer_that_does_not_exist_becomes_an_incident(complaints: Engine) -> None:
    outcome = complaints.start(
        KEY, {"customer_id": 999, "subject": "x", "severity": "minor", "channel": "agent"}, "gleb"
    )
    assert outcome["status"] == "incident"
    assert "field 'customer_id': no customer with id 999" in outcome["incident"]
