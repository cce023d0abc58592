"""The customer card (360° view): everything the CRM knows about one customer.

Built with a fixed number of statements (:data:`CARD_STATEMENTS`) whatever the
number of contacts, deals, cases or interactions: every list is one query
filtered by the customer, never a query per row. Open tasks and running process
instances come from the engine; the web layer adds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import NotFoundError
from ..models.campaign import Campaign
from ..models.campaign_member import CampaignMember
from ..models.case import Case
from ..models.contact import Contact
from ..models.contact_email import ContactEmail
from ..models.contact_phone import ContactPhone
from ..models.customer import Customer
from ..models.deal import Deal
from ..schemas.campaign import CampaignSchema
from ..schemas.campaign_member import CampaignMemberSchema
from ..schemas.case import CaseSchema
from ..schemas.contact import ContactSchema
from ..schemas.contact_email import ContactEmailSchema
from ..schemas.contact_phone import ContactPhoneSchema
from ..schemas.customer import CustomerSchema
from ..schemas.deal import DealSchema
from .timeline import timeline_page

CARD_STATEMENTS = 8
DEFAULT_PAGE = 50

_Owned = TypeVar("_Owned", ContactPhone, ContactEmail)


def customer_card(
    session: Session, customer_id: int, *, limit: int = DEFAULT_PAGE, before: str | None = None
) -> dict[str, Any]:
    """The customer with contacts (phones, emails), deals, cases, campaigns and timeline.

    Args:
        session: any session; reading needs no step.
        customer_id: the customer.
        limit: interactions per timeline page (1..500).
        before: the timeline's ``next_before`` from the previous page, for the next one.

    Returns:
        JSON-able dicts: ``customer``, ``contacts``, ``deals``, ``cases``,
        ``campaigns`` (each with the customer's ``members``) and ``timeline``
        (``items`` newest first, ``next_before``).

    Raises:
        NotFoundError: no such customer.
    """
    customer = session.scalars(sa.select(Customer).where(Customer.id == customer_id)).first()
    if customer is None:
        raise NotFoundError("customer", customer_id)
    return {
        "customer": CustomerSchema().dump(customer),
        "contacts": _contacts(session, customer_id),
        "deals": _deals(session, customer_id),
        "cases": _cases(session, customer_id),
        "campaigns": _campaigns(session, customer_id),
        "timeline": timeline_page(session, customer_id, limit=limit, before=before),
    }


def _contacts(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Contacts, then all their phones, then all their emails: three statements."""
    of_customer = Contact.customer_id == customer_id
    contacts = session.scalars(sa.select(Contact).where(of_customer).order_by(Contact.id)).all()
    phones = _by_contact(
        session.scalars(
            sa.select(ContactPhone).join(Contact).where(of_customer).order_by(ContactPhone.id)
        )
    )
    emails = _by_contact(
        session.scalars(
            sa.select(ContactEmail).join(Contact).where(of_customer).order_by(ContactEmail.id)
        )
    )
    contact_schema = ContactSchema(exclude=("phones", "emails"))
    phone_schema, email_schema = ContactPhoneSchema(many=True), ContactEmailSchema(many=True)
    return [
        {
            **contact_schema.dump(contact),
            "phones": phone_schema.dump(phones[contact.id]),
            "emails": email_schema.dump(emails[contact.id]),
        }
        for contact in contacts
    ]


def _by_contact(rows: Iterable[_Owned]) -> defaultdict[int, list[_Owned]]:
    grouped: defaultdict[int, list[_Owned]] = defaultdict(list)
    for row in rows:
        grouped[row.contact_id].append(row)
    return grouped


def _deals(session: Session, customer_id: int) -> list[dict[str, Any]]:
    query = (
        sa.select(Deal)
        .where(Deal.customer_id == customer_id)
        .order_by(Deal.created_at.desc(), Deal.id.desc())
    )
    return DealSchema(many=True).dump(session.scalars(query).all())


def _cases(session: Session, customer_id: int) -> list[dict[str, Any]]:
    query = (
        sa.select(Case)
        .where(Case.customer_id == customer_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return CaseSchema(many=True).dump(session.scalars(query).all())


def _campaigns(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Campaigns any of the customer's contacts is a member of, newest first, with
    those memberships: one statement."""
    query = (
        sa.select(Campaign, CampaignMember)
        .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .join(Contact, CampaignMember.contact_id == Contact.id)
        .where(Contact.customer_id == customer_id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc(), CampaignMember.id)
    )
    campaigns: dict[int, dict[str, Any]] = {}
    member_schema = CampaignMemberSchema()
    for campaign, member in session.execute(query):
        entry = campaigns.get(campaign.id)
        if entry is None:
            entry = campaigns[campaign.id] = {**CampaignSchema().dump(campaign), "members": []}
        entry["members"].append(member_schema.dump(member))
    return list(campaigns.values())
