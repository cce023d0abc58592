"""campaign_execution: every path of the diagram, through the engine's public API.

The start and end dates are timers: a manual clock is moved past them and the
due timers fired (never slept). Responses arrive as ``campaign_response``
messages correlated by campaign id, early, on time and late. Each scenario then
checks the campaign and its members in the CRM, the outbox, the inbox rows and
the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crm.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Deal,
    Lead,
    LeadSource,
    LeadStatus,
    MemberStatus,
    OutboxMessage,
)
from engine import Engine, ManualClock, using_clock
from engine.models import Incident

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

KEY = "campaign_execution"
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday; the campaign runs 2026-03-09..03-20
UPDATE_DEAL = Path(__file__).resolve().parents[1] / "handlers" / "bpmn" / "update_deal.bpmn"


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    clock = ManualClock(T0)
    with using_clock(clock):
        yield clock


@pytest.fixture
def engine(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    eng = make_crm_engine(db_url)
    eng.deploy(bundle_of(KEY))
    eng.deploy(bundle_of("campaign_response"))
    yield eng
    eng.db.dispose()


def seed_segment(engine: Engine, segment: str = "retail", size: int = 4) -> list[int]:
    """``size`` reachable contacts in ``segment``, plus one opted out and one in another segment."""
    ids = []
    with seeding(engine) as session:
        for n in range(size + 1):
            customer = Customer(name=f"{segment} shop {n}", segment=segment)
            contact = Contact(first_name=f"Buyer{n}", customer=customer, opt_out=n == size)
            contact.emails.append(ContactEmail(address=f"buyer{n}@{segment}.test"))
            contact.phones.append(ContactPhone(number=f"+7921555{n:04d}"))
            session.add(contact)
            session.flush()
            ids.append(contact.id)
        other = Contact(first_name="Other", customer=Customer(name="Bank", segment="banks"))
        other.emails.append(ContactEmail(address="other@bank.test"))
        session.add(other)
    return ids[:size]


BRIEF = {
    "name": "Spring sale",
    "segment": "retail",
    "channel": "email",
    "budget": 50000,
    "expected_response_pct": 10,
    "start_date": "2026-03-09",
    "end_date": "2026-03-20",
    "email_subject": "Spring sale: 20% off",
    "email_body": "Reply to this email if you are interested.",
}


def start(engine: Engine, **data: Any) -> str:
    outcome = engine.start(KEY, data, "vera")
    assert outcome["status"] == "running", outcome["incident"]
    return str(outcome["id"])


def brief(engine: Engine, iid: str, **changes: Any) -> None:
    complete(engine, iid, "brief", {**BRIEF, **changes}, "vera")


def approve_list(engine: Engine, iid: str) -> None:
    complete(engine, iid, "review_list", {"list_decision": "approve"}, "vera")


def launch(engine: Engine, clock: ManualClock) -> int:
    """Move to the start date and fire the start timer and every batch after it."""
    clock.current = datetime(2026, 3, 9, 6, 0, 1, tzinfo=UTC)
    fired = 0
    while True:
        now = engine.fire_due_timers()
        fired += now
        if not now:
            with engine.session() as session:
                assert session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
            return fired
        clock.advance(seconds=2)


def respond(engine: Engine, campaign_id: int, **payload: Any) -> dict[str, Any]:
    return engine.send_message("campaign_response", {"campaign_id": campaign_id}, payload)


def campaign_of(engine: Engine, iid: str) -> Campaign:
    with engine.session() as session:
        return session.scalars(sa.select(Campaign).order_by(Campaign.id.desc())).first()


def members(engine: Engine, campaign_id: int) -> dict[int, MemberStatus]:
    query = sa.select(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
    return {m.contact_id: m.status for m in rows(engine, query)}


def end_campaign(engine: Engine, clock: ManualClock) -> None:
    clock.current = datetime(2026, 3, 21, 6, 0, 1, tzinfo=UTC)
    assert engine.fire_due_timers() == 1


def win(engine: Engine, deal_id: int) -> None:
    engine.deploy({"update_deal.bpmn": UPDATE_DEAL.read_text()})
    done = engine.start(
        "t_update_deal",
        {
            "deal_id": deal_id,
            "stage": "won",
            "amount": "120000",
            "lost_reason": None,
            "competitor": None,
        },
        "anna",
    )
    assert done["status"] == "completed", done["incident"]


def test_email_campaign_runs_to_results_with_roi(engine: Engine, clock: ManualClock) -> None:
    contacts = seed_segment(engine)
    iid = start(engine)
    assert task(engine, iid, "brief")["group"] == "marketing"
    brief(engine, iid)  # 50,000 is under the approval threshold
    review = task(engine, iid, "review_list")
    assert review["title"] == "Review the target list of Spring sale: 4 contacts"
    campaign = campaign_of(engine, iid)
    assert (campaign.status, campaign.segment, campaign.budget) == (
        CampaignStatus.APPROVED,
        "retail",
        Decimal("50000.00"),
    )
    approve_list(engine, iid)
    assert engine.fire_due_timers() == 0  # waits for the start date
    early = respond(engine, campaign.id, member_id=1)  # too early: its own instance ignores it
    assert early["instance"]["data"]["response_record"]["accepted"] is False
    assert early["instance"]["status"] == "completed"

    assert launch(engine, clock) == 1  # the start timer; one batch holds all four
    assert campaign_of(engine, iid).status == CampaignStatus.ACTIVE
    assert set(members(engine, campaign.id).values()) == {MemberStatus.SENT}
    sent = rows(engine, sa.select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id))
    assert sorted(m.recipient for m in sent) == [f"buyer{n}@retail.test" for n in range(4)]
    assert all(m.campaign_member_id is not None for m in sent)

    first = respond(engine, campaign.id, email="Buyer0@retail.test", note="call me")
    assert first["outcome"] == "started"  # one small instance per response
    follow_iid = first["instance"]["id"]
    respond(engine, campaign.id, email="buyer1@retail.test", response="not_interested")
    respond(engine, campaign.id, email="buyer2@retail.test", response="unsubscribe")
    respond(engine, campaign.id, email="buyer0@retail.test")  # again: no second lead
    respond(engine, campaign.id, email="stranger@x.test")  # not a member: ignored

    [lead] = rows(engine, sa.select(Lead).where(Lead.campaign_id == campaign.id))
    assert (lead.source, lead.contact_id, lead.email) == (
        LeadSource.CAMPAIGN,
        contacts[0],
        "buyer0@retail.test",
    )
    state = members(engine, campaign.id)
    assert state[contacts[1]] == MemberStatus.RESPONDED
    assert state[contacts[2]] == MemberStatus.OPTED_OUT
    assert get(engine, Contact, contacts[2]).opt_out is True
    assert [t["task"] for t in open_tasks(engine, iid)] == []  # the campaign holds no follow-ups
    follow = task(engine, follow_iid, "follow_up")
    assert follow["group"] == "sales" and follow["assignee"] == "anna"
    assert follow["title"] == f"Follow up the campaign response of lead {lead.id}"
    complete(
        engine,
        follow_iid,
        "follow_up",
        {"follow_up_outcome": "qualified", "deal_name": "Spring order", "deal_amount": 90000},
    )
    [deal] = rows(engine, sa.select(Deal).where(Deal.campaign_id == campaign.id))
    assert state[contacts[0]] == MemberStatus.RESPONDED
    assert members(engine, campaign.id)[contacts[0]] == MemberStatus.CONVERTED
    win(engine, deal.id)

    end_campaign(engine, clock)
    assert campaign_of(engine, iid).status == CampaignStatus.COMPLETED  # no more responses
    late = respond(engine, campaign.id, email="buyer3@retail.test")
    assert late["instance"]["data"]["response_record"]["reason"].endswith("is completed")
    assert members(engine, campaign.id)[contacts[3]] == MemberStatus.SENT
    results = engine.task(task(engine, iid, "review_results")["id"])["data"]["results"]
    assert results["members"] == 4 and results["responded"] == 3
    assert results["response_rate_pct"] == "75.00"
    assert (results["leads"], results["deals"], results["won_deals"]) == (1, 1, 1)
    assert (results["revenue"], results["cost"], results["roi_pct"]) == (
        "120000.00",
        "50000.00",
        "140.00",
    )
    complete(engine, iid, "review_results", {"actual_cost": 60000}, "vera")

    assert engine.instance(iid)["status"] == "completed"
    done = campaign_of(engine, iid)
    assert (done.status, done.actual_cost) == (CampaignStatus.COMPLETED, Decimal("60000.00"))
    assert engine.instance(iid)["data"]["roi_pct"] == "100.00"
    trail = actions(engine, iid)
    assert ("timer_fired", "wait_start") in trail and ("timer_fired", "wait_end") in trail
    assert actions(engine, follow_iid)[0] == ("started", None)
    assert ("review_results", "done", "vera") in done_tasks(engine, iid)


def test_many_members_go_out_in_batches_one_step_each(engine: Engine, clock: ManualClock) -> None:
    seed_segment(engine, size=7)
    iid = start(engine, batch_size=3)
    brief(engine, iid)
    approve_list(engine, iid)

    assert launch(engine, clock) == 3  # start timer, then two pauses between three batches

    campaign = campaign_of(engine, iid)
    assert set(members(engine, campaign.id).values()) == {MemberStatus.SENT}
    trail = actions(engine, iid)
    assert trail.count(("timer_fired", "pause")) == 2
    count = sa.select(sa.func.count()).select_from(OutboxMessage)
    with engine.session() as session:
        assert session.scalar(count.where(OutboxMessage.campaign_id == campaign.id)) == 7


def test_a_large_budget_needs_finance_approval(engine: Engine, clock: ManualClock) -> None:
    seed_segment(engine)
    iid = start(engine)
    brief(engine, iid, budget=250000)
    approval = task(engine, iid, "approve_budget")
    assert approval["group"] == "finance"
    assert approval["title"] == "Approve the budget of 250000 for Spring sale"
    assert rows(engine, sa.select(Campaign)) == []
    complete(engine, iid, "approve_budget", {"budget_decision": "approve"}, "egor")

    assert campaign_of(engine, iid).budget == Decimal("250000.00")
    assert [t["task"] for t in open_tasks(engine, iid)] == ["review_list"]


def test_finance_sends_the_brief_back_then_approves(engine: Engine) -> None:
    seed_segment(engine)
    iid = start(engine)
    brief(engine, iid, budget=250000)
    complete(
        engine,
        iid,
        "approve_budget",
        {"budget_decision": "rework", "budget_comment": "less"},
        "egor",
    )
    assert [t["task"] for t in open_tasks(engine, iid)] == ["brief"]
    brief(engine, iid, budget=90000)

    assert campaign_of(engine, iid).budget == Decimal("90000.00")
    assert ("approve_budget", "done", "egor") in done_tasks(engine, iid)


def test_finance_rejects_and_no_campaign_is_created(engine: Engine) -> None:
    iid = start(engine)
    brief(engine, iid, budget=250000)
    complete(engine, iid, "approve_budget", {"budget_decision": "reject"}, "egor")

    assert engine.instance(iid)["status"] == "completed"
    assert rows(engine, sa.select(Campaign)) == []
    assert open_tasks(engine, iid) == []


def test_the_list_is_rebuilt_from_another_segment(engine: Engine) -> None:
    seed_segment(engine, "retail", size=2)
    hotels = seed_segment(engine, "hotels", size=3)
    iid = start(engine)
    brief(engine, iid)
    complete(
        engine,
        iid,
        "review_list",
        {"list_decision": "change_segment", "new_segment": "hotels"},
        "vera",
    )

    review = task(engine, iid, "review_list")
    assert review["title"].endswith(": 3 contacts")
    campaign = campaign_of(engine, iid)
    assert campaign.segment == "hotels"
    assert sorted(members(engine, campaign.id)) == sorted(hotels)


def test_a_refused_list_cancels_the_campaign(engine: Engine) -> None:
    seed_segment(engine)
    iid = start(engine)
    brief(engine, iid)
    complete(engine, iid, "review_list", {"list_decision": "cancel"}, "vera")

    assert campaign_of(engine, iid).status == CampaignStatus.CANCELLED
    assert engine.instance(iid)["status"] == "completed"


def test_a_phone_campaign_shares_the_calls_across_sales(engine: Engine, clock: ManualClock) -> None:
    contacts = seed_segment(engine, size=5)
    iid = start(engine, call_parts=2)
    brief(engine, iid, channel="phone", email_subject=None, email_body=None)
    approve_list(engine, iid)
    launch(engine, clock)

    calls = [t for t in open_tasks(engine, iid) if t["task"] == "call [child]"]  # MI children
    assert sorted(t["assignee"] for t in calls) == ["anna", "artem"]
    campaign = campaign_of(engine, iid)
    assert set(members(engine, campaign.id).values()) == {MemberStatus.SENT}
    assert rows(engine, sa.select(OutboxMessage)) == []
    answer = respond(engine, campaign.id, email="buyer4@retail.test", response="interested")
    for call in calls:
        engine.complete_task(call["id"], {"calls_made": 3}, call["assignee"])
    complete(
        engine,
        answer["instance"]["id"],
        "follow_up",
        {"follow_up_outcome": "not_interested", "follow_up_note": "no budget"},
    )

    [lead] = rows(engine, sa.select(Lead).where(Lead.campaign_id == campaign.id))
    assert (lead.contact_id, lead.status, lead.disqualify_reason) == (
        contacts[4],
        LeadStatus.DISQUALIFIED,
        "no budget",
    )
    end_campaign(engine, clock)
    results = engine.task(task(engine, iid, "review_results")["id"])["data"]["results"]
    assert (results["responded"], results["leads"], results["deals"]) == (1, 1, 0)
    assert results["roi_pct"] == "-100.00"


def test_a_follow_up_outlives_the_campaign(engine: Engine, clock: ManualClock) -> None:
    seed_segment(engine)
    iid = start(engine)
    brief(engine, iid)
    approve_list(engine, iid)
    launch(engine, clock)
    answer = respond(engine, campaign_of(engine, iid).id, email="buyer0@retail.test")
    end_campaign(engine, clock)
    complete(engine, iid, "review_results", {"actual_cost": 1000}, "vera")

    assert engine.instance(iid)["status"] == "completed"
    follow_iid = answer["instance"]["id"]
    assert engine.instance(follow_iid)["status"] == "running"
    complete(engine, follow_iid, "follow_up", {"follow_up_outcome": "qualified", "deal_amount": 5})
    assert engine.instance(follow_iid)["status"] == "completed"
    [deal] = rows(engine, sa.select(Deal))
    assert (deal.campaign_id, deal.amount) == (campaign_of(engine, iid).id, Decimal("5.00"))


def test_a_brief_with_dates_in_the_wrong_order_is_refused(engine: Engine) -> None:
    iid = start(engine)
    item = task(engine, iid, "brief")
    outcome = engine.complete_task(
        item["id"], {**BRIEF, "start_date": "2026-03-20", "end_date": "2026-03-09"}, "vera"
    )
    assert outcome["status"] == "incident"
    assert "field 'end_date': must not be before start_date" in outcome["incident"]


@pytest.mark.parametrize(
    "name", ["campaign_execution", "campaign_response", "complaint_resolution"]
)
def test_every_form_field_is_titled_in_english_and_russian(name: str) -> None:
    forms = {k: json.loads(v) for k, v in bundle_of(name).items() if k.endswith(".json")}
    assert forms
    for path, schema in forms.items():
        assert schema["title"] and schema["x-title-ru"], path
        for field, spec in schema["properties"].items():
            assert spec.get("title") and spec.get("x-title-ru"), f"{path}: {field}"
            if "enum" in spec:
                assert len(spec["x-enum-titles"]) == len(spec["enum"]), f"{path}: {field}"
                assert len(spec["x-enum-titles-ru"]) == len(spec["enum"]), f"{path}: {field}"
