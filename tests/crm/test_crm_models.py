"""Behaviour that lives in the models: numbering and the interaction's step stamp."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

import crm
from crm.models import Case, Customer, Interaction, InteractionKind
from tests.crm.conftest import StepStub, in_step


def test_case_and_quote_numbers_count_up_per_series(session: Session) -> None:
    with in_step(session):
        numbers = [crm.next_case_number(session) for _ in range(3)]
        quote = crm.next_quote_number(session)
    with in_step(session):
        later = crm.next_case_number(session)

    assert numbers == ["CASE-000001", "CASE-000002", "CASE-000003"]
    assert (quote, later) == ("Q-000001", "CASE-000004")


def test_a_half_built_case_waits_for_its_number(session: Session) -> None:
    with in_step(session):
        customer = Customer(name="Nord LLC")
        session.add(customer)
        session.flush()
        case = Case(customer_id=customer.id, subject="Broken")
        session.add(case)
        case.number = crm.next_case_number(session)  # no autoflush of the numberless case
    assert case.number == "CASE-000001"


def test_an_interaction_is_stamped_with_the_step_that_recorded_it(session: Session) -> None:
    with in_step(session, StepStub("inst-5", "task-call", "ivan")):
        call = Interaction(kind=InteractionKind.CALL, duration_s=65)
        note = Interaction(kind=InteractionKind.NOTE, instance_id="other", task_id="t")
        session.add_all([call, note])

    assert (call.instance_id, call.task_id) == ("inst-5", "task-call")
    assert (note.instance_id, note.task_id) == ("other", "t")


def test_invalid_phone_on_a_model_is_refused_at_once() -> None:
    from crm.models import ContactPhone

    with pytest.raises(crm.InvalidPhoneError):
        ContactPhone(number="12")
