"""complaint_resolution: every path of the diagram, through the engine's public API.

Each scenario starts a complaint the way the support mailbox, a call or an
agent does, walks the inbox, moves a manual clock for the SLA and silence
timers (never sleeps), delivers the customer's replies as messages, and then
checks the case in the CRM, the inbox rows and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from lxml import etree

from crm.models import (
    AbcClass,
    Article,
    Case,
    CaseStatus,
    Change,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Direction,
    Interaction,
    InteractionKind,
    OutboxMessage,
)
from engine import Engine, ManualClock, using_clock

from ._support import (
    actions,
    bundle_of,
    complete,
    done_tasks,
    get,
    make_crm_engine,
    open_tasks,
    rows,
    seeding,
    task,
)
from .conftest import BPMN_NS, DC_NS, DI_NS, PROCESSES, assert_diagram_complete

KEY = "complaint_resolution"


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    clock = ManualClock()
    with using_clock(clock):
        yield clock


@pytest.fixture
def engine(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    eng = make_crm_engine(db_url)
    eng.deploy(bundle_of(KEY))
    yield eng
    eng.db.dispose()


def seed_customer(
    engine: Engine, abc: AbcClass = AbcClass.A, email: str | None = "ivan@vega.test"
) -> tuple[int, int]:
    with seeding(engine) as session:
        customer = Customer(name="Vega LLC", abc_class=abc)
        contact = Contact(first_name="Ivan", customer=customer)
        contact.phones.append(ContactPhone(number="+79215550102"))
        if email:
            contact.emails.append(ContactEmail(address=email))
        session.add_all(
            [
                contact,
                Article(title="Fixing a double charge on an invoice", body="...", tags=["invoice"]),
                Article(title="Delivery delays", body="...", tags=["delivery"]),
            ]
        )
        session.flush()
        return customer.id, contact.id


def start(engine: Engine, severity: str = "major", **data: Any) -> dict[str, Any]:
    customer_id, contact_id = data.pop("ids", None) or seed_customer(engine)
    values = {
        "customer_id": customer_id,
        "contact_id": contact_id,
        "subject": "Invoice charged twice",
        "description": "We were billed twice for March",
        "severity": severity,
        "channel": "email",
        **data,
    }
    outcome = engine.start(KEY, values, "gleb")
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def respond(
    engine: Engine,
    iid: str,
    refund: float | None = None,
    name: str = "respond",
    user: str | None = None,
) -> None:
    data: dict[str, Any] = {
        "reply": "We are on it.",
        "channel_used": "email",
        "needs_refund": refund is not None,
    }
    if refund is not None:
        data["refund_amount"] = refund
    complete(engine, iid, name, data, user)


def resolve(engine: Engine, iid: str, name: str = "resolve", **extra: Any) -> None:
    data = {"resolution": "We cancelled the second invoice.", "root_cause": "billing_error"}
    complete(engine, iid, name, {**data, **extra})


def reply(engine: Engine, number: str, text: str, **payload: Any) -> dict[str, Any]:
    return engine.send_message(
        "customer_reply", {"case_number": number}, {"reply_text": text, **payload}
    )


def case_of(engine: Engine, iid: str) -> Case:
    data = engine.instance(iid)["data"]
    return get(engine, Case, data["case_id"])


def outbox(engine: Engine, case_id: int) -> list[str]:
    query = sa.select(OutboxMessage.subject).where(OutboxMessage.case_id == case_id)
    return [s for s in rows(engine, query.order_by(OutboxMessage.id))]


def test_email_complaint_resolved_and_closed_with_the_customers_score(engine: Engine) -> None:
    iid = start(engine)["id"]
    case = case_of(engine, iid)
    assert (case.number, case.priority, case.status) == ("CASE-000001", "high", CaseStatus.NEW)
    assert case.first_response_due is not None and case.resolution_due is not None
    [item] = open_tasks(engine, iid)
    assert (item["task"], item["group"], item["priority"]) == ("respond", "support", 80)
    assert item["title"] == "First response to CASE-000001"
    assert item["assignee"] == "gena"  # round robin over support: gena, then gleb

    respond(engine, iid)
    assert case_of(engine, iid).status == CaseStatus.IN_PROGRESS
    work = task(engine, iid, "resolve")
    assert work["assignee"] == "gena"  # the agent who responded
    articles = engine.task(work["id"])["data"]["articles"]
    assert [a["title"] for a in articles] == ["Fixing a double charge on an invoice"]
    resolve(engine, iid, article_id=articles[0]["id"])
    assert case_of(engine, iid).status == CaseStatus.WAITING_CUSTOMER
    assert open_tasks(engine, iid) == []

    sent = reply(engine, "CASE-000001", "Thank you, all good now. 5/5")

    assert sent["outcome"] == "delivered"
    assert engine.instance(iid)["status"] == "completed"
    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)
    assert closed.resolution == "We cancelled the second invoice."
    assert outbox(engine, closed.id) == [
        "[CASE-000001] We have received your complaint",
        "[CASE-000001] Proposed resolution",
    ]
    assert done_tasks(engine, iid) == [("respond", "done", "gena"), ("resolve", "done", "gena")]
    trail = actions(engine, iid)
    assert trail[0][0] == "started" and trail[-1] == ("completed", None)
    assert ("message", None) in trail


def test_reply_without_a_score_asks_the_agent_for_one(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    resolve(engine, iid)
    number = case_of(engine, iid).number

    reply(engine, number, "Fine, thanks")
    asked = task(engine, iid, "ask_score")
    assert asked["assignee"] == "gena" and asked["title"] == "Ask Vega LLC for a satisfaction score"
    complete(engine, iid, "ask_score", {"satisfaction": 4})

    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 4)
    assert engine.instance(iid)["status"] == "completed"


def test_not_solved_reopens_the_case_many_times_then_it_closes(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    number = case_of(engine, iid).number
    for turn in range(40):
        resolve(engine, iid, resolution=f"Attempt {turn}")
        answer = reply(engine, number, "Sorry, it is still not solved.")
        assert answer["outcome"] == "delivered"
        assert case_of(engine, iid).status == CaseStatus.REOPENED
        assert [t["task"] for t in open_tasks(engine, iid)] == ["resolve"]
    resolve(engine, iid, resolution="Final fix")
    reply(engine, number, "Solved at last", satisfaction=3)

    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction, closed.resolution) == (
        CaseStatus.CLOSED,
        3,
        "Final fix",
    )
    assert engine.instance(iid)["data"]["reopen_count"] == 40
    assert [a for a, _t in actions(engine, iid)].count("message") == 41
    notes = rows(
        engine,
        sa.select(Interaction.subject).where(
            Interaction.case_id == closed.id, Interaction.subject.like("%Reopened%")
        ),
    )
    assert len(notes) == 40


def test_refund_approved_by_finance_in_parallel(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid, refund=1500)
    names = sorted(t["task"] for t in open_tasks(engine, iid))
    assert names == ["approve_refund", "resolve"]
    approval = task(engine, iid, "approve_refund")
    assert approval["group"] == "finance" and "1500" in approval["title"]
    resolve(engine, iid)
    assert case_of(engine, iid).status == CaseStatus.IN_PROGRESS  # waits for finance
    complete(
        engine,
        iid,
        "approve_refund",
        {"refund_decision": "approved", "refund_comment": "ok"},
        "egor",
    )

    case = case_of(engine, iid)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    notes = rows(engine, sa.select(Interaction.subject).where(Interaction.case_id == case.id))
    assert "Refund of 1500 approved for CASE-000001" in notes
    assert ("approve_refund", "done", "egor") in done_tasks(engine, iid)


def test_refund_rejected_by_finance_still_proposes_the_resolution(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid, refund=99)
    complete(engine, iid, "approve_refund", {"refund_decision": "rejected"}, "egor")
    assert case_of(engine, iid).status == CaseStatus.IN_PROGRESS
    resolve(engine, iid)

    case = case_of(engine, iid)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    notes = rows(engine, sa.select(Interaction.subject).where(Interaction.case_id == case.id))
    assert not any("Refund" in (n or "") for n in notes)
    assert outbox(engine, case.id)[-1] == "[CASE-000001] Proposed resolution"


def test_first_response_sla_escalates_then_reassigns(engine: Engine, clock: ManualClock) -> None:
    iid = start(engine, severity="critical")["id"]  # A x critical: 1 h, reassign after 2 h
    assert engine.fire_due_timers() == 0
    clock.advance(minutes=61)
    assert engine.fire_due_timers() == 1
    chase = task(engine, iid, "chase_response")
    assert chase["group"] == "support_leads" and chase["priority"] == 100
    assert task(engine, iid, "respond")["status"] == "open"  # non-interrupting

    clock.advance(minutes=60)
    assert engine.fire_due_timers() == 1
    names = sorted(t["task"] for t in open_tasks(engine, iid))
    assert names == ["chase_response", "respond_lead"]
    assert ("respond", "cancelled", None) in done_tasks(engine, iid)
    respond(engine, iid, name="respond_lead", user="dina")

    case = case_of(engine, iid)
    assert case.owner == "dina" and case.first_responded_at is not None
    assert task(engine, iid, "resolve")["assignee"] == "dina"
    complete(engine, iid, "chase_response", {"action": "reassigned"}, "dina")
    assert ("timer_fired", "respond_warn") in actions(engine, iid)
    assert ("timer_fired", "respond_breach") in actions(engine, iid)


def test_resolution_sla_escalates_then_a_lead_takes_over(
    engine: Engine, clock: ManualClock
) -> None:
    iid = start(engine, severity="critical")["id"]
    respond(engine, iid)
    clock.advance(hours=8, minutes=1)
    assert engine.fire_due_timers() == 1
    assert task(engine, iid, "chase_resolution")["group"] == "support_leads"
    clock.advance(hours=8)
    assert engine.fire_due_timers() == 1
    assert ("resolve", "cancelled", None) in done_tasks(engine, iid)
    resolve(engine, iid, name="take_over")
    complete(engine, iid, "chase_resolution", {"action": "accepted_delay"}, "dina")

    assert case_of(engine, iid).status == CaseStatus.WAITING_CUSTOMER
    reply(engine, case_of(engine, iid).number, "works, 4 stars")
    assert case_of(engine, iid).satisfaction == 4
    assert engine.instance(iid)["status"] == "completed"


def test_an_escalation_left_open_is_cancelled_when_the_case_closes(
    engine: Engine, clock: ManualClock
) -> None:
    iid = start(engine, severity="critical")["id"]
    clock.advance(minutes=61)
    engine.fire_due_timers()
    respond(engine, iid)
    resolve(engine, iid)
    reply(engine, case_of(engine, iid).number, "ok 5/5")

    assert engine.instance(iid)["status"] == "completed"
    assert ("chase_response", "cancelled", None) in done_tasks(engine, iid)
    assert open_tasks(engine, iid) == []


def test_silence_closes_the_case_and_a_late_reply_is_not_matched(
    engine: Engine, clock: ManualClock
) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    resolve(engine, iid)
    number = case_of(engine, iid).number
    clock.advance(days=6)
    assert engine.fire_due_timers() == 0
    clock.advance(days=1, minutes=1)
    assert engine.fire_due_timers() == 1

    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, None)
    assert engine.instance(iid)["status"] == "completed"
    assert ("timer_fired", "silence") in actions(engine, iid)
    late = reply(engine, number, "still not solved")
    assert late == {"outcome": "unmatched", "instance": None}
    assert case_of(engine, iid).status == CaseStatus.CLOSED


def customer_replies(engine: Engine, case_id: int) -> list[Interaction]:
    """The customer's emails on the case timeline, oldest first."""
    query = sa.select(Interaction).where(
        Interaction.case_id == case_id, Interaction.direction == Direction.INBOUND
    )
    return rows(engine, query.order_by(Interaction.id))


