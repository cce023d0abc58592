"""Schemas load normalised values with clear field errors, and dump JSON-able dicts."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError

import crm
from crm.models import Quote, QuoteLine
from crm.schemas import ContactSchema, DealSchema, LeadSchema, QuoteSchema


def test_phones_and_emails_are_normalised_on_load() -> None:
    loaded = ContactSchema().load(
        {
            "customer_id": 1,
            "first_name": "Ivan",
            "phones": [{"number": "8 (912) 345-67-89"}],
            "emails": [{"address": "  Ivan.Petrov@Example.COM "}],
        }
    )
    assert loaded["phones"][0]["number"] == "+79123456789"
    assert loaded["emails"][0]["address"] == "ivan.petrov@example.com"


def test_a_bad_phone_is_named_in_the_error() -> None:
    with pytest.raises(ValidationError) as raised:
        LeadSchema().load({"phone": "+7 (912", "email": "nope"})
    assert raised.value.messages == {
        "phone": ["not a valid phone number: '+7 (912'"],
        "email": ["not a valid email address: 'nope'"],
    }


def test_range_and_unknown_field_errors() -> None:
    with pytest.raises(ValidationError) as raised:
        DealSchema().load({"customer_id": 1, "name": "X", "probability": 140, "colour": "red"})
    assert set(raised.value.messages) == {"probability", "colour"}


def test_the_model_normalises_too() -> None:
    assert crm.normalise_phone("8 912 345 67 89") == "+79123456789"
    with pytest.raises(crm.InvalidPhoneError, match=r"not a valid phone number: '\+7 \(912'"):
        crm.normalise_phone("+7 (912")


def test_quote_totals_and_margin_are_dumped_as_text() -> None:
    quote = Quote(number="Q-000001", deal_id=1, currency="RUB")
    quote.lines = [
        QuoteLine(product_id=1, qty=Decimal("3"), unit_price=Decimal("100.00"),
                  discount_pct=Decimal("10"), unit_cost=Decimal("60.00")),
        QuoteLine(product_id=2, qty=Decimal("1"), unit_price=Decimal("49.99"),
                  discount_pct=Decimal("0"), unit_cost=Decimal("20.00")),
    ]  # fmt: skip

    dumped = QuoteSchema().dump(quote)

    assert (dumped["subtotal"], dumped["discount_total"], dumped["total"]) == (
        "349.99",
        "30.00",
        "319.99",
    )
    assert (dumped["margin"], dumped["margin_pct"]) == ("119.99", "37.50")
    assert quote.max_discount_pct() == Decimal("10")


# Columns a schema leaves out on purpose: the parent's id of a nested child, a derived key.
NOT_IN_SCHEMA = {
    "ContactPhone": {"contact_id"},
    "ContactEmail": {"contact_id"},
    "QuoteLine": {"quote_id"},
    "Customer": {"name_key"},
}
NO_SCHEMA = {"Counter"}  # internal: behind case and quote numbers


@pytest.mark.parametrize(
    "model",
    sorted(
        (m.class_ for m in crm.Base.registry.mappers if m.class_.__name__ not in NO_SCHEMA),
        key=lambda model: model.__name__,
    ),
    ids=lambda model: model.__name__,
)
def test_every_model_has_a_schema_covering_its_columns(model: type[crm.Base]) -> None:
    schema = getattr(crm.schemas, f"{model.__name__}Schema", None)

    assert schema is not None, f"crm.schemas has no {model.__name__}Schema"
    columns = {prop.key for prop in sa.inspect(model).column_attrs}
    missing = columns - set(schema().fields) - NOT_IN_SCHEMA.get(model.__name__, set())
    assert not missing, f"{model.__name__}Schema lacks {sorted(missing)}"
