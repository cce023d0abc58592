"""crm.create_lead, crm.dedupe_lead, crm.convert_lead: a lead's way from interest to a deal."""

from __future__ import annotations

from decimal import Decimal

from crm.models import Contact, Customer, Deal, DealStage, Lead, LeadStatus
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run, written_by
from .seeds import seed_contact, seed_lead

NEW_LEAD = {
    "source": "web",
    "first_name": "Anna",
    "last_name": "Smirnova",
    "company_name": "Vega LLC",
    "phone": "8 (921) 555-01-02",
    "email": "Anna@Vega.example",
    "territory": "nw",
}


def test_create_lead_stores_normalised_channels(engine: Engine) -> None:
    outcome = run(engine, "create_lead", NEW_LEAD)

    created = result(outcome)
    lead = get(engine, Lead, created["lead_id"])
    assert (lead.phone, lead.email, lead.status) == ("+79215550102", "anna@vega.example", "new")
    entry = assert_recorded(engine, outcome, Lead, lead.id, "insert")
    assert entry.changes["source"] == {"old": None, "new": "web"}


def test_create_lead_refuses_unknown_source_and_writes_nothing(engine: Engine) -> None:
    outcome = run(engine, "create_lead", {**NEW_LEAD, "source": "fax"})

    assert "field 'source': Must be one of" in incident(engine, outcome)
    assert count(engine, Lead) == 0


def test_create_lead_needs_a_way_to_reach_the_person(engine: Engine) -> None:
    empty = dict.fromkeys(("phone", "email", "company_name"))
    outcome = run(engine, "create_lead", {**NEW_LEAD, **empty})

    assert "a lead needs a phone, an email or a company_name" in incident(engine, outcome)
    assert count(engine, Lead) == 0


def test_dedupe_lead_attaches_to_the_existing_customer(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine)
    lead_id = seed_lead(engine)
    other_open = seed_lead(engine, email="anna@vega.example")

    outcome = run(engine, "dedupe_lead", {"lead_id": lead_id})

    found = result(outcome)
    assert found["duplicate"] is True and found["matched_by"] == "phone"
    assert (found["customer_id"], found["contact_id"]) == (customer_id, contact_id)
    assert found["open_lead_ids"] == [other_open]
    entry = assert_recorded(engine, outcome, Lead, lead_id, "update")
    assert entry.changes["customer_id"] == {"old": None, "new": customer_id}


def test_dedupe_lead_of_a_new_person_finds_nothing(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    found = result(run(engine, "dedupe_lead", {"lead_id": lead_id}))

    assert found["duplicate"] is False and found["customer_id"] is None
    assert written_by(engine, Lead, lead_id) == []


def test_dedupe_lead_names_a_missing_lead(engine: Engine) -> None:
    outcome = run(engine, "dedupe_lead", {"lead_id": 404})

    assert "field 'lead_id': no lead with id 404" in incident(engine, outcome)


def test_dedupe_lead_refuses_a_lead_id_that_is_not_an_id(engine: Engine) -> None:
    outcome = run(engine, "dedupe_lead", {"lead_id": "abc"})

    assert "field 'lead_id': Not a valid id: 'abc'" in incident(engine, outcome)


def test_convert_lead_creates_customer_contact_and_deal(engine: Engine) -> None:
    lead_id = seed_lead(engine, company_name="Orion JSC", owner="boris", segment="smb")

    outcome = run(
        engine, "convert_lead", {"lead_id": lead_id, "deal_name": "Pilot", "amount": "15000.50"}
    )

    done = result(outcome)
    assert done["customer_created"] is True
    deal = get(engine, Deal, done["deal_id"])
    assert (deal.name, deal.amount, deal.stage) == ("Pilot", Decimal("15000.50"), "qualification")
    assert (deal.lead_id, deal.owner, deal.contact_id) == (lead_id, "boris", done["contact_id"])
    customer = get(engine, Customer, done["customer_id"])
    assert (customer.name, customer.segment, customer.owner) == ("Orion JSC", "smb", "boris")
    lead = get(engine, Lead, lead_id)
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    assert_recorded(engine, outcome, Deal, deal.id, "insert")
    assert_recorded(engine, outcome, Contact, done["contact_id"], "insert")
    entry = assert_recorded(engine, outcome, Lead, lead_id, "update")
    assert entry.changes["status"] == {"old": "new", "new": "converted"}


def test_convert_lead_reuses_the_customer_dedup_found(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine)
    lead_id = seed_lead(engine)

    done = result(
        run(engine, "convert_lead", {"lead_id": lead_id, "deal_name": None, "amount": None})
    )

    assert done["customer_created"] is False
    assert (done["customer_id"], done["contact_id"]) == (customer_id, contact_id)
    assert count(engine, Customer) == 1 and count(engine, Contact) == 1
    assert get(engine, Deal, done["deal_id"]).stage == DealStage.QUALIFICATION


def test_convert_lead_refuses_a_converted_lead_and_writes_nothing(engine: Engine) -> None:
    lead_id = seed_lead(engine, status=LeadStatus.CONVERTED)

    outcome = run(engine, "convert_lead", {"lead_id": lead_id, "deal_name": "X", "amount": "1"})

    assert f"lead {lead_id} is already converted" in incident(engine, outcome)
    assert count(engine, Deal) == 0 and count(engine, Customer) == 0


def test_convert_lead_refuses_a_negative_amount(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    outcome = run(engine, "convert_lead", {"lead_id": lead_id, "deal_name": "X", "amount": "-5"})

    assert "field 'amount': Must be greater than or equal to 0" in incident(engine, outcome)
    assert count(engine, Deal) == 0 and written_by(engine, Lead, lead_id) == []
