"""crm.find_or_create_contact: one contact per person, attached to the customer it belongs to."""

# ruff: noqa: RUF001  (a Cyrillic company name is the point)

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from crm.models import Contact, ContactEmail, ContactPhone, Customer
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run

IVAN = {
    "first_name": "Ivan",
    "last_name": "Petrov",
    "phone": "8 912 345 67 89",
    "email": "Ivan.Petrov@Example.com",
    "company": "Romashka LLC",
}


def _contact(engine: Engine, **changes: Any) -> dict[str, Any]:
    return run(engine, "find_or_create_contact", {**IVAN, **changes})


def test_find_or_create_contact_creates_contact_and_customer(engine: Engine) -> None:
    outcome = _contact(engine)

    found = result(outcome)
    assert found["created"] is True and found["customer_created"] is True
    contact = get(engine, Contact, found["contact_id"])
    assert (contact.first_name, contact.customer_id) == ("Ivan", found["customer_id"])
    assert get(engine, Customer, found["customer_id"]).name == "Romashka LLC"
    inserted = assert_recorded(engine, outcome, Contact, found["contact_id"], "insert")
    assert inserted.changes["first_name"] == {"old": None, "new": "Ivan"}
    assert_recorded(engine, outcome, Customer, found["customer_id"], "insert")
    [number] = _ids(engine, ContactPhone)
    assert assert_recorded(engine, outcome, ContactPhone, number, "insert").changes["number"] == {
        "old": None,
        "new": "+79123456789",
    }


def test_find_or_create_contact_finds_the_caller_in_any_notation(engine: Engine) -> None:
    first = result(_contact(engine))

    again = _contact(engine, phone="+7 (912) 345-67-89", email="ivan@work.example.com")

    found = result(again)
    assert found["created"] is False and found["matched_by"] == "phone"
    assert found["contact_id"] == first["contact_id"]
    assert count(engine, Contact) == 1 and count(engine, Customer) == 1
    emails = _ids(engine, ContactEmail)
    assert len(emails) == 2
    assert_recorded(engine, again, ContactEmail, max(emails), "insert")


def test_find_or_create_contact_attaches_a_new_person_to_the_known_company(
    engine: Engine,
) -> None:
    first = result(_contact(engine))

    petr = result(
        _contact(
            engine, first_name="Petr", phone="+7 912 000 11 22", email=None, company="ООО Ромашка"
        )
    )

    assert petr["created"] is True and petr["customer_created"] is False
    assert petr["customer_id"] == first["customer_id"] and petr["matched_by"] == "company"
    assert count(engine, Customer) == 1 and count(engine, Contact) == 2


def test_find_or_create_contact_bad_phone_is_an_incident_and_writes_nothing(
    engine: Engine,
) -> None:
    outcome = _contact(engine, phone="12")

    assert "field 'phone': not a valid phone number: '12'" in incident(engine, outcome)
    assert count(engine, Contact) == 0 and count(engine, Customer) == 0


def test_find_or_create_contact_needs_a_name_to_create(engine: Engine) -> None:
    outcome = _contact(engine, first_name=None)

    assert "field 'first_name': required to create a contact" in incident(engine, outcome)
    assert count(engine, Contact) == 0 and count(engine, Customer) == 0


def _ids(engine: Engine, model: type[ContactPhone] | type[ContactEmail]) -> list[int]:
    with engine.session() as session:
        return list(session.scalars(sa.select(model.id).order_by(model.id)))


@pytest.mark.parametrize(
    ("phone", "email", "matched_by"),
    [
        ("+7 (912) 345-67-89", None, "phone"),
        ("8 912 345 67 89", None, "phone"),
        (None, "Ivan.Petrov@Example.COM", "email"),
        (None, "  IVAN.PETROV@example.com ", "email"),
    ],
)
def test_real_world_variants_find_the_contact_instead_of_a_twin(
    engine: Engine, phone: str | None, email: str | None, matched_by: str
) -> None:
    first = result(_contact(engine, phone="+79123456789", email="ivan.petrov@example.com"))

    found = result(_contact(engine, first_name="I.", phone=phone, email=email, company=None))

    assert (found["created"], found["matched_by"]) == (False, matched_by)
    assert found["contact_id"] == first["contact_id"]
    assert count(engine, Contact) == 1 and count(engine, Customer) == 1


def test_a_similar_company_name_attaches_a_new_person_to_it(engine: Engine) -> None:
    first = result(_contact(engine, company='ООО "Ромашка"'))

    found = result(
        _contact(
            engine, first_name="Olga", phone="+7 912 000 11 22", email=None, company="Romashka Ltd."
        )
    )

    assert (found["created"], found["customer_created"]) == (True, False)
    assert found["customer_id"] == first["customer_id"]
    assert count(engine, Customer) == 1 and count(engine, Contact) == 2
