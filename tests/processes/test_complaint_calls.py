"""complaint_resolution: the customer calls while the case is worked, or writes while the
agent is to call them back or ask for a score.

A call (``customer_call`` by ``case_number``) during ``respond`` or ``resolve`` is
caught by a non-interrupting event that is armed again after each call: the call
is one interaction on the case (the telephony log's ``call:<call_id>`` row, linked
rather than repeated) and a "called about" task goes to the case owner, or the
support queue before the first response; the task and its SLA timers go on. A
reply during ``take_call`` or ``ask_score`` is noted and shown to the agent.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm.models import Case, CaseStatus, Interaction, InteractionKind
from engine import Engine, ManualClock

from ._complaints import (
    case_of,
    customer_replies,
    phone,
    recorded_by,
    reply,
    resolve,
    respond,
    start,
)
from ._support import (
    actions,
    complete,
    done_tasks,
    integration_logs,
    messages,
    open_tasks,
    rows,
    task,
)

CALLED = "Vega LLC called about CASE-000001"


def telephony_logs(engine: Engine, case: Case, call_id: str) -> int:
    """The telephony integration logs the finished call, as it does for every call."""
    return integration_logs(
        engine,
        **{"kind": "call", "direction": "in", "channel": "telephony", "duration_s": 40},
        **{"subject": "Call from +79215550102", "contact_id": case.contact_id},
        **{"external_id": f"call:{call_id}", "sender": "+79215550102"},
    )


def calls_logged(engine: Engine, call_id: str) -> list[Interaction]:
    query = sa.select(Interaction).where(Interaction.external_id == f"call:{call_id}")
    return rows(engine, query)


def test_a_call_before_the_first_response_reaches_the_queue_and_the_sla_keeps_running(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # first response: 1 h, reassigned after 2 h
    before = task(complaints, iid, "respond")

    rang = phone(complaints, "CASE-000001", call_id="CA1")

    assert (rang["outcome"], rang["instance"]["id"]) == ("delivered", iid)
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.NEW
    [call] = customer_replies(complaints, case.id)
    assert (call.kind, call.external_id, call.sender, call.subject, call.body) == (
        InteractionKind.CALL,
        "call:CA1",
        "+79215550102",
        "[CASE-000001] Customer called",
        None,
    )
    assert (call.customer_id, call.instance_id) == (case.customer_id, iid)
    assert recorded_by(complaints, call) == [(iid, call.task_id)]
    review = task(complaints, iid, "review_respond_call")
    assert (review["title"], review["group"], review["assignee"]) == (CALLED, "support", None)
    assert complaints.task(review["id"])["data"]["call_from"] == "+79215550102"
    assert task(complaints, iid, "respond")["id"] == before["id"]  # not interrupted
    assert ("message", None) in actions(complaints, iid)

    phone(complaints, "CASE-000001", call_id="CA2")  # armed again
    reviews = [t for t in open_tasks(complaints, iid) if t["task"] == "review_respond_call"]
    assert len(reviews) == 2
    assert [i.external_id for i in customer_replies(complaints, case.id)] == [
        "call:CA1",
        "call:CA2",
    ]
    clock.advance(minutes=61)
    assert complaints.fire_due_timers() == 1
    assert task(complaints, iid, "chase_response")["group"] == "support_leads"
    respond(complaints, iid, user="gena")
    assert task(complaints, iid, "resolve")["assignee"] == "gena"
    done = complaints.complete_task(reviews[0]["id"], {"action": "called_back"}, "gena")
    assert done["status"] == "running"
    assert ("review_respond_call", "done", "gena") in done_tasks(complaints, iid)
    assert messages(complaints, iid) == 2


def test_a_call_the_telephony_logged_is_linked_to_the_case_not_logged_again(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)  # gena owns the case
    resolving = task(complaints, iid, "resolve")
    case = case_of(complaints, iid)
    logged = telephony_logs(complaints, case, "CA9")

    phone(complaints, "CASE-000001", call_id="CA9")

    [call] = calls_logged(complaints, "CA9")
    assert call.id == logged
    assert (call.case_id, call.instance_id, call.channel, call.duration_s) == (
        case.id,
        iid,
        "telephony",  # what the telephony log said stays
        40,
    )
    assert recorded_by(complaints, call)[-1] == (iid, call.task_id)
    review = task(complaints, iid, "review_resolve_call")
    assert (review["title"], review["group"], review["assignee"]) == (CALLED, "support", "gena")
    assert task(complaints, iid, "resolve")["id"] == resolving["id"]
    assert case_of(complaints, iid).status == CaseStatus.IN_PROGRESS
    clock.advance(hours=24)  # major, class A: the resolution SLA still runs
    assert complaints.fire_due_timers() >= 1
    assert task(complaints, iid, "chase_resolution")["group"] == "support_leads"


def test_a_call_while_the_resolution_and_the_refund_are_open_reaches_the_owner_once(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid, refund=99)
    assert sorted(t["task"] for t in open_tasks(complaints, iid)) == ["approve_refund", "resolve"]

    phone(complaints, "CASE-000001", call_id="CA5")

    assert len(calls_logged(complaints, "CA5")) == 1
    reviews = [t for t in open_tasks(complaints, iid) if t["task"].startswith("review_")]
    assert [(r["title"], r["assignee"]) for r in reviews] == [(CALLED, "gena")]  # one, not two
    resolve(complaints, iid)
    complete(complaints, iid, "approve_refund", {"refund_decision": "approved"}, "egor")
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    assert messages(complaints, iid) == 1


def test_a_reply_while_the_agent_is_to_call_back_reaches_the_agent(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    phone(complaints, "CASE-000001", call_id="CA3")  # after the proposal: the agent calls back
    callback = task(complaints, iid, "take_call")

    sent = reply(
        complaints, "CASE-000001", "Sorry, I'm busy until 5 pm.", reply_from="ivan@vega.test"
    )

    assert sent["outcome"] == "delivered"
    review = task(complaints, iid, "review_take_call_reply")
    assert (review["title"], review["assignee"]) == ("Vega LLC wrote about CASE-000001", "gena")
    assert complaints.task(review["id"])["data"]["reply_text"] == "Sorry, I'm busy until 5 pm."
    assert task(complaints, iid, "take_call")["id"] == callback["id"]
    case = case_of(complaints, iid)
    email = customer_replies(complaints, case.id)[-1]
    assert (email.kind, email.body, email.instance_id) == (
        InteractionKind.EMAIL,
        "Sorry, I'm busy until 5 pm.",
        iid,
    )
    assert case.status == CaseStatus.WAITING_CUSTOMER  # nothing is decided from it
    complete(complaints, iid, "take_call", {"solved": True, "satisfaction": 4})
    assert case_of(complaints, iid).status == CaseStatus.CLOSED


def test_a_reply_while_the_agent_asks_for_a_score_reaches_the_agent(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    reply(complaints, "CASE-000001", "Solved, thanks.")  # solved, but no score
    asking = task(complaints, iid, "ask_score")

    reply(complaints, "CASE-000001", "Forgot to say: 5 stars.")
    reply(complaints, "CASE-000001", "Really.")

    reviews = [t for t in open_tasks(complaints, iid) if t["task"] == "review_ask_score_reply"]
    assert [r["assignee"] for r in reviews] == ["gena", "gena"]
    assert task(complaints, iid, "ask_score")["id"] == asking["id"]
    case = case_of(complaints, iid)
    assert [i.body for i in customer_replies(complaints, case.id)][-2:] == [
        "Forgot to say: 5 stars.",
        "Really.",
    ]
    assert case.status != CaseStatus.CLOSED  # the agent records the score
    complete(complaints, iid, "ask_score", {"satisfaction": 5})
    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)
