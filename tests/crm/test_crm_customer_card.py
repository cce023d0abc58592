"""The customer card: everything about one customer, in a fixed number of statements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import (
    Campaign,
    CampaignMember,
    Case,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Deal,
    Direction,
    Interaction,
    InteractionKind,
)
from crm.queries.customer_card import CARD_STATEMENTS
from tests.crm.conftest import counting_statements, in_step

START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
KINDS = list(InteractionKind)


def _customer(session: Session, *, interactions: int, deals: int, cases: int) -> int:
    """A customer with two contacts (phones, emails), a campaign and the given counts."""
    with in_step(session):
        customer = Customer(name=f"Card {interactions} LLC")
        contacts = [
            Contact(
                customer=customer,
                first_name=f"Person {n}",
                phones=[ContactPhone(number=f"+7912345670{n}")],
                emails=[ContactEmail(address=f"p{n}@card{interactions}.example")],
            )
            for n in range(2)
        ]
        campaign = Campaign(name=f"Spring {interactions}")
        session.add_all([*contacts, campaign])
        session.flush()
        session.add_all(CampaignMember(campaign=campaign, contact_id=c.id) for c in contacts)
        session.add_all(Deal(customer=customer, name=f"Deal {n}") for n in range(deals))
        session.add_all(
            Case(customer_id=customer.id, number=crm.next_case_number(session), subject=f"S{n}")
            for n in range(cases)
        )
        session.add_all(
            Interaction(
                kind=KINDS[n % len(KINDS)],
                direction=Direction.INBOUND,
                customer_id=customer.id,
                contact_id=contacts[n % 2].id,
                subject=f"#{n}",
                occurred_at=START + timedelta(minutes=n // 3),  # three share each minute
            )
            for n in range(interactions)
        )
    session.commit()
    return customer.id


def _card_statements(session: Session, engine: sa.Engine, customer_id: int) -> int:
    session.expunge_all()
    with counting_statements(engine) as statements:
        crm.customer_card(session, customer_id)
    return len(statements)


def test_the_statement_count_does_not_grow_with_the_rows(
    session: Session, engine: sa.Engine
) -> None:
    small = _customer(session, interactions=1, deals=1, cases=1)
    large = _customer(session, interactions=500, deals=20, cases=20)

    assert _card_statements(session, engine, small) == CARD_STATEMENTS
    assert _card_statements(session, engine, large) == CARD_STATEMENTS


def test_the_card_holds_the_customer_and_everything_around_it(session: Session) -> None:
    customer_id = _customer(session, interactions=30, deals=20, cases=20)

    card = crm.customer_card(session, customer_id, limit=10)

    assert card["customer"]["name"] == "Card 30 LLC"
    assert [c["phones"][0]["number"] for c in card["contacts"]] == ["+79123456700", "+79123456701"]
    assert card["contacts"][1]["emails"][0]["address"] == "p1@card30.example"
    assert (len(card["deals"]), len(card["cases"])) == (20, 20)
    [campaign] = card["campaigns"]
    assert campaign["name"] == "Spring 30" and len(campaign["members"]) == 2
    assert [item["subject"] for item in card["timeline"]["items"][:3]] == ["#29", "#28", "#27"]


def test_the_timeline_pages_without_gaps_or_repeats(session: Session) -> None:
    customer_id = _customer(session, interactions=95, deals=0, cases=0)

    seen: list[str] = []
    before = None
    while True:
        page = crm.customer_card(session, customer_id, limit=20, before=before)["timeline"]
        seen += [item["subject"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break

    assert seen == [f"#{n}" for n in reversed(range(95))]


def test_an_unknown_customer_is_not_found(session: Session) -> None:
    with pytest.raises(crm.NotFoundError):
        crm.customer_card(session, 404)


def test_a_bad_cursor_or_limit_is_refused(session: Session) -> None:
    customer_id = _customer(session, interactions=1, deals=0, cases=0)
    with pytest.raises(ValueError, match="not a timeline cursor"):
        crm.customer_card(session, customer_id, before="yesterday")
    with pytest.raises(ValueError, match="limit"):
        crm.customer_card(session, customer_id, limit=0)
