"""complaint_resolution: the customer writes while the first response or the resolution
is worked.

A non-interrupting message event on ``respond`` and on ``resolve`` catches every
reply (it is armed again after each one): the reply goes on the case timeline
(one interaction per email, however many steps record it) and in front of the
case owner, or the support queue before the first response, while the task and
its SLA timers keep running. After the proposal a reply answers it instead.
"""

from __future__ import annotations

from crm.models import CaseStatus, Interaction, InteractionKind
from engine import Engine, ManualClock

from ._complaints import (
    case_of,
    customer_replies,
    mailbox_logs,
    recorded_by,
    reply,
    resolve,
    respond,
    start,
)
from ._support import actions, complete, done_tasks, open_tasks, task


def test_a_reply_to_the_acknowledgement_reaches_the_agent_and_the_sla_keeps_running(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]  # A x critical: 1 h, reassign after 2 h
    respond_before = task(complaints, iid, "respond")

    sent = reply(complaints, "CASE-000001", "Any news? Still broken.", reply_from="ivan@vega.test")

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.NEW  # nothing is decided from an early reply
    [noted] = customer_replies(complaints, case.id)
    assert (noted.subject, noted.body, noted.sender) == (
        "[CASE-000001] Customer reply",
        "Any news? Still broken.",
        "ivan@vega.test",
    )
    assert (noted.customer_id, noted.contact_id, noted.instance_id) == (
        case.customer_id,
        case.contact_id,
        iid,
    )
    assert recorded_by(complaints, noted) == [(iid, noted.task_id)]
    assert task(complaints, iid, "respond")["id"] == respond_before["id"]  # not interrupted
    review = task(complaints, iid, "review_respond_reply")
    assert (review["title"], review["group"], review["assignee"], review["priority"]) == (
        "Vega LLC wrote about CASE-000001",
        "support",
        None,  # no owner before the first response: the support queue sees it
        100,
    )
    assert review["id"] in {t["id"] for t in complaints.tasks("gena", scope="group")}
    assert complaints.task(review["id"])["data"]["reply_text"] == "Any news? Still broken."
    assert ("message", None) in actions(complaints, iid)

    clock.advance(minutes=61)
    assert complaints.fire_due_timers() == 1
    assert task(complaints, iid, "chase_response")["group"] == "support_leads"
    clock.advance(minutes=60)
    assert complaints.fire_due_timers() == 1
    assert ("respond", "cancelled", None) in done_tasks(complaints, iid)
    assert [a for a in actions(complaints, iid) if a[0] == "timer_fired"] == [
        ("timer_fired", "respond_warn"),
        ("timer_fired", "respond_breach"),
    ]
    complete(complaints, iid, "review_respond_reply", {"action": "noted"}, "gena")
    assert ("review_respond_reply", "done", "gena") in done_tasks(complaints, iid)


def test_two_replies_while_the_case_is_resolved_both_reach_its_owner(
    complaints: Engine, clock: ManualClock
) -> None:
    iid = start(complaints, severity="critical")["id"]
    reply(complaints, "CASE-000001", "Hello?")
    respond(complaints, iid)  # gena responds and owns the case
    assert sorted(t["task"] for t in open_tasks(complaints, iid)) == [
        "resolve",
        "review_respond_reply",
    ]

    first = reply(complaints, "CASE-000001", "It happened again today.")
    second = reply(complaints, "CASE-000001", "And the invoice number is 42.")

    assert first["outcome"] == second["outcome"] == "delivered"
    reviews = [t for t in open_tasks(complaints, iid) if t["task"] == "review_resolve_reply"]
    assert [(t["assignee"], t["group"]) for t in reviews] == [("gena", "support")] * 2
    texts = sorted(complaints.task(t["id"])["data"]["reply_text"] for t in reviews)
    assert texts == ["And the invoice number is 42.", "It happened again today."]
    case = case_of(complaints, iid)
    assert case.status == CaseStatus.IN_PROGRESS
    assert [i.body for i in customer_replies(complaints, case.id)] == [
        "Hello?",
        "It happened again today.",
        "And the invoice number is 42.",
    ]
    assert [a for a, _t in actions(complaints, iid)].count("message") == 3
    clock.advance(hours=8, minutes=1)  # the resolution SLA still runs
    assert complaints.fire_due_timers() == 1
    assert task(complaints, iid, "chase_resolution")["group"] == "support_leads"

    done = complaints.complete_task(reviews[0]["id"], {"action": "answered"}, "gena")
    assert done["status"] == "running"
    resolve(complaints, iid)  # the proposal: from now on a reply answers it
    assert case_of(complaints, iid).status == CaseStatus.WAITING_CUSTOMER
    reply(complaints, "CASE-000001", "Works now, 5/5")

    closed = case_of(complaints, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)
    assert complaints.instance(iid)["status"] == "completed"
    ended = [t for t in done_tasks(complaints, iid) if t[0].startswith("review_")]
    assert sorted(ended) == [
        ("review_resolve_reply", "cancelled", None),  # left undone: closing cancels it
        ("review_resolve_reply", "done", "gena"),
        ("review_respond_reply", "cancelled", None),
    ]
    assert open_tasks(complaints, iid) == []
    late = reply(complaints, "CASE-000001", "one more thing")
    assert late == {"outcome": "unmatched", "instance": None}
    assert len(customer_replies(complaints, closed.id)) == 4


def test_a_reply_after_a_reopening_reaches_the_agent_again(complaints: Engine) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    reply(complaints, "CASE-000001", "not solved")
    assert case_of(complaints, iid).status == CaseStatus.REOPENED

    again = reply(complaints, "CASE-000001", "Here is a screenshot.")

    assert again["outcome"] == "delivered"
    assert task(complaints, iid, "review_resolve_reply")["assignee"] == "gena"
    assert case_of(complaints, iid).status == CaseStatus.REOPENED


def emails_on(complaints: Engine, case_id: int) -> list[Interaction]:
    return [i for i in customer_replies(complaints, case_id) if i.kind == InteractionKind.EMAIL]


def test_an_email_reply_is_one_interaction_and_a_reply_without_an_id_is_its_own(
    complaints: Engine,
) -> None:
    iid = start(complaints)["id"]
    respond(complaints, iid)
    resolve(complaints, iid)
    case = case_of(complaints, iid)
    logged = mailbox_logs(complaints, case, "email:r1@vega.test", "Sorry, still not solved.")

    reply(
        complaints, case.number, "Sorry, still not solved.", reply_external_id="email:r1@vega.test"
    )
    reply(complaints, case.number, "Here is a screenshot.")  # no id, e.g. through the REST API

    assert case_of(complaints, iid).status == CaseStatus.REOPENED
    [mailed, posted] = emails_on(complaints, case.id)
    assert (mailed.id, mailed.subject, mailed.instance_id) == (logged, "Re: invoice", iid)
    assert (posted.body, posted.external_id, posted.instance_id) == (
        "Here is a screenshot.",  # not taken for the earlier email: the id does not linger
        None,
        iid,
    )


def test_a_reply_for_another_case_does_not_touch_this_one(complaints: Engine) -> None:
    first = start(complaints)["id"]
    ids = (case_of(complaints, first).customer_id, case_of(complaints, first).contact_id)
    second = start(complaints, ids=ids)["id"]
    for iid in (first, second):
        respond(complaints, iid)
        resolve(complaints, iid)

    reply(complaints, "CASE-000002", "not solved")

    assert case_of(complaints, first).status == CaseStatus.WAITING_CUSTOMER
    assert case_of(complaints, second).status == CaseStatus.REOPENED
