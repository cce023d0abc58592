"""What the change history records: old and new values, as JSON, for every row written."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

import crm
from crm.models import ChangeAction, Contact, ContactPhone, Customer, Deal, DealStage
from tests.crm.conftest import StepStub, in_step


def _customer_with_deal(session: Session) -> tuple[Customer, Deal]:
    with in_step(session):
        customer = Customer(name="Vega LLC")
        deal = Deal(customer=customer, name="Pilot", amount=Decimal("1000.50"))
        session.add(deal)
    session.commit()
    return customer, deal


def test_values_are_json_with_decimals_and_dates_as_text(session: Session) -> None:
    _customer, deal = _customer_with_deal(session)

    with in_step(session, StepStub("inst-9", "task-3", "oleg")):
        deal.amount = Decimal("1250.00")
        deal.expected_close = date(2025, 3, 31)
        deal.stage = DealStage.NEGOTIATION

    latest = crm.history(session, Deal, deal.id)[0]
    assert latest.changes == {
        "amount": {"old": "1000.50", "new": "1250.00"},
        "expected_close": {"old": None, "new": "2025-03-31"},
        "stage": {"old": "prospecting", "new": "negotiation"},
    }
    json.dumps(latest.changes)


def test_old_values_of_expired_attributes_are_read_from_the_database(session: Session) -> None:
    customer, _deal = _customer_with_deal(session)
    session.expire(customer)

    with in_step(session):
        customer.name = "Vega Group LLC"

    latest = crm.history(session, "crm_customer", customer.id)[0]
    assert latest.changes["name"] == {"old": "Vega LLC", "new": "Vega Group LLC"}
    assert latest.changes["name_key"] == {"old": "vega", "new": "vega group"}


def test_history_is_newest_first_and_only_of_that_record(session: Session) -> None:
    customer, deal = _customer_with_deal(session)
    with in_step(session, StepStub(task_id="t2")):
        customer.segment = "smb"
    with in_step(session, StepStub(task_id="t3")):
        customer.segment = "enterprise"

    entries = crm.history(session, Customer, customer.id)

    assert [entry.task_id for entry in entries] == ["t3", "t2", "task-1"]
    assert [entry.action for entry in entries][-1] is ChangeAction.INSERT
    assert {entry.table_name for entry in entries} == {"crm_customer"}
    assert crm.history(session, Deal, deal.id)[0].table_name == "crm_deal"


def test_cascaded_and_orphan_deletes_are_recorded(session: Session) -> None:
    with in_step(session):
        customer = Customer(name="Orion LLC")
        contact = Contact(customer=customer, first_name="Anna")
        contact.phones = [ContactPhone(number="+79123456789"), ContactPhone(number="+79123456780")]
        session.add(contact)
    session.commit()
    kept, orphan = contact.phones

    with in_step(session):
        contact.phones.remove(orphan)
    with in_step(session):
        session.delete(contact)

    assert crm.history(session, ContactPhone, orphan.id)[0].action is ChangeAction.DELETE
    assert crm.history(session, ContactPhone, kept.id)[0].action is ChangeAction.DELETE
    assert session.scalar(sa.select(sa.func.count()).select_from(ContactPhone)) == 0


def test_one_flush_writes_its_history_in_one_statement(session: Session, engine: sa.Engine) -> None:
    from tests.crm.conftest import counting_statements

    with in_step(session):
        customer = Customer(name="Batch LLC")
        session.add(customer)
        session.flush()
        with counting_statements(engine) as statements:
            session.add_all(Contact(customer=customer, first_name=f"C{n}") for n in range(50))
            session.flush()

    history_inserts = [sql for sql in statements if "crm_change" in sql]
    assert len(history_inserts) <= 2  # one executemany, batched by the driver
    assert len(crm.history(session, Contact, customer.contacts[0].id)) == 1
