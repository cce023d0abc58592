"""Read-only CRM look-ups correlation needs: who is calling or writing, what is open."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Case, CaseStatus, Customer, Quote, QuoteStatus

CASE_NUMBER = re.compile(r"\bCASE-\d{1,12}\b", re.IGNORECASE)
QUOTE_NUMBER = re.compile(r"\bQ-\d{1,12}\b", re.IGNORECASE)
OPEN_QUOTE = (QuoteStatus.SENT, QuoteStatus.APPROVED, QuoteStatus.PENDING_APPROVAL)


@dataclass(frozen=True)
class Party:
    """A known contact (or only its customer): the customer and that customer's owner."""

    contact_id: int | None
    customer_id: int
    owner: str | None


def party_by_phone(session: Session, phone: str | None) -> Party | None:
    return _party(session, crm.find_contacts_by_phone(session, phone) if phone else [])


def party_by_email(session: Session, address: str | None) -> Party | None:
    return _party(session, crm.find_contacts_by_email(session, address) if address else [])


def party_of(session: Session, contact_id: int | None, customer_id: int) -> Party:
    """The party of a call we placed: the contact and customer the employee chose."""
    owner = session.scalar(sa.select(Customer.owner).where(Customer.id == customer_id))
    return Party(contact_id, customer_id, owner)


def _party(session: Session, contacts: list[crm.models.Contact]) -> Party | None:
    if not contacts:
        return None
    contact = contacts[0]
    owner = session.scalar(sa.select(Customer.owner).where(Customer.id == contact.customer_id))
    return Party(contact.id, contact.customer_id, owner)


def party_fields(party: Party | None, case: tuple[int, str] | None) -> dict[str, Any]:
    """What every correlation adds to an event's fields: the party and its case, or None."""
    return {
        "customer_id": party.customer_id if party else None,
        "contact_id": party.contact_id if party else None,
        "owner": party.owner if party else None,
        "case_id": case[0] if case else None,
        "case_number": case[1] if case else None,
    }


def open_case_of(session: Session, customer_id: int) -> tuple[int, str] | None:
    """The customer's newest case that is not closed."""
    row = session.execute(
        sa.select(Case.id, Case.number)
        .where(Case.customer_id == customer_id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.id.desc())
        .limit(1)
    ).first()
    return (row.id, row.number) if row else None


def open_case(session: Session, number: str) -> tuple[int, str] | None:
    row = session.execute(
        sa.select(Case.id, Case.number).where(
            Case.number == number.upper(), Case.status != CaseStatus.CLOSED
        )
    ).first()
    return (row.id, row.number) if row else None


def open_quote(session: Session, number: str) -> str | None:
    """The open quote by this number; for one no longer open (a revision replaced it),
    its deal's newest open quote, which is what the customer's answer is about now."""
    row = session.execute(
        sa.select(Quote.number, Quote.status, Quote.deal_id).where(Quote.number == number.upper())
    ).first()
    if row is None:
        return None
    return row.number if row.status in OPEN_QUOTE else open_quote_of_deal(session, row.deal_id)


def open_case_by_id(session: Session, case_id: int) -> tuple[int, str] | None:
    row = session.execute(
        sa.select(Case.id, Case.number).where(Case.id == case_id, Case.status != CaseStatus.CLOSED)
    ).first()
    return (row.id, row.number) if row else None


def open_quote_by_id(session: Session, quote_id: int) -> str | None:
    return session.scalar(
        sa.select(Quote.number).where(Quote.id == quote_id, Quote.status.in_(OPEN_QUOTE))
    )


def open_quote_of_deal(session: Session, deal_id: int) -> str | None:
    """The deal's newest open quote: what a reply to any email about the deal answers."""
    return session.scalar(
        sa.select(Quote.number)
        .where(Quote.deal_id == deal_id, Quote.status.in_(OPEN_QUOTE))
        .order_by(Quote.id.desc())
        .limit(1)
    )
