"""lead_qualification: every path of the diagram, through the engine's public API.

Each scenario starts a lead the way a channel does (web form, caller, email,
campaign, manual), works the inbox as the demo users, moves a manual clock for
the SLA (working time on the sales calendar), retry and re-engagement timers
(calendar time), delivers the lead's reply as a message (it reopens a nurtured
lead, and is shown to the owner while the lead is contacted or qualified), and
checks the CRM store, the inbox rows and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clientflow_cli.demo_seed.sales import EMPLOYEES, set_up_team
from clientflow_cli.main import cli
from crm.models import Contact, Customer, Deal, Interaction, Lead
from engine import Engine, FormInvalid, ManualClock, add_user

from ._support import actions, complete, done_tasks, get, open_tasks, rows, task
from .conftest import PROCESSES, assert_diagram_complete, assert_drawn_in_lanes, deploy_process

KEY = "lead_qualification"
WEB_LEAD = {
    "channel": "web",
    "first_name": "Ivan",
    "last_name": "Petrov",
    "company_name": "Vega LLC",
    "email": "Ivan.Petrov@Vega.example",
    "phone": "+7 (912) 345-67-89",
    "territory": "msk",
    "segment": "mid",
}
REACHED = {"contact_outcome": "reached", "channel_used": "call", "notes": "wants 20 seats"}
NO_ANSWER = {"contact_outcome": "no_answer", "channel_used": "call"}
BANT = {
    "budget": "confirmed",
    "authority": "decision_maker",
    "need": "clear",
    "timeline": "within_3_months",
}
CONVERT = {**BANT, "decision": "convert", "deal_name": "Vega: 20 seats", "estimated_amount": 480000}
IVAN = {"username": "ivan", "full_name": "Ivan Orlov", "team": "sales", "territory": "msk"}
FRIDAY_4PM_MOSCOW = datetime(2026, 3, 6, 13, 0, tzinfo=UTC)


@pytest.fixture
def engine(crm_engine: Engine) -> Iterator[Engine]:
    """Demo organisation, anna and ivan in the Moscow sales team, the process deployed."""
    add_user(crm_engine, "ivan", groups=["sales"], manager="boris")
    set_up_team(crm_engine, [*EMPLOYEES, {**IVAN, "manager_username": "boris"}])
    deploy_process(crm_engine, KEY)
    yield crm_engine


def start(engine: Engine, **changes: Any) -> dict[str, Any]:
    outcome = engine.start(KEY, {**WEB_LEAD, **changes}, user="olga")
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def lead_of(engine: Engine, outcome: dict[str, Any]) -> Lead:
    lead: Lead = get(engine, Lead, outcome["data"]["lead_id"])
    return lead


def test_web_lead_is_scored_routed_contacted_and_converted(engine: Engine) -> None:
    outcome = start(engine)
    iid = outcome["id"]
    first = task(engine, iid, "first_contact")
    assert (first["group"], first["assignee"], first["priority"]) == ("sales", "anna", 60)
    assert first["title"] == "First contact: Vega LLC"
    assert first["due_at"] == "2026-03-02T10:00:00+00:00"  # PT4H of Moscow office hours
    lead = lead_of(engine, outcome)
    assert (lead.score, lead.status, lead.owner, lead.source) == (60, "working", "anna", "web")

    complete(engine, iid, "first_contact", REACHED, "anna")
    bant = task(engine, iid, "bant")
    assert bant["assignee"] == "anna"
    final = complete(engine, iid, "bant", CONVERT, "anna")

    assert final["status"] == "completed"
    lead = lead_of(engine, outcome)
    assert lead.status == "converted" and lead.converted_at is not None
    assert lead.customer_id is not None and lead.contact_id is not None
    customer = get(engine, Customer, lead.customer_id)
    assert (customer.name, customer.segment, customer.territory, customer.owner) == (
        "Vega LLC",
        "mid",
        "msk",
        "anna",
    )
    contact = get(engine, Contact, lead.contact_id)
    assert contact.first_name == "Ivan" and contact.customer_id == customer.id
    [deal] = rows(engine, sa.select(Deal).where(Deal.lead_id == lead.id))
    assert (deal.name, str(deal.amount), deal.owner, deal.stage) == (
        "Vega: 20 seats",
        "480000.00",
        "anna",
        "qualification",
    )
    assert final["data"]["deal_id"] == deal.id and final["data"]["customer_id"] == customer.id
    assert open_tasks(engine, iid) == []
    assert done_tasks(engine, iid) == [("first_contact", "done", "anna"), ("bant", "done", "anna")]
    trail = actions(engine, iid)
    assert trail[0] == ("started", None) and trail[-1] == ("completed", None)
    assert ("task_completed", "first_contact") in trail and ("task_completed", "bant") in trail


def test_every_channel_starts_a_lead_with_its_source(engine: Engine) -> None:
    caller = start(engine, channel="phone", first_name=None, last_name=None, company_name=None)
    by_mail = engine.start(KEY, {"channel": "email", "email": "petr@orion.example"})
    campaign = start(engine, channel="campaign", email="olga@mira.example", phone=None)
    manual = engine.start(KEY, {"company_name": "Helix"})

    assert lead_of(engine, caller).source == "phone"
    assert (
        task(engine, caller["id"], "first_contact")["title"] == "First contact: +7 (912) 345-67-89"
    )
    assert lead_of(engine, by_mail).source == "email"
    # the scoring table's "? in (...)" rules: an unknown caller or writer-in scores B
    unknown_caller = engine.start(KEY, {"channel": "phone", "phone": "+7 912 000-11-22"})
    assert (lead_of(engine, unknown_caller).score, lead_of(engine, by_mail).score) == (55, 55)
    assert lead_of(engine, campaign).source == "campaign"
    assert (lead_of(engine, manual).source, lead_of(engine, manual).segment) == ("manual", "smb")
    assert lead_of(engine, manual).score == 30  # no channel or segment signal: grade C


def test_a_second_request_while_a_lead_is_open_is_closed_as_duplicate(engine: Engine) -> None:
    first = start(engine)
    again = engine.start(KEY, {**WEB_LEAD, "phone": "8 912 345 67 89"}, user="olga")

    assert again["status"] == "completed"
    duplicate = lead_of(engine, again)
    assert duplicate.status == "disqualified"
    assert duplicate.disqualify_reason == f"duplicate of lead {first['data']['lead_id']}"
    assert open_tasks(engine, again["id"]) == []
    assert len(open_tasks(engine, first["id"])) == 1


def test_known_customer_scores_high_and_goes_to_the_account_owner(engine: Engine) -> None:
    converted = start(engine)
    complete(engine, converted["id"], "first_contact", REACHED, "anna")
    complete(engine, converted["id"], "bant", CONVERT, "anna")

    again = start(engine, first_name="Olga", email="olga@vega.example", segment="smb")

    lead = lead_of(engine, again)
    assert (lead.score, lead.owner) == (85, "anna")  # rule 1: an existing customer
    assert lead.customer_id == lead_of(engine, converted).customer_id
    assert again["data"]["routing"]["how"] == "account_owner"
    assert task(engine, again["id"], "first_contact")["priority"] == 80


def test_warm_leads_alternate_round_robin_and_hot_ones_go_least_loaded(engine: Engine) -> None:
    owners = [
        lead_of(engine, start(engine, email=f"p{i}@x{i}.example", phone=None)).owner
        for i in range(3)
    ]
    assert owners == ["anna", "ivan", "anna"]  # grade B: round robin

    hot = start(
        engine, segment="enterprise", company_name="Atlas", email="ceo@atlas.example", phone=None
    )
    assert hot["data"]["team"] == "key_accounts"
    # nobody is in key_accounts yet: the lead waits in the sales group's queue
    item = task(engine, hot["id"], "first_contact")
    assert (item["assignee"], item["group"], item["priority"]) == (None, "sales", 90)
    set_up_team(
        engine,
        [
            {"username": "kira", "full_name": "Kira K", "team": "key_accounts"},
            {"username": "lev", "full_name": "Lev L", "team": "key_accounts"},
        ],
    )
    picks = [
        lead_of(
            engine,
            start(
                engine,
                segment="enterprise",
                company_name=f"E{i}",
                email=f"ceo@e{i}.example",
                phone=None,
            ),
        ).owner
        for i in range(2)
    ]
    assert picks == ["kira", "lev"]  # least loaded: ties go alphabetically, then the idle one


def test_first_contact_sla_escalates_without_taking_the_task_away(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = start(engine)  # grade B: first-contact SLA PT4H
    iid = outcome["id"]
    clock.advance(hours=3)
    assert engine.fire_due_timers() == 0
    clock.advance(hours=2)
    assert engine.fire_due_timers() == 1

    escalation = task(engine, iid, "escalation")
    assert (escalation["group"], escalation["assignee"]) == ("sales_managers", None)
    assert escalation["title"] == "Lead not contacted in time: Vega LLC"
    assert task(engine, iid, "first_contact")["assignee"] == "anna"  # non-interrupting
    complete(engine, iid, "escalation", {"escalation_action": "reminded_owner"}, "boris")
    complete(engine, iid, "first_contact", REACHED, "anna")
    assert task(engine, iid, "bant")["assignee"] == "anna"
    assert ("timer_fired", "sla") in actions(engine, iid)
    assert ("escalation", "done", "boris") in done_tasks(engine, iid)


def test_sla_timer_is_gone_once_the_lead_is_reached_in_time(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = start(engine)
    complete(engine, outcome["id"], "first_contact", REACHED, "anna")
    clock.advance(days=2)
    assert engine.fire_due_timers() == 0
    assert [t["task"] for t in open_tasks(engine, outcome["id"])] == ["bant"]


def test_three_unanswered_attempts_nurture_then_the_date_reopens_it(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = start(engine)
    iid = outcome["id"]
    complete(engine, iid, "first_contact", NO_ANSWER, "anna")
    assert open_tasks(engine, iid) == []  # waiting a day before the next attempt
    for attempt in (2, 3):
        clock.advance(days=1, minutes=1)
        assert engine.fire_due_timers() == 1
        retry = task(engine, iid, "retry_contact")
        assert retry["title"] == "Try again to reach Vega LLC" and retry["assignee"] == "anna"
        complete(engine, iid, "retry_contact", NO_ANSWER, "anna")
        assert engine.instance(iid)["data"]["attempts"] == attempt

    assert lead_of(engine, outcome).status == "nurturing"
    assert open_tasks(engine, iid) == []
    clock.advance(days=29)
    assert engine.fire_due_timers() == 0
    clock.advance(days=1, minutes=1)
    assert engine.fire_due_timers() == 1  # the re-engagement date: a new round with its SLA

    assert lead_of(engine, outcome).status == "working"
    assert task(engine, iid, "first_contact")["assignee"] == "anna"
    assert engine.instance(iid)["data"]["attempts"] == 0
    trail = actions(engine, iid)
    assert trail.count(("task_completed", "retry_contact")) == 2
    assert ("timer_fired", "reengage") in trail


def test_a_reply_while_nurturing_reopens_the_lead_and_one_after_converting_is_unmatched(
    engine: Engine,
) -> None:
    outcome = start(engine)
    iid, lead_id = outcome["id"], outcome["data"]["lead_id"]
    complete(engine, iid, "first_contact", REACHED, "anna")
    complete(engine, iid, "bant", {**BANT, "decision": "nurture", "nurture_days": 90}, "anna")
    assert lead_of(engine, outcome).status == "nurturing"

    reply = engine.send_message("lead_reply", {"lead_id": lead_id}, {"notes": "ready now"})

    assert reply["outcome"] == "delivered" and reply["instance"]["id"] == iid
    assert lead_of(engine, outcome).status == "working"
    assert task(engine, iid, "first_contact")["assignee"] == "anna"
    assert engine.instance(iid)["data"]["notes"] == "ready now"
    assert ("message", None) in actions(engine, iid)
    again = engine.send_message("lead_reply", {"lead_id": lead_id}, {"reply_text": "call me"})
    assert again["outcome"] == "delivered"  # the new round's first contact hears it too
    assert task(engine, iid, "review_lead_reply")["assignee"] == "anna"
    complete(engine, iid, "first_contact", REACHED, "anna")
    complete(engine, iid, "bant", CONVERT, "anna")
    late = engine.send_message("lead_reply", {"lead_id": lead_id}, {"reply_text": "thanks"})
    assert late == {"outcome": "unmatched", "instance": None}


def test_replies_while_the_lead_is_reached_and_qualified_go_to_the_owner(
    engine: Engine, clock: ManualClock
) -> None:
    outcome = start(engine)
    iid, lead_id = outcome["id"], outcome["data"]["lead_id"]

    def lead_writes(text: str) -> None:
        payload = {"reply_text": text, "reply_from": "ivan.petrov@vega.example"}
        sent = engine.send_message("lead_reply", {"lead_id": lead_id}, payload)
        assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)

    lead_writes("Please call after lunch.")  # while first_contact is open
    complete(engine, iid, "first_contact", NO_ANSWER, "anna")
    clock.advance(days=1, minutes=1)
    assert engine.fire_due_timers() == 1
    lead_writes("Sorry, I missed your call.")  # while retry_contact is open
    complete(engine, iid, "retry_contact", REACHED, "anna")
    lead_writes("Budget is approved.")  # while bant is open

    reviews = [t for t in open_tasks(engine, iid) if t["task"] == "review_lead_reply"]
    assert [(t["title"], t["group"], t["assignee"]) for t in reviews] == [
        ("Vega LLC wrote back", "sales", "anna")
    ] * 3
    assert task(engine, iid, "bant")["status"] == "open"  # not interrupted
    query = sa.select(Interaction).where(Interaction.lead_id == lead_id).order_by(Interaction.id)
    notes = rows(engine, query)
    assert [(n.direction, n.body, n.instance_id) for n in notes] == [
        ("in", "Please call after lunch.", iid),
        ("in", "Sorry, I missed your call.", iid),
        ("in", "Budget is approved.", iid),
    ]
    assert notes[0].sender == "ivan.petrov@vega.example"
    assert [a for a, _t in actions(engine, iid)].count("message") == 3
    read = engine.complete_task(reviews[0]["id"], {"action": "noted"}, "anna")
    assert read["status"] == "running"
    assert ("review_lead_reply", "done", "anna") in done_tasks(engine, iid)


def test_the_first_contact_sla_counts_the_sales_teams_working_hours(
    engine: Engine, clock: ManualClock
) -> None:
    clock.current = FRIDAY_4PM_MOSCOW
    iid = start(engine)["id"]  # grade B: first-contact SLA PT4H

    monday_11am = FRIDAY_4PM_MOSCOW + timedelta(days=2, hours=19)
    assert engine.instance(iid)["data"]["contact_sla"] == {"first_contact": monday_11am.isoformat()}
    assert task(engine, iid, "first_contact")["due_at"] == monday_11am.isoformat()
    clock.current = FRIDAY_4PM_MOSCOW + timedelta(hours=4, minutes=1)
    assert engine.fire_due_timers() == 0  # calendar time would escalate on Friday night
    clock.current = monday_11am - timedelta(minutes=1)
    assert engine.fire_due_timers() == 0
    clock.current = monday_11am
    assert engine.fire_due_timers() == 1
    assert task(engine, iid, "escalation")["group"] == "sales_managers"


def test_wrong_contact_details_disqualify_the_lead(engine: Engine) -> None:
    outcome = start(engine)
    final = complete(
        engine, outcome["id"], "first_contact", {"contact_outcome": "wrong_contact"}, "anna"
    )

    assert final["status"] == "completed"
    lead = lead_of(engine, outcome)
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "invalid contact details")


def test_bant_disqualifies_only_with_a_reason(engine: Engine) -> None:
    outcome = start(engine)
    iid = outcome["id"]
    complete(engine, iid, "first_contact", REACHED, "anna")
    item = task(engine, iid, "bant")
    with pytest.raises(FormInvalid) as refused:
        engine.complete_task(item["id"], {**BANT, "decision": "disqualify"}, "anna")
    assert "disqualify_reason" in refused.value.errors

    final = complete(
        engine, iid, "bant", {**BANT, "decision": "disqualify", "disqualify_reason": "no_budget"}
    )

    assert final["status"] == "completed"
    lead = lead_of(engine, outcome)
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "no_budget")
    assert rows(engine, sa.select(Deal)) == []


def test_the_process_validates_and_its_diagram_is_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    result = CliRunner().invoke(cli, ["validate", str(PROCESSES / KEY)])

    assert result.exit_code == 0, result.output
    assert f"ok {PROCESSES / KEY}: {KEY}" in result.output
    assert_diagram_complete(PROCESSES / KEY / f"{KEY}.bpmn")
    lanes = assert_drawn_in_lanes(PROCESSES / KEY / f"{KEY}.bpmn")
    assert {"review_lead_reply", "start_contact_sla"} <= lanes["sales"]