def recorded_by(engine: Engine, interaction: Interaction) -> list[tuple[str, str]]:
    """(instance, task) of the CRM change rows that wrote ``interaction``."""
    query = sa.select(Change).where(
        Change.table_name == Interaction.__tablename__, Change.row_id == str(interaction.id)
    )
    return [(c.instance_id, c.task_id) for c in rows(engine, query)]


def test_a_reply_to_the_acknowledgement_reaches_the_agent_and_the_sla_keeps_running(
    engine: Engine, clock: ManualClock
) -> None:
    iid = start(engine, severity="critical")["id"]  # A x critical: 1 h, reassign after 2 h
    respond_before = task(engine, iid, "respond")

    sent = reply(engine, "CASE-000001", "Any news? Still broken.", reply_from="ivan@vega.test")

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    case = case_of(engine, iid)
    assert case.status == CaseStatus.NEW  # nothing is decided from an early reply
    [noted] = customer_replies(engine, case.id)
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
    assert recorded_by(engine, noted) == [(iid, noted.task_id)]
    assert task(engine, iid, "respond")["id"] == respond_before["id"]  # not interrupted
    review = task(engine, iid, "review_respond_reply")
    assert (review["title"], review["group"], review["assignee"], review["priority"]) == (
        "Vega LLC wrote about CASE-000001",
        "support",
        None,  # no owner before the first response: the support queue sees it
        100,
    )
    assert review["id"] in {t["id"] for t in engine.tasks("gena", scope="group")}
    assert engine.task(review["id"])["data"]["reply_text"] == "Any news? Still broken."
    assert ("message", None) in actions(engine, iid)

    clock.advance(minutes=61)
    assert engine.fire_due_timers() == 1
    assert task(engine, iid, "chase_response")["group"] == "support_leads"
    clock.advance(minutes=60)
    assert engine.fire_due_timers() == 1
    assert ("respond", "cancelled", None) in done_tasks(engine, iid)
    assert [a for a in actions(engine, iid) if a[0] == "timer_fired"] == [
        ("timer_fired", "respond_warn"),
        ("timer_fired", "respond_breach"),
    ]
    complete(engine, iid, "review_respond_reply", {"action": "noted"}, "gena")
    assert ("review_respond_reply", "done", "gena") in done_tasks(engine, iid)


