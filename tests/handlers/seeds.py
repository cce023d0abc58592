"""CRM rows the handler tests start from, written in a seeding step (see ``conftest.seeding``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.models import (
    Case,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Deal,
    Employee,
    Lead,
    PriceList,
    PriceListItem,
    Product,
)
from engine import Engine

from .conftest import seeding

TEAM = "sales-nw"


def seed_customer(engine: Engine, **values: Any) -> int:
    with seeding(engine) as session:
        customer = Customer(**{"name": "Vega LLC", **values})
        session.add(customer)
        session.flush()
        return customer.id


def seed_contact(
    engine: Engine,
    phone: str | None = "+79215550102",
    email: str | None = None,
    customer_id: int | None = None,
    **values: Any,
) -> tuple[int, int]:
    """A contact (and a customer unless given): ``(customer_id, contact_id)``."""
    with seeding(engine) as session:
        contact = Contact(**{"first_name": "Anna", **values})
        if customer_id is None:
            contact.customer = Customer(name="Vega LLC")
        else:
            contact.customer_id = customer_id
        if phone:
            contact.phones.append(ContactPhone(number=phone))
        if email:
            contact.emails.append(ContactEmail(address=email))
        session.add(contact)
        session.flush()
        return contact.customer_id, contact.id


def seed_lead(engine: Engine, **values: Any) -> int:
    with seeding(engine) as session:
        lead = Lead(**{"first_name": "Anna", "phone": "+79215550102", **values})
        session.add(lead)
        session.flush()
        return lead.id


def seed_deal(engine: Engine, **values: Any) -> int:
    customer_id = values.pop("customer_id", None) or seed_customer(engine)
    with seeding(engine) as session:
        deal = Deal(**{"customer_id": customer_id, "name": "Pilot", **values})
        session.add(deal)
        session.flush()
        return deal.id


def seed_case(engine: Engine, **values: Any) -> int:
    customer_id = values.pop("customer_id", None) or seed_customer(engine)
    with seeding(engine) as session:
        case = Case(
            **{"number": "CASE-900001", "customer_id": customer_id, "subject": "X", **values}
        )
        session.add(case)
        session.flush()
        return case.id


def seed_team(engine: Engine) -> None:
    """alice and bob (active) and carol (inactive) in TEAM; dave in another team."""
    with seeding(engine) as session:
        session.add_all(
            [
                Employee(username="alice", full_name="Alice A", team=TEAM),
                Employee(username="bob", full_name="Bob B", team=TEAM),
                Employee(username="carol", full_name="Carol C", team=TEAM, active=False),
                Employee(username="dave", full_name="Dave D", team="sales-south"),
            ]
        )


def seed_price_list(engine: Engine) -> dict[str, int]:
    """An active RUB list with a licence (cost 600) and support (no cost), a retired product,
    and a product not on the list; ids by sku, plus ``"list"``."""
    with seeding(engine) as session:
        licence = Product(sku="LIC", name="Licence", cost=Decimal("600.00"))
        support = Product(sku="SUP", name="Support")
        retired = Product(sku="OLD", name="Retired", active=False)
        unlisted = Product(sku="NEW", name="Not yet priced")
        prices = PriceList(
            name="Standard",
            currency="RUB",
            items=[
                PriceListItem(price=Decimal("1000.00")),
                PriceListItem(price=Decimal("250.00")),
                PriceListItem(price=Decimal("10.00")),
            ],
        )
        session.add_all([licence, support, retired, unlisted])
        session.flush()
        for item, product in zip(prices.items, (licence, support, retired), strict=True):
            item.product_id = product.id
        session.add(prices)
        session.flush()
        ids = {p.sku: p.id for p in (licence, support, retired, unlisted)}
        return {**ids, "list": prices.id}
