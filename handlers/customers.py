"""Customers: the classification that routes work (ABC class, segment, territory).

The ABC class decides a complaint's priority (``complaint_priority.dmn``) and
the segment decides which campaigns reach the customer, so changing them is a
process step like any other customer write, recorded with its task and user.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from crm.models import AbcClass, Customer
from crm.schemas.fields import by_value
from engine import StepContext

from ._params import Id, Params, load, require


class ClassifyParams(Params):
    """Left-out or null parameters leave their field as it is."""

    customer_id = Id(required=True)
    abc_class = by_value(AbcClass, allow_none=True)
    segment = fields.String(allow_none=True, validate=validate.Length(1, 50))
    territory = fields.String(allow_none=True, validate=validate.Length(1, 50))


def classify_customer(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Set the customer's ABC class, segment and territory."""
    p = load(ClassifyParams(), params)
    customer = require(ctx.session, Customer, p.pop("customer_id"), "customer_id")
    for name, value in p.items():
        if value is not None:
            setattr(customer, name, value)
    return {
        "customer_id": customer.id,
        "abc_class": str(customer.abc_class),
        "segment": customer.segment,
        "territory": customer.territory,
    }


OPERATORS = (("crm.classify_customer", classify_customer),)
