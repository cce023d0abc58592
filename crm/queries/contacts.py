"""Finding contacts by the phone or email a message came from."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..errors import InvalidEmailError, InvalidPhoneError
from ..models.contact import Contact
from ..models.contact_email import ContactEmail
from ..models.contact_phone import ContactPhone
from ..normalise import normalise_email, normalise_phone


def find_contacts_by_phone(session: Session, raw: str) -> list[Contact]:
    """Contacts with this phone number in any notation, oldest first, phones and emails loaded.

    Text that is not a phone number (an anonymous caller id, say) finds nobody.
    """
    try:
        number = normalise_phone(raw)
    except InvalidPhoneError:
        return []
    owners = sa.select(ContactPhone.contact_id).where(ContactPhone.number == number)
    return _contacts(session, owners)


def find_contacts_by_email(session: Session, raw: str) -> list[Contact]:
    """Contacts with this email address in any letter case, oldest first.

    Text that is not an email address finds nobody.
    """
    try:
        address = normalise_email(raw)
    except InvalidEmailError:
        return []
    owners = sa.select(ContactEmail.contact_id).where(ContactEmail.address == address)
    return _contacts(session, owners)


def _contacts(session: Session, ids: sa.Select[int]) -> list[Contact]:
    query = (
        sa.select(Contact)
        .where(Contact.id.in_(ids))
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
        .order_by(Contact.id)
    )
    return list(session.scalars(query))
