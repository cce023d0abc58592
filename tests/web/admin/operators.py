"""A test operator that fails until the instance's data is fixed (for the incident tests)."""

from __future__ import annotations

from typing import Any

from engine import Engine, OperatorError, StepContext

CHARGE_BUNDLE = ("charge.bpmn",)
SCORED_BUNDLE = ("scored.bpmn", "score.dmn")


def charge_card(ctx: StepContext, card: Any = None, amount: Any = None) -> dict[str, Any]:
    """Refuses an empty card number, as a payment provider would."""
    if not card:
        raise OperatorError("the card number is empty: set card_number and retry")
    return {"charged": amount, "card": f"****{str(card)[-4:]}"}


def install(engine: Engine) -> None:
    """Register the operator on a built engine (the world's engine has the handlers already)."""
    if "test.charge_card" not in engine.operators:
        engine.operators.add("test.charge_card", charge_card)
