"""crm.update_lead, crm.route_lead, crm.set_quote_status, crm.save_price_list,
crm.approver_for and crm.save_employees: the operators the sales processes add."""

from __future__ import annotations

from typing import Any

from crm.models import Employee, Lead, PriceList, Product, Quote
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run
from .seeds import seed_customer, seed_deal, seed_lead, seed_price_list, seed_team

STAFF = [
    {"username": "alice", "full_name": "Alice A", "team": "sales", "manager_username": "max"},
    {"username": "max", "full_name": "Max M", "team": "managers", "manager_username": "dora"},
    {"username": "dora", "full_name": "Dora D", "team": "directors"},
]


def _lead(engine: Engine, **params: Any) -> dict[str, Any]:
    data = {"status": None, "score": None, "disqualify_reason": None, **params}
    return run(engine, "update_lead", data)


def test_update_lead_records_score_and_status(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    outcome = _lead(engine, lead_id=lead_id, score=70, status="working")

    assert result(outcome) == {
        "lead_id": lead_id,
        "status": "working",
        "score": 70,
        "disqualify_reason": None,
    }
    assert assert_recorded(engine, outcome, Lead, lead_id, "update").changes["score"] == {
        "old": None,
        "new": 70,
    }


def test_update_lead_disqualifies_only_with_a_reason_and_never_reopens(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    refused = _lead(engine, lead_id=lead_id, status="disqualified")
    assert "field 'disqualify_reason': required when the status is 'disqualified'" in incident(
        engine, refused
    )
    result(_lead(engine, lead_id=lead_id, status="disqualified", disqualify_reason="spam"))
    reopened = _lead(engine, lead_id=lead_id, status="working")
    assert "cannot be reopened" in incident(engine, reopened)
    assert "use crm.convert_lead" in incident(
        engine, _lead(engine, lead_id=seed_lead(engine), status="converted")
    )
    assert get(engine, Lead, lead_id).status == "disqualified"


def test_route_lead_prefers_the_account_owner_then_the_team(engine: Engine) -> None:
    seed_team(engine)
    customer_id = seed_customer(engine, owner="bob")
    known = seed_lead(engine, customer_id=customer_id)
    params = {"team": "sales-nw", "territory": None, "strategy": "round_robin"}

    assert result(run(engine, "route_lead", {"lead_id": known, **params}))["how"] == (
        "account_owner"
    )
    picks = [
        result(run(engine, "route_lead", {"lead_id": seed_lead(engine), **params}))["owner"]
        for _ in range(3)
    ]
    assert picks == ["alice", "bob", "alice"]  # carol is inactive
    assert get(engine, Lead, known).owner == "bob"


def test_route_lead_leaves_a_team_without_members_to_the_queue(engine: Engine) -> None:
    lead_id = seed_lead(engine)
    params = {"team": "nobody", "territory": "far", "strategy": "least_loaded"}

    routed = result(run(engine, "route_lead", {"lead_id": lead_id, **params}))

    assert (routed["owner"], routed["how"]) == (None, "queue")
    assert "Must be one of" in incident(
        engine, run(engine, "route_lead", {"lead_id": lead_id, **params, "strategy": "dice"})
    )


def _status(engine: Engine, quote_id: int, status: str, days: int | None = None) -> dict:
    return run(
        engine, "set_quote_status", {"quote_id": quote_id, "status": status, "valid_days": days}
    )


def test_set_quote_status_stamps_sending_and_the_answer_and_ends_final(engine: Engine) -> None:
    seed_price_list(engine)
    deal_id = seed_deal(engine)
    built = result(
        run(
            engine,
            "build_quote",
            {
                "deal_id": deal_id,
                "lines": [{"sku": "LIC"}],
                "discount_pct": None,
                "valid_until": None,
            },
        )
    )
    quote_id = built["quote_id"]
    assert built["deal_owner"] is None and built["contact_email"] is None

    sent = result(_status(engine, quote_id, "sent", 14))
    assert sent["status"] == "sent" and sent["valid_until"] is not None
    result(_status(engine, quote_id, "accepted"))
    quote = get(engine, Quote, quote_id)
    assert quote.sent_at is not None and quote.decided_at is not None
    assert "is already accepted; build a new quote" in incident(
        engine, _status(engine, quote_id, "declined")
    )
    assert "field 'status': Must be one of" in incident(engine, _status(engine, quote_id, "lost"))


def test_save_price_list_upserts_products_and_prices(engine: Engine) -> None:
    items = [
        {"sku": "A", "name": "Alpha", "price": "100.00", "cost": "40.00"},
        {"sku": "B", "name": "Beta", "price": "50"},
    ]
    first = result(
        run(engine, "save_price_list", {"name": "Std", "currency": "RUB", "items": items})
    )
    again = run(
        engine,
        "save_price_list",
        {"name": "Std", "currency": "RUB", "items": [{**items[0], "price": "120.00"}]},
    )

    assert result(again)["price_list_id"] == first["price_list_id"]
    assert count(engine, Product) == 2 and count(engine, PriceList) == 1
    prices = {i.product_id: str(i.price) for i in _items(engine, first["price_list_id"])}
    assert sorted(prices.values()) == ["120.00", "50.00"]
    bad = run(engine, "save_price_list", {"name": "Std", "currency": "RUB", "items": []})
    assert "field 'items': Shorter than minimum length 1" in incident(engine, bad)


def _items(engine: Engine, price_list_id: int) -> list[Any]:
    with engine.session() as session:
        price_list = session.get(PriceList, price_list_id)
        assert price_list is not None
        return list(price_list.items)


def test_save_employees_is_idempotent_and_approver_for_climbs_the_line(engine: Engine) -> None:
    assert result(run(engine, "save_employees", {"employees": STAFF}))["created"] == [
        "alice",
        "max",
        "dora",
    ]
    again = result(run(engine, "save_employees", {"employees": STAFF}))
    assert again == {"created": [], "updated": []}
    assert count(engine, Employee) == 3

    def approver(level: str) -> dict[str, Any]:
        return result(run(engine, "approver_for", {"level": level, "owner": "alice"}))

    assert approver("sales_manager") == {
        "level": "sales_manager",
        "approver": "max",
        "escalate_to": "dora",
    }
    assert approver("sales_director")["approver"] == "dora"
    assert approver("finance") == {"level": "finance", "approver": None, "escalate_to": None}
    bad = run(engine, "approver_for", {"level": "ceo", "owner": "alice"})
    assert "field 'level': Must be one of" in incident(engine, bad)
    assert "field 'employees': Shorter than minimum length 1" in incident(
        engine, run(engine, "save_employees", {"employees": []})
    )
