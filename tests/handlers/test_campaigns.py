"""crm.segment_members: the target list of a segment, without the contacts who opted out."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from crm.models import Campaign, CampaignChannel, CampaignMember
from engine import Engine

from .conftest import assert_recorded, count, incident, result, run, seeding
from .seeds import seed_contact, seed_customer


def seed_campaign(engine: Engine, segment: str | None = "smb") -> int:
    with seeding(engine) as session:
        campaign = Campaign(
            name="Spring", segment=segment, channel=CampaignChannel.EMAIL, start_date=date.today()
        )
        session.add(campaign)
        session.flush()
        return campaign.id


def seed_segment(engine: Engine) -> dict[str, int]:
    """In segment smb: a reachable contact, one who opted out, one without email;
    in enterprise: one more reachable contact."""
    smb = seed_customer(engine, segment="smb")
    big = seed_customer(engine, name="Orion JSC", segment="enterprise")
    return {
        "reachable": seed_contact(engine, None, "a@vega.example", smb)[1],
        "opted_out": seed_contact(engine, None, "b@vega.example", smb, opt_out=True)[1],
        "no_email": seed_contact(engine, "+79215550103", None, smb)[1],
        "other": seed_contact(engine, None, "c@orion.example", big)[1],
    }


def test_segment_members_adds_reachable_contacts_without_opt_outs(engine: Engine) -> None:
    contacts = seed_segment(engine)
    campaign_id = seed_campaign(engine)

    outcome = run(engine, "segment_members", {"campaign_id": campaign_id, "segment": None})

    built = result(outcome)
    assert (built["segment"], built["count"], built["added"], built["opted_out"]) == (
        "smb",
        1,
        1,
        1,
    )
    with engine.session() as session:
        [member] = session.scalars(sa.select(CampaignMember)).all()
    assert (member.contact_id, member.status) == (contacts["reachable"], "targeted")
    assert_recorded(engine, outcome, CampaignMember, member.id, "insert")
    again = result(run(engine, "segment_members", {"campaign_id": campaign_id, "segment": None}))
    assert (again["count"], again["added"]) == (1, 0)
    assert count(engine, CampaignMember) == 1


def test_segment_members_needs_a_segment(engine: Engine) -> None:
    campaign_id = seed_campaign(engine, segment=None)

    outcome = run(engine, "segment_members", {"campaign_id": campaign_id, "segment": None})

    assert "field 'segment': required (the campaign names no segment)" in incident(engine, outcome)
    assert count(engine, CampaignMember) == 0


def test_segment_members_names_a_missing_campaign(engine: Engine) -> None:
    outcome = run(engine, "segment_members", {"campaign_id": 77, "segment": "smb"})

    assert "field 'campaign_id': no campaign with id 77" in incident(engine, outcome)
