"""Writing one chunk of imported contacts: dedup against the CRM and the file, then create.

A whole chunk is checked with two look-ups (phones, emails) instead of one
dedup query per row, and its companies are resolved once each, so a
500-row step stays a handful of statements plus the inserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import Change, ChangeAction, Contact, ContactEmail, ContactPhone, Customer

from ._csv_rows import Row


@dataclass
class Stored:
    """What one chunk did: contacts created (line, id) and duplicates found."""

    created: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """Contacts already in the CRM with the chunk's phones and emails."""

    by_phone: dict[str, int]
    by_email: dict[str, int]
    from_this_import: set[int]


def store(session: Session, rows: list[Row], instance_id: str) -> Stored:
    """Create a contact for each row that is new to the CRM and to the file so far."""
    known = _known(session, rows, instance_id)
    seen: dict[tuple[str, str], int] = {}
    stored = Stored()
    new: list[Row] = []
    for row in rows:
        duplicate = _duplicate(row, known, seen)
        if duplicate is not None:
            stored.duplicates.append(duplicate)
            continue
        for key in _keys(row):
            seen[key] = row.line
        new.append(row)
    customers = _customers(session, [row.company for row in new if row.company])
    contacts = [_contact(row, customers) for row in new]
    session.add_all(contacts)
    session.flush()
    stored.created = [(row.line, contact.id) for row, contact in zip(new, contacts, strict=True)]
    by_line = dict(stored.created)
    for duplicate in stored.duplicates:
        duplicate["contact_id"] = duplicate["contact_id"] or by_line.get(duplicate["of_line"])
    return stored


def _keys(row: Row) -> list[tuple[str, str]]:
    return [(name, value) for name, value in (("phone", row.phone), ("email", row.email)) if value]


def _duplicate(row: Row, known: Known, seen: dict[tuple[str, str], int]) -> dict[str, Any] | None:
    """Phone first, then email, as ``crm.match_customer`` decides; the CRM before the file."""
    for name, value in _keys(row):
        contact_id = (known.by_phone if name == "phone" else known.by_email).get(value)
        if contact_id is not None:
            in_file = contact_id in known.from_this_import
            where = "imported from an earlier row of this file" if in_file else "already in the CRM"
            return {
                "line": row.line,
                "reason": f"same {name} {value} as contact {contact_id}, {where}",
                "field": name,
                "value": value,
                "contact_id": contact_id,
                "in_file": in_file,
                "of_line": None,
            }
    for name, value in _keys(row):
        earlier = seen.get((name, value))
        if earlier is not None:
            return {
                "line": row.line,
                "reason": f"same {name} {value} as line {earlier}",
                "field": name,
                "value": value,
                "contact_id": None,
                "in_file": True,
                "of_line": earlier,
            }
    return None


def _known(session: Session, rows: list[Row], instance_id: str) -> Known:
    phones = sorted({row.phone for row in rows if row.phone})
    emails = sorted({row.email for row in rows if row.email})
    by_phone = _first_owner(session, ContactPhone.number, ContactPhone.contact_id, phones)
    by_email = _first_owner(session, ContactEmail.address, ContactEmail.contact_id, emails)
    ids = sorted({*by_phone.values(), *by_email.values()})
    return Known(by_phone, by_email, _created_by(session, ids, instance_id))


def _first_owner(
    session: Session, value: Any, contact_id: Any, values: list[str]
) -> dict[str, int]:
    """The oldest contact holding each value (dedup attaches to the oldest)."""
    if not values:
        return {}
    query = sa.select(value, sa.func.min(contact_id)).where(value.in_(values)).group_by(value)
    return {key: owner for key, owner in session.execute(query)}


def _created_by(session: Session, contact_ids: list[int], instance_id: str) -> set[int]:
    """Which of these contacts this instance created: the change history knows."""
    if not contact_ids:
        return set()
    query = sa.select(Change.row_id).where(
        Change.table_name == Contact.__tablename__,
        Change.action == ChangeAction.INSERT,
        Change.instance_id == instance_id,
        Change.row_id.in_([str(i) for i in contact_ids]),
    )
    return {int(row_id) for row_id in session.scalars(query)}


def _customers(session: Session, companies: list[str]) -> dict[str, Customer]:
    """One customer per company key: an exact key, a fuzzy match, or a new customer."""
    names = {crm.company_key(name): name for name in reversed(companies)}
    found: dict[str, Customer] = {}
    if names:
        query = sa.select(Customer).where(Customer.name_key.in_(list(names))).order_by(Customer.id)
        for customer in session.scalars(query):
            found.setdefault(customer.name_key, customer)
    for key, name in names.items():
        if key not in found:
            match = crm.match_customer(session, company=name)
            similar = session.get(Customer, match.customer_id) if match is not None else None
            found[key] = similar or Customer(name=name)
    return found


def _contact(row: Row, customers: dict[str, Customer]) -> Contact:
    """The contact, under its company's customer or, without a company, one of its own."""
    full_name = " ".join(part for part in (row.first_name, row.last_name) if part)
    customer = customers[crm.company_key(row.company)] if row.company else Customer(name=full_name)
    contact = Contact(
        customer=customer, first_name=row.first_name, last_name=row.last_name, title=row.title
    )
    if row.phone:
        contact.phones.append(ContactPhone(number=row.phone, is_primary=True))
    if row.email:
        contact.emails.append(ContactEmail(address=row.email, is_primary=True))
    return contact
