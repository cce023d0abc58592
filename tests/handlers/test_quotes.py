"""crm.build_quote: lines priced from the price list, with discounts, totals and margin."""

from __future__ import annotations

from typing import Any

from crm.models import Quote, QuoteLine
from engine import Engine

from .conftest import assert_recorded, count, incident, result, run
from .seeds import seed_deal, seed_price_list


def _build(engine: Engine, deal_id: int, lines: list[dict[str, Any]], **extra: Any) -> dict:
    data = {"deal_id": deal_id, "lines": lines, "discount_pct": None, "valid_until": None}
    return run(engine, "build_quote", {**data, **extra})


def test_build_quote_prices_lines_and_sums_up(engine: Engine) -> None:
    products = seed_price_list(engine)
    deal_id = seed_deal(engine, owner="boris")
    lines = [
        {"sku": "LIC", "qty": 3, "discount_pct": "10"},
        {"product_id": products["SUP"], "qty": "2"},
    ]

    outcome = _build(engine, deal_id, lines, discount_pct="5", valid_until="2026-12-31")

    quote = result(outcome)
    assert quote["number"] == "Q-000001" and quote["currency"] == "RUB"
    assert quote["valid_until"] == "2026-12-31"
    # 3 x 1000 - 10% = 2700; 2 x 250 - 5% (quote default) = 475
    assert (quote["subtotal"], quote["discount_total"], quote["total"]) == (
        "3500.00",
        "325.00",
        "3175.00",
    )
    assert (quote["cost_total"], quote["margin"], quote["margin_pct"]) == (
        "1800.00",
        "1375.00",
        "43.31",
    )
    assert quote["max_discount_pct"] == "10.00"
    assert [line["net"] for line in quote["lines"]] == ["2700.00", "475.00"]
    entry = assert_recorded(engine, outcome, Quote, quote["quote_id"], "insert")
    assert entry.changes["owner"] == {"old": None, "new": "boris"}
    assert count(engine, QuoteLine) == 2


def test_build_quote_names_the_line_not_on_the_price_list(engine: Engine) -> None:
    seed_price_list(engine)
    deal_id = seed_deal(engine)

    outcome = _build(engine, deal_id, [{"sku": "LIC"}, {"sku": "NEW"}])

    assert "field 'lines[1].product_id': NEW is not on price list 'Standard'" in incident(
        engine, outcome
    )
    assert count(engine, Quote) == 0 and count(engine, QuoteLine) == 0


def test_build_quote_refuses_a_discount_over_100(engine: Engine) -> None:
    seed_price_list(engine)
    deal_id = seed_deal(engine)

    outcome = _build(engine, deal_id, [{"sku": "LIC", "discount_pct": 120}])

    assert "field 'lines[0].discount_pct': Must be greater than or equal to 0" in incident(
        engine, outcome
    )
    assert count(engine, Quote) == 0


def test_build_quote_needs_lines(engine: Engine) -> None:
    deal_id = seed_deal(engine)

    outcome = _build(engine, deal_id, [])

    assert "field 'lines': Shorter than minimum length 1" in incident(engine, outcome)