def test_two_replies_while_the_case_is_resolved_both_reach_its_owner(
    engine: Engine, clock: ManualClock
) -> None:
    iid = start(engine, severity="critical")["id"]
    reply(engine, "CASE-000001", "Hello?")
    respond(engine, iid)  # gena responds and owns the case
    assert sorted(t["task"] for t in open_tasks(engine, iid)) == ["resolve", "review_respond_reply"]

    first = reply(engine, "CASE-000001", "It happened again today.")
    second = reply(engine, "CASE-000001", "And the invoice number is 42.")

    assert first["outcome"] == second["outcome"] == "delivered"
    reviews = [t for t in open_tasks(engine, iid) if t["task"] == "review_resolve_reply"]
    assert [(t["assignee"], t["group"]) for t in reviews] == [("gena", "support")] * 2
    texts = sorted(engine.task(t["id"])["data"]["reply_text"] for t in reviews)
    assert texts == ["And the invoice number is 42.", "It happened again today."]
    case = case_of(engine, iid)
    assert case.status == CaseStatus.IN_PROGRESS
    assert [i.body for i in customer_replies(engine, case.id)] == [
        "Hello?",
        "It happened again today.",
        "And the invoice number is 42.",
    ]
    assert [a for a, _t in actions(engine, iid)].count("message") == 3
    clock.advance(hours=8, minutes=1)  # the resolution SLA still runs
    assert engine.fire_due_timers() == 1
    assert task(engine, iid, "chase_resolution")["group"] == "support_leads"

    done = engine.complete_task(reviews[0]["id"], {"action": "answered"}, "gena")
    assert done["status"] == "running"
    resolve(engine, iid)  # the proposal: from now on a reply answers it
    assert case_of(engine, iid).status == CaseStatus.WAITING_CUSTOMER
    reply(engine, "CASE-000001", "Works now, 5/5")

    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)
    assert engine.instance(iid)["status"] == "completed"
    ended = [t for t in done_tasks(engine, iid) if t[0].startswith("review_")]
    assert sorted(ended) == [
        ("review_resolve_reply", "cancelled", None),  # left undone: closing cancels it
        ("review_resolve_reply", "done", "gena"),
        ("review_respond_reply", "cancelled", None),
    ]
    assert open_tasks(engine, iid) == []
    late = reply(engine, "CASE-000001", "one more thing")
    assert late == {"outcome": "unmatched", "instance": None}
    assert len(customer_replies(engine, closed.id)) == 4


