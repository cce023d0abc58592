"""Quotes: build a commercial offer from the price list, with discounts and margin.

Prices and costs are copied onto the lines when the quote is built, so a later
price-list change does not alter an offer already sent. The result carries
the totals, the margin and the deepest discount: what the approval table
decides on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

import crm
from crm.models import (
    Contact,
    Deal,
    PriceList,
    PriceListItem,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from crm.schemas.fields import by_value, money, percent
from engine import OperatorError, StepContext

from ._params import Id, Params, bad, load, require


class LineParams(Params):
    product_id = Id(allow_none=True)
    sku = fields.String(allow_none=True, validate=validate.Length(1, 50))
    qty = fields.Decimal(places=3, load_default=Decimal("1"), validate=validate.Range(min=0))
    discount_pct = percent(allow_none=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=300))

    @validates_schema
    def _one_product(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("product_id") is None) == (data.get("sku") is None):
            raise ValidationError("give either product_id or sku", "product_id")


class BuildQuoteParams(Params):
    deal_id = Id(required=True)
    lines = fields.List(fields.Nested(LineParams), required=True, validate=validate.Length(min=1))
    price_list_id = Id(allow_none=True)
    discount_pct = percent(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True, validate=validate.Length(max=100))


def build_quote(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Create a numbered draft quote for a deal from price-list lines; return its figures.

    ``discount_pct`` applies to every line that does not give its own.
    """
    p = load(BuildQuoteParams(), params)
    session = ctx.session
    deal = require(session, Deal, p["deal_id"], "deal_id")
    price_list = _price_list(session, p.get("price_list_id"), deal.currency)
    prices = _prices(session, price_list.id)
    lines = [
        _line(session, prices, price_list, line, f"lines[{i}]", p.get("discount_pct"))
        for i, line in enumerate(p["lines"])
    ]
    quote = Quote(
        number=crm.next_quote_number(session),
        deal_id=deal.id,
        price_list_id=price_list.id,
        currency=price_list.currency,
        valid_until=p.get("valid_until"),
        owner=p.get("owner") or deal.owner,
        lines=lines,
    )
    session.add(quote)
    session.flush()
    return {**_figures(quote), **_addressee(session, deal)}


def _addressee(session: Session, deal: Deal) -> dict[str, Any]:
    """Whom the offer goes to: the deal's contact and its primary email, if it has one."""
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    emails = sorted(contact.emails, key=lambda e: not e.is_primary) if contact else []
    return {
        "deal_id": deal.id,
        "customer_id": deal.customer_id,
        "contact_id": deal.contact_id,
        "contact_email": emails[0].address if emails else None,
        "deal_owner": deal.owner,
    }


def _price_list(session: Session, price_list_id: int | None, currency: str) -> PriceList:
    """The price list asked for, else the active one in the deal's currency valid today."""
    if price_list_id is not None:
        chosen = require(session, PriceList, price_list_id, "price_list_id")
        if not chosen.active:
            raise bad("price_list_id", f"price list {chosen.name!r} is not active")
        return chosen
    today = datetime.now(UTC).date()
    found = session.scalars(
        sa.select(PriceList)
        .where(PriceList.active.is_(True), PriceList.currency == currency)
        .where(sa.or_(PriceList.valid_from.is_(None), PriceList.valid_from <= today))
        .where(sa.or_(PriceList.valid_to.is_(None), PriceList.valid_to >= today))
        .order_by(PriceList.id)
    ).first()
    if found is None:
        raise OperatorError(
            f"no active price list in {currency} is valid on {today.isoformat()}: "
            "pass price_list_id or activate one"
        )
    return found


def _prices(session: Session, price_list_id: int) -> dict[int, Decimal]:
    rows = session.execute(
        sa.select(PriceListItem.product_id, PriceListItem.price).where(
            PriceListItem.price_list_id == price_list_id
        )
    )
    return {product_id: price for product_id, price in rows}


def _line(
    session: Session,
    prices: dict[int, Decimal],
    price_list: PriceList,
    line: dict[str, Any],
    field: str,
    default_discount: Decimal | None,
) -> QuoteLine:
    product = _product(session, line, field)
    if product.id not in prices:
        raise bad(f"{field}.product_id", f"{product.sku} is not on price list {price_list.name!r}")
    discount = line.get("discount_pct")
    if discount is None:
        discount = default_discount or Decimal("0")
    return QuoteLine(
        product_id=product.id,
        description=line.get("description") or product.name,
        qty=line["qty"],
        unit_price=prices[product.id],
        discount_pct=discount,
        unit_cost=product.cost or Decimal("0.00"),
    )


