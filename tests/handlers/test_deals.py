"""crm.update_deal: stages, amounts, lost reasons and competitors, closed the same way by all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from crm.models import Competitor, Customer, Deal, DealStage
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run, written_by
from .seeds import seed_customer, seed_deal

UNCHANGED = {"stage": None, "amount": None, "lost_reason": None, "competitor": None}


def _update(engine: Engine, deal_id: int, **changes: Any) -> dict[str, Any]:
    return run(engine, "update_deal", {**UNCHANGED, "deal_id": deal_id, **changes})


def test_update_deal_wins_and_rolls_up_revenue(engine: Engine) -> None:
    customer_id = seed_customer(engine)
    seed_deal(engine, customer_id=customer_id, stage=DealStage.WON, amount=Decimal("100.00"))
    deal_id = seed_deal(engine, customer_id=customer_id, amount=Decimal("500.00"))

    outcome = _update(engine, deal_id, stage="won", amount="1250.50")

    updated = result(outcome)
    assert updated == {
        "deal_id": deal_id,
        "stage": "won",
        "amount": "1250.50",
        "probability": 100,
        "closed": True,
        "lost_reason": None,
        "competitor_id": None,
    }
    assert get(engine, Deal, deal_id).closed_at is not None
    assert get(engine, Customer, customer_id).lifetime_revenue == Decimal("1350.50")
    entry = assert_recorded(engine, outcome, Deal, deal_id, "update")
    assert entry.changes["stage"] == {"old": "prospecting", "new": "won"}
    assert entry.changes["amount"] == {"old": "500.00", "new": "1250.50"}
    assert_recorded(engine, outcome, Customer, customer_id, "update")


def test_update_deal_lost_to_a_competitor(engine: Engine) -> None:
    deal_id = seed_deal(engine, probability=60)

    outcome = _update(engine, deal_id, stage="lost", lost_reason="price", competitor="Acme")

    updated = result(outcome)
    assert (updated["stage"], updated["probability"], updated["lost_reason"]) == (
        "lost",
        0,
        "price",
    )
    [competitor] = _competitors(engine)
    assert competitor == ("Acme", updated["competitor_id"])
    assert_recorded(engine, outcome, Competitor, updated["competitor_id"], "insert")
    assert_recorded(engine, outcome, Deal, deal_id, "update")
    # the same competitor in any letter case is not recorded twice
    other = seed_deal(engine)
    result(_update(engine, other, stage="lost", lost_reason="timing", competitor="ACME"))
    assert count(engine, Competitor) == 1


def test_update_deal_lost_needs_a_reason_and_changes_nothing(engine: Engine) -> None:
    deal_id = seed_deal(engine)

    outcome = _update(engine, deal_id, stage="lost", competitor="Acme")

    assert "field 'lost_reason': required when the stage is 'lost'" in incident(engine, outcome)
    assert get(engine, Deal, deal_id).stage == DealStage.PROSPECTING
    assert written_by(engine, Deal, deal_id) == [] and count(engine, Competitor) == 0


def test_update_deal_refuses_an_unknown_stage(engine: Engine) -> None:
    deal_id = seed_deal(engine)

    outcome = _update(engine, deal_id, stage="almost")

    assert "field 'stage': Must be one of" in incident(engine, outcome)
    assert written_by(engine, Deal, deal_id) == []


def _competitors(engine: Engine) -> list[tuple[str, int]]:
    with engine.session() as session:
        return [tuple(r) for r in session.execute(sa.select(Competitor.name, Competitor.id))]