def test_a_reply_after_a_reopening_reaches_the_agent_again(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    resolve(engine, iid)
    reply(engine, "CASE-000001", "not solved")
    assert case_of(engine, iid).status == CaseStatus.REOPENED

    again = reply(engine, "CASE-000001", "Here is a screenshot.")

    assert again["outcome"] == "delivered"
    assert task(engine, iid, "review_resolve_reply")["assignee"] == "gena"
    assert case_of(engine, iid).status == CaseStatus.REOPENED


MAILBOX_BPMN = Path(__file__).parents[2] / "integrations" / "bpmn" / "integration_interaction.bpmn"


def mailbox_logs(engine: Engine, case: Case, message_id: str, text: str) -> int:
    """The integrations' interaction process logs the email, as it does before the message."""
    engine.deploy({MAILBOX_BPMN.name: MAILBOX_BPMN.read_text()})
    fields = ("recording_url", "duration_s", "occurred_at", "customer_id", "lead_id", "employee")
    email = {
        **dict.fromkeys(fields),
        **{"kind": "email", "direction": "in", "channel": "email", "subject": "Re: invoice"},
        **{"body": text, "contact_id": case.contact_id, "case_id": case.id},
        **{"external_id": message_id, "sender": "ivan@vega.test", "recipients": None},
    }
    outcome = engine.start("integration_interaction", email, "integrations")
    assert outcome["status"] == "completed", outcome["incident"]
    return int(outcome["data"]["logged"]["interaction_id"])


def emails_on(engine: Engine, case_id: int) -> list[Interaction]:
    return [i for i in customer_replies(engine, case_id) if i.kind == InteractionKind.EMAIL]


def test_an_email_reply_is_one_interaction_and_a_reply_without_an_id_is_its_own(
    engine: Engine,
) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    resolve(engine, iid)
    case = case_of(engine, iid)
    logged = mailbox_logs(engine, case, "email:r1@vega.test", "Sorry, still not solved.")

    reply(engine, case.number, "Sorry, still not solved.", reply_external_id="email:r1@vega.test")
    reply(engine, case.number, "Here is a screenshot.")  # no id, e.g. through the REST API

    assert case_of(engine, iid).status == CaseStatus.REOPENED
    [mailed, posted] = emails_on(engine, case.id)
    assert (mailed.id, mailed.subject, mailed.instance_id) == (logged, "Re: invoice", iid)
    assert (posted.body, posted.external_id, posted.instance_id) == (
        "Here is a screenshot.",  # not taken for the earlier email: the id does not linger
        None,
        iid,
    )


def test_a_reply_for_another_case_does_not_touch_this_one(engine: Engine) -> None:
    first = start(engine)["id"]
    ids = (case_of(engine, first).customer_id, case_of(engine, first).contact_id)
    second = start(engine, ids=ids)["id"]
    for iid in (first, second):
        respond(engine, iid)
        resolve(engine, iid)

    reply(engine, "CASE-000002", "not solved")

    assert case_of(engine, first).status == CaseStatus.WAITING_CUSTOMER
    assert case_of(engine, second).status == CaseStatus.REOPENED


def test_phone_complaint_without_email_is_phoned_and_closed_by_a_call(engine: Engine) -> None:
    ids = seed_customer(engine, abc=AbcClass.C, email=None)
    iid = start(engine, severity="minor", ids=ids, channel="phone")["id"]
    case = case_of(engine, iid)
    assert case.priority == "low"
    assert outbox(engine, case.id) == []  # no acknowledgement without an address
    respond(engine, iid)
    resolve(engine, iid)
    call = task(engine, iid, "call_proposal")
    assert call["title"] == "Phone Vega LLC with the resolution of CASE-000001"
    complete(engine, iid, "call_proposal", {"reached": True})

    rang = engine.send_message(
        "customer_call", {"case_number": "CASE-000001"}, {"call_from": "+79215550102"}
    )
    assert rang["outcome"] == "delivered"
    complete(engine, iid, "take_call", {"solved": True, "satisfaction": 5})

    closed = case_of(engine, iid)
    assert (closed.status, closed.satisfaction) == (CaseStatus.CLOSED, 5)


def test_a_call_saying_not_solved_reopens(engine: Engine) -> None:
    iid = start(engine)["id"]
    respond(engine, iid)
    resolve(engine, iid)
    engine.send_message("customer_call", {"case_number": "CASE-000001"}, {})
    complete(engine, iid, "take_call", {"solved": False, "reply_text": "still broken"})

    assert case_of(engine, iid).status == CaseStatus.REOPENED
    assert [t["task"] for t in open_tasks(engine, iid)] == ["resolve"]


def test_an_unknown_sender_is_linked_to_a_customer_first(engine: Engine) -> None:
    customer_id, contact_id = seed_customer(engine)
    outcome = engine.start(
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
    assert task(engine, iid, "identify")["group"] == "support"
    complete(engine, iid, "identify", {"customer_id": customer_id})

    case = case_of(engine, iid)
    assert (case.customer_id, case.contact_id, case.priority) == (
        customer_id,
        contact_id,
        "medium",
    )
    assert outbox(engine, case.id) == ["[CASE-000001] We have received your complaint"]


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
    engine: Engine, abc: AbcClass, severity: str, priority: str, score: int
) -> None:
    iid = start(engine, severity=severity, ids=seed_customer(engine, abc=abc))["id"]
    assert case_of(engine, iid).priority == priority
    assert task(engine, iid, "respond")["priority"] == score


def test_a_customer_that_does_not_exist_becomes_an_incident(engine: Engine) -> None:
    outcome = engine.start(
        KEY, {"customer_id": 999, "subject": "x", "severity": "minor", "channel": "agent"}, "gleb"
    )
    assert outcome["status"] == "incident"
    assert "field 'customer_id': no customer with id 999" in outcome["incident"]


def test_due_dates_follow_the_sla(engine: Engine, clock: ManualClock) -> None:
    iid = start(engine, severity="critical")["id"]
    case = case_of(engine, iid)
    first = case.first_response_due.replace(tzinfo=None) - case.created_at.replace(tzinfo=None)
    assert timedelta(minutes=59) < first < timedelta(minutes=61)


def test_the_diagram_draws_the_reply_paths_inside_the_support_lane() -> None:
    """bpmn-js shows what the DI draws: every node inside its lane, boundary events on
    their task's border (the reply events share the lower border with the SLA timers)."""
    path = PROCESSES / KEY / f"{KEY}.bpmn"
    assert_diagram_complete(path)
    root = etree.parse(str(path)).getroot()
    ns = {"bpmn": BPMN_NS, "bpmndi": DI_NS, "dc": DC_NS}

    def box(element_id: str) -> tuple[float, float, float, float]:
        shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']/dc:Bounds", ns)
        assert shape is not None, element_id
        x, y, w, h = (float(shape.get(k)) for k in ("x", "y", "width", "height"))
        return x, y, x + w, y + h

    for lane in root.iterfind(".//bpmn:lane", ns):
        lx1, ly1, lx2, ly2 = box(lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", ns):
            x1, y1, x2, y2 = box(ref.text)
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            assert lx1 <= cx <= lx2 and ly1 <= cy <= ly2, f"{ref.text} outside {lane.get('id')}"
    for event in root.iterfind(".//bpmn:boundaryEvent", ns):
        tx1, ty1, tx2, ty2 = box(event.get("attachedToRef"))
        x1, y1, x2, y2 = box(event.get("id"))
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        on_border = (cx in (tx1, tx2) and ty1 <= cy <= ty2) or (
            cy in (ty1, ty2) and tx1 <= cx <= tx2
        )
        assert on_border, f"{event.get('id')} is not on the border of its task"
    support = {
        r.text for r in root.iterfind(".//bpmn:lane[@id='lane_support']/bpmn:flowNodeRef", ns)
    }
    for activity in ("respond", "resolve"):
        path_nodes = {f"{activity}_reply", f"note_{activity}_reply", f"review_{activity}_reply"}
        assert path_nodes | {f"end_{activity}_reply"} <= support
