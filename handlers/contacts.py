"""Contacts: find the person a call or message came from, or create them once.

Dedup goes through :func:`crm.match_customer`, so a caller who is already a
contact is found in any phone notation, and a new person from a known company
is attached to that customer instead of a twin company being created.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

import crm
from crm.models import Contact, ContactEmail, ContactPhone, Customer
from crm.schemas import Email, Phone
from engine import StepContext

from ._params import Id, Params, bad, load, optional


class FindOrCreateContactParams(Params):
    first_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    last_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    phone = Phone(allow_none=True)
    email = Email(allow_none=True)
    company = fields.String(allow_none=True, validate=validate.Length(max=200))
    customer_id = Id(allow_none=True)

    @validates_schema
    def _phone_or_email(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("phone") and not data.get("email"):
            raise ValidationError("give a phone or an email to look the contact up by", "phone")


def find_or_create_contact(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Find the contact by phone/email, else create it (under a matching customer if any).

    A found contact gains the phone or email it did not have yet, so the next
    message from that address finds it directly.
    """
    p = load(FindOrCreateContactParams(), params)
    session = ctx.session
    customer = optional(session, Customer, p.get("customer_id"), "customer_id")
    match = crm.match_customer(
        session, phone=p.get("phone"), email=p.get("email"), company=p.get("company")
    )
    if match is not None and match.contact_id is not None:
        contact = session.get(Contact, match.contact_id)
        assert contact is not None  # match_customer just read it
        _add_channels(contact, p.get("phone"), p.get("email"))
        return _result(contact, created=False, customer_created=False, match=match)
    if customer is None and match is not None:
        customer = session.get(Customer, match.customer_id)
    customer_created = customer is None
    contact = new_contact(session, p, customer)
    session.flush()
    return _result(contact, created=True, customer_created=customer_created, match=match)


def new_contact(session: Session, p: dict[str, Any], customer: Customer | None) -> Contact:
    """A contact with its phone and email; a customer named after the company or the person."""
    first_name = p.get("first_name")
    if not first_name:
        raise bad("first_name", "required to create a contact (no existing contact matched)")
    if customer is None:
        full_name = " ".join(n for n in (first_name, p.get("last_name")) if n)
        customer = Customer(name=p.get("company") or full_name)
    contact = Contact(
        customer=customer,
        first_name=first_name,
        last_name=p.get("last_name"),
        title=p.get("title"),
    )
    _add_channels(contact, p.get("phone"), p.get("email"))
    session.add(contact)
    return contact


def _add_channels(contact: Contact, phone: str | None, email: str | None) -> None:
    if phone and phone not in {p.number for p in contact.phones}:
        contact.phones.append(ContactPhone(number=phone, is_primary=not contact.phones))
    if email and email not in {e.address for e in contact.emails}:
        contact.emails.append(ContactEmail(address=email, is_primary=not contact.emails))


def _result(
    contact: Contact, *, created: bool, customer_created: bool, match: crm.Match | None
) -> dict[str, Any]:
    return {
        "contact_id": contact.id,
        "customer_id": contact.customer_id,
        "created": created,
        "customer_created": customer_created,
        "matched_by": str(match.by) if match is not None else None,
        "ambiguous": bool(match and match.ambiguous),
        "candidates": list(match.candidates) if match is not None else [],
    }


OPERATORS = (("crm.find_or_create_contact", find_or_create_contact),)
