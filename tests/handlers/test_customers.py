"""crm.classify_customer: ABC class, segment and territory, set in a step and recorded."""

from __future__ import annotations

from crm.models import AbcClass, Customer
from engine import Engine

from .conftest import assert_recorded, get, incident, result
from .operator_bpmn import call
from .seeds import seed_customer


def test_classify_customer_sets_what_is_given(engine: Engine) -> None:
    customer_id = seed_customer(engine, segment="retail", territory="msk")

    outcome = call(
        engine, "crm.classify_customer", customer_id=customer_id, abc_class="A", segment=None
    )

    assert result(outcome)["abc_class"] == "A"
    customer = get(engine, Customer, customer_id)
    assert (customer.abc_class, customer.segment, customer.territory) == (
        AbcClass.A,
        "retail",
        "msk",
    )
    assert_recorded(engine, outcome, Customer, customer_id, "update")


def test_classify_customer_refuses_an_unknown_class(engine: Engine) -> None:
    customer_id = seed_customer(engine)

    outcome = call(engine, "crm.classify_customer", customer_id=customer_id, abc_class="Z")

    assert "field 'abc_class'" in incident(engine, outcome)
    assert get(engine, Customer, customer_id).abc_class == AbcClass.C