def _product(session: Session, line: dict[str, Any], field: str) -> Product:
    if line.get("product_id") is not None:
        product = require(session, Product, line["product_id"], f"{field}.product_id")
    else:
        by_sku = session.scalars(sa.select(Product).where(Product.sku == line["sku"])).first()
        if by_sku is None:
            raise bad(f"{field}.sku", f"no product with sku {line['sku']!r}")
        product = by_sku
    if not product.active:
        raise bad(f"{field}.product_id", f"product {product.sku} is no longer sold")
    return product


def _figures(quote: Quote) -> dict[str, Any]:
    """Money as text (JSON has no decimals); what the approval table and the email need."""
    margin_pct = quote.margin_pct()
    return {
        "quote_id": quote.id,
        "number": quote.number,
        "currency": quote.currency,
        "valid_until": _iso(quote.valid_until),
        "subtotal": str(quote.subtotal()),
        "discount_total": str(quote.discount_total()),
        "total": str(quote.total()),
        "cost_total": str(quote.cost_total()),
        "margin": str(quote.margin()),
        "margin_pct": None if margin_pct is None else str(margin_pct),
        "max_discount_pct": str(quote.max_discount_pct()),
        "lines": [
            {
                "product_id": line.product_id,
                "qty": str(line.qty),
                "unit_price": str(line.unit_price),
                "discount_pct": str(line.discount_pct),
                "net": str(line.net()),
            }
            for line in quote.lines
        ],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


FINAL = (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.REJECTED)
DECIDED = (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)


class SetQuoteStatusParams(Params):
    quote_id = Id(required=True)
    status = by_value(QuoteStatus, required=True)
    valid_until = fields.Date(allow_none=True)
    valid_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 365))


def set_quote_status(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Move a quote along draft, approval, sent and the customer's answer.

    Accepted, declined and rejected are final: a changed offer is a new quote
    (``crm.build_quote``), so what a customer accepted can never change later.
    Sending stamps ``sent_at`` (a re-send may extend ``valid_until``, given as a
    date or as ``valid_days`` from now); the
    customer's answer stamps ``decided_at``.
    """
    p = load(SetQuoteStatusParams(), params)
    quote = require(ctx.session, Quote, p["quote_id"], "quote_id")
    status = p["status"]
    if quote.status in FINAL and status != quote.status:
        raise bad("status", f"quote {quote.number} is already {quote.status}; build a new quote")
    now = datetime.now(UTC)
    quote.status = status
    if p.get("valid_until") is not None:
        quote.valid_until = p["valid_until"]
    elif p.get("valid_days") is not None:
        quote.valid_until = (now + timedelta(days=p["valid_days"])).date()
    if status == QuoteStatus.SENT:
        quote.sent_at = now
    if status in DECIDED:
        quote.decided_at = now
    return {
        "quote_id": quote.id,
        "number": quote.number,
        "status": str(quote.status),
        "valid_until": _iso(quote.valid_until),
    }


class PriceParams(Params):
    sku = fields.String(required=True, validate=validate.Length(1, 50))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    price = money(required=True, validate=validate.Range(min=0))
    cost = money(allow_none=True, validate=validate.Range(min=0))
    unit = fields.String(load_default="pcs", validate=validate.Length(1, 20))


class SavePriceListParams(Params):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    currency = fields.String(load_default="RUB", validate=validate.Length(3, 3))
    items = fields.List(fields.Nested(PriceParams), required=True, validate=validate.Length(min=1))


def save_price_list(ctx: StepContext, **params: Any) -> dict[str, Any]:
    """Create or update a price list by name, and its products by SKU.

    Products missing from ``items`` stay on the list: retiring one is a
    decision of its own, not a side effect of a shorter upload.
    """
    p = load(SavePriceListParams(), params)
    session = ctx.session
    query = sa.select(PriceList).where(PriceList.name == p["name"])
    price_list = session.scalars(query).first() or PriceList(name=p["name"])
    price_list.currency = p["currency"]
    session.add(price_list)
    by_product = {item.product_id: item for item in price_list.items}
    for item in p["items"]:
        product = _save_product(session, item)
        entry = by_product.get(product.id) or PriceListItem(product_id=product.id)
        entry.price = item["price"]
        if entry not in price_list.items:
            price_list.items.append(entry)
    session.flush()
    return {"price_list_id": price_list.id, "name": price_list.name, "items": len(p["items"])}


def _save_product(session: Session, item: dict[str, Any]) -> Product:
    product = session.scalars(sa.select(Product).where(Product.sku == item["sku"])).first()
    if product is None:
        product = Product(sku=item["sku"])
        session.add(product)
    product.name, product.unit = item["name"], item["unit"]
    if item.get("cost") is not None:
        product.cost = item["cost"]
    session.flush()
    return product


OPERATORS = (
    ("crm.build_quote", build_quote),
    ("crm.set_quote_status", set_quote_status),
    ("crm.save_price_list", save_price_list),
)
