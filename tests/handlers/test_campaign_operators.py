"""The campaign operators: crm.create_campaign, crm.build_target_list,
crm.set_campaign_status, crm.send_campaign_batch, crm.split_call_list,
crm.record_campaign_response, crm.close_campaign_lead, crm.campaign_results and
crm.complete_campaign. Each runs in a service task; bad parameters become incidents."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from crm.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    Contact,
    ContactEmail,
    Lead,
    LeadStatus,
    MemberStatus,
    OutboxMessage,
)
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, seeding
from .operator_bpmn import call
from .seeds import seed_contact, seed_customer, seed_lead

BRIEF = {
    "name": "Spring",
    "segment": "smb",
    "channel": "email",
    "budget": "1000",
    "expected_response_pct": "5",
    "start_date": "2026-03-09",
    "end_date": "2026-03-20",
}


def campaign_with_members(engine: Engine, size: int = 3) -> tuple[int, list[int]]:
    smb = seed_customer(engine, segment="smb")
    contacts = [seed_contact(engine, None, f"c{n}@smb.test", smb)[1] for n in range(size)]
    campaign_id = result(call(engine, "crm.create_campaign", **BRIEF))["campaign_id"]
    result(call(engine, "crm.build_target_list", campaign_id=campaign_id))
    return campaign_id, contacts


def test_create_campaign_gives_its_timer_moments(engine: Engine) -> None:
    outcome = call(engine, "crm.create_campaign", **BRIEF)

    created = result(outcome)
    assert created["start_at"] == "2026-03-09T06:00:00+00:00"
    assert created["end_at"] == "2026-03-21T06:00:00+00:00"
    campaign = get(engine, Campaign, created["campaign_id"])
    assert (campaign.status, campaign.owner) == (CampaignStatus.APPROVED, "olga")
    assert_recorded(engine, outcome, Campaign, campaign.id, "insert")


def test_create_campaign_refuses_missing_or_reversed_dates(engine: Engine) -> None:
    no_end = call(engine, "crm.create_campaign", **{**BRIEF, "end_date": None})
    reversed_ = call(engine, "crm.create_campaign", **{**BRIEF, "end_date": "2026-03-01"})

    assert "field 'start_date': a campaign needs a start_date and an end_date" in incident(
        engine, no_end
    )
    assert "field 'end_date': must not be before start_date" in incident(engine, reversed_)
    assert count(engine, Campaign) == 0


def test_build_target_list_replaces_members_not_yet_contacted(engine: Engine) -> None:
    campaign_id, _ = campaign_with_members(engine)
    hotels = seed_customer(engine, name="Hotel", segment="hotels")
    hotel_contact = seed_contact(engine, None, "h@hotel.test", hotels)[1]

    rebuilt = result(
        call(engine, "crm.build_target_list", campaign_id=campaign_id, segment="hotels")
    )

    assert (rebuilt["count"], rebuilt["added"]) == (1, 1)
    with engine.session() as session:
        ids = session.scalars(
            sa.select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign_id)
        )
        assert list(ids) == [hotel_contact]
    assert get(engine, Campaign, campaign_id).segment == "hotels"


def test_set_campaign_status_refuses_a_finished_campaign(engine: Engine) -> None:
    campaign_id = result(call(engine, "crm.create_campaign", **BRIEF))["campaign_id"]
    bad = call(engine, "crm.set_campaign_status", campaign_id=campaign_id, status="paused")
    assert "field 'status'" in incident(engine, bad)

    result(call(engine, "crm.set_campaign_status", campaign_id=campaign_id, status="cancelled"))
    again = call(engine, "crm.set_campaign_status", campaign_id=campaign_id, status="active")

    assert f"campaign {campaign_id} is already cancelled" in incident(engine, again)


def test_send_campaign_batch_queues_one_batch_at_a_time(engine: Engine) -> None:
    campaign_id, _ = campaign_with_members(engine)

    def batch() -> dict:
        return result(
            call(
                engine,
                "crm.send_campaign_batch",
                campaign_id=campaign_id,
                subject="Hi",
                body="Offer",
                limit=2,
            )
        )

    assert batch() == {"sent": 2, "bounced": 0, "remaining": 1}
    assert batch() == {"sent": 1, "bounced": 0, "remaining": 0}
    assert count(engine, OutboxMessage, OutboxMessage.campaign_id == campaign_id) == 3
    assert count(engine, CampaignMember, CampaignMember.status == MemberStatus.SENT) == 3
    too_big = call(
        engine,
        "crm.send_campaign_batch",
        campaign_id=campaign_id,
        subject="x",
        body="y",
        limit=999999,
    )
    assert "field 'limit'" in incident(engine, too_big)


def test_send_campaign_batch_bounces_a_member_who_lost_the_email(engine: Engine) -> None:
    campaign_id, contacts = campaign_with_members(engine, size=2)
    with seeding(engine) as session:
        for email in session.scalars(
            sa.select(ContactEmail).where(ContactEmail.contact_id == contacts[0])
        ):
            session.delete(email)

    sent = result(
        call(engine, "crm.send_campaign_batch", campaign_id=campaign_id, subject="a", body="b")
    )

    assert sent == {"sent": 1, "bounced": 1, "remaining": 0}
    assert count(engine, CampaignMember, CampaignMember.status == MemberStatus.BOUNCED) == 1


def test_split_call_list_shares_the_members(engine: Engine) -> None:
    campaign_id, _ = campaign_with_members(engine, size=5)

    split = result(call(engine, "crm.split_call_list", campaign_id=campaign_id, parts=2))

    assert split["members"] == 5 and sum(p["count"] for p in split["lists"]) == 5
    assert {p["parts"] for p in split["lists"]} == {2}
    assert count(engine, CampaignMember, CampaignMember.status == MemberStatus.SENT) == 5
    assert "field 'parts'" in incident(
        engine, call(engine, "crm.split_call_list", campaign_id=campaign_id, parts=0)
    )


def test_record_campaign_response_turns_interest_into_an_attributed_lead(
    engine: Engine,
) -> None:
    campaign_id, contacts = campaign_with_members(engine)

    def respond(**data: object) -> dict:
        return result(call(engine, "crm.record_campaign_response", campaign_id=campaign_id, **data))

    early = respond(email="c0@smb.test", response="interested")
    assert (early["accepted"], early["reason"]) == (False, f"campaign {campaign_id} is approved")
    result(call(engine, "crm.set_campaign_status", campaign_id=campaign_id, status="active"))
    first = respond(email="C0@smb.test", response="interested")
    lead = get(engine, Lead, first["lead_id"])
    assert (lead.campaign_id, lead.contact_id, lead.source) == (
        campaign_id,
        contacts[0],
        "campaign",
    )
    again = respond(email="c0@smb.test", response="interested")
    assert (again["accepted"], again["reason"]) == (False, "the member already responded")
    assert respond(email="nobody@x.test")["reason"] == "not a member of the campaign"
    assert respond(email="c1@smb.test", response="unsubscribe")["status"] == "opted_out"
    assert get(engine, Contact, contacts[1]).opt_out is True
    assert count(engine, Lead) == 1
    nobody = call(engine, "crm.record_campaign_response", campaign_id=campaign_id)
    assert "field 'member_id': give the member_id or the email" in incident(engine, nobody)


def test_close_campaign_lead_keeps_the_reason(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    closed = result(call(engine, "crm.close_campaign_lead", lead_id=lead_id, reason="no budget"))

    assert closed["status"] == "disqualified"
    assert get(engine, Lead, lead_id).disqualify_reason == "no budget"
    again = call(engine, "crm.close_campaign_lead", lead_id=lead_id, reason="x")
    assert f"lead {lead_id} is already disqualified" in incident(engine, again)
    assert get(engine, Lead, lead_id).status == LeadStatus.DISQUALIFIED


def test_results_and_completion_count_the_campaign(engine: Engine) -> None:
    campaign_id, _ = campaign_with_members(engine, size=4)
    result(call(engine, "crm.send_campaign_batch", campaign_id=campaign_id, subject="a", body="b"))
    result(call(engine, "crm.set_campaign_status", campaign_id=campaign_id, status="active"))
    result(call(engine, "crm.record_campaign_response", campaign_id=campaign_id, member_id=1))

    figures = result(call(engine, "crm.campaign_results", campaign_id=campaign_id))
    final = result(
        call(engine, "crm.complete_campaign", campaign_id=campaign_id, actual_cost="800")
    )

    assert (figures["members"], figures["reached"], figures["responded"]) == (4, 4, 1)
    assert (figures["response_rate_pct"], figures["leads"], figures["cost"]) == (
        "25.00",
        1,
        "1000.00",
    )
    assert figures["roi_pct"] == "-100.00"
    assert (final["status"], final["cost"]) == ("completed", "800.00")
    assert get(engine, Campaign, campaign_id).actual_cost == Decimal("800.00")
    other = result(call(engine, "crm.create_campaign", **BRIEF))["campaign_id"]
    result(call(engine, "crm.set_campaign_status", campaign_id=other, status="cancelled"))
    cancelled = call(engine, "crm.complete_campaign", campaign_id=other)
    assert f"campaign {other} is cancelled" in incident(engine, cancelled)
