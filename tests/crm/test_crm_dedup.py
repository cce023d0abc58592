"""Dedup and look-ups with the variants people really type."""

# ruff: noqa: RUF001  (Cyrillic company names are the point)

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

import crm
from crm.models import Contact, ContactEmail, ContactPhone, Customer
from tests.crm.conftest import in_step


@pytest.fixture
def ivan(session: Session) -> Contact:
    with in_step(session):
        contact = Contact(
            customer=Customer(name="Romashka LLC"),
            first_name="Ivan",
            last_name="Petrov",
            phones=[ContactPhone(number="+7 (912) 345-67-89")],
            emails=[ContactEmail(address="ivan.petrov@example.com")],
        )
        session.add(contact)
    session.commit()
    return contact


@pytest.mark.parametrize("phone", ["+7 (912) 345-67-89", "8 912 345 67 89", "+79123456789"])
def test_phone_variants_find_the_one_contact(session: Session, ivan: Contact, phone: str) -> None:
    assert crm.find_contacts_by_phone(session, phone) == [ivan]

    match = crm.match_customer(session, phone=phone)

    assert match is not None
    assert (match.customer_id, match.contact_id, match.by) == (
        ivan.customer_id,
        ivan.id,
        crm.MatchBy.PHONE,
    )


def test_email_case_and_spaces_do_not_matter(session: Session, ivan: Contact) -> None:
    assert crm.find_contacts_by_email(session, " Ivan.Petrov@Example.COM ") == [ivan]
    match = crm.match_customer(session, email="Ivan.Petrov@Example.COM")
    assert match is not None and match.by is crm.MatchBy.EMAIL and match.contact_id == ivan.id


@pytest.mark.parametrize(
    "company", ["romashka, llc", "ROMASHKA Ltd.", "ООО «Ромашка»", "Romashka", "Romashkka LLC"]
)
def test_company_name_variants_match(session: Session, ivan: Contact, company: str) -> None:
    match = crm.match_customer(session, company=company)

    assert match is not None
    assert (match.customer_id, match.by) == (ivan.customer_id, crm.MatchBy.COMPANY)
    assert match.score >= crm.COMPANY_MATCH_THRESHOLD


@pytest.mark.parametrize("company", ["Romashka Trade", "Vasilek LLC", "OOO"])
def test_other_companies_do_not_match(session: Session, ivan: Contact, company: str) -> None:
    assert crm.match_customer(session, company=company) is None


def test_phone_wins_over_email_and_company(session: Session, ivan: Contact) -> None:
    with in_step(session):
        other = Contact(
            customer=Customer(name="Vasilek LLC"),
            first_name="Olga",
            emails=[ContactEmail(address="olga@vasilek.example")],
        )
        session.add(other)
    match = crm.match_customer(
        session, phone="89123456789", email="olga@vasilek.example", company="Vasilek"
    )
    assert match is not None and match.customer_id == ivan.customer_id


def test_a_shared_phone_is_ambiguous_unless_the_email_decides(
    session: Session, ivan: Contact
) -> None:
    with in_step(session):
        colleague = Contact(
            customer=Customer(name="Vasilek LLC"),
            first_name="Olga",
            phones=[ContactPhone(number="+79123456789")],
            emails=[ContactEmail(address="olga@vasilek.example")],
        )
        session.add(colleague)

    shared = crm.match_customer(session, phone="+79123456789")
    decided = crm.match_customer(session, phone="+79123456789", email="OLGA@vasilek.example")

    assert shared is not None and shared.ambiguous and shared.customer_id == ivan.customer_id
    assert decided is not None and not decided.ambiguous
    assert (decided.customer_id, decided.contact_id) == (colleague.customer_id, colleague.id)


def test_nothing_known_is_no_match(session: Session, ivan: Contact) -> None:
    assert crm.match_customer(session) is None
    assert crm.match_customer(session, phone="+7 495 000-00-00", email="new@new.example") is None
    assert crm.find_contacts_by_phone(session, "anonymous") == []
    assert crm.find_contacts_by_email(session, "not an email") == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ООО «Ромашка»", "romashka"),
        ("Romashka, LLC", "romashka"),
        ("Müller GmbH", "muller"),
        ('АО "Щука и Ёж"', "shchuka i ezh"),
        ("OOO", "ooo"),
    ],
)
def test_company_keys(name: str, key: str) -> None:
    assert crm.company_key(name) == key
