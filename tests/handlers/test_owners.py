"""crm.assign_owner: named owners are checked, routed ones are the least loaded or next in turn."""

from __future__ import annotations

from typing import Any

from crm.models import Deal, Lead, LeadStatus
from engine import Engine

from .conftest import assert_recorded, get, incident, result, run, written_by
from .seeds import TEAM, seed_deal, seed_lead, seed_team


def _route(engine: Engine, record_id: int, strategy: str, entity: str = "lead") -> dict[str, Any]:
    data = {"entity": entity, "record_id": record_id, "team": TEAM, "strategy": strategy}
    return run(engine, "assign_owner", data)


def test_assign_owner_routes_to_the_least_loaded_active_member(engine: Engine) -> None:
    seed_team(engine)
    for _ in range(2):
        seed_lead(engine, owner="alice")
    seed_lead(engine, owner="bob")
    for _ in range(3):
        seed_lead(engine, owner="bob", status=LeadStatus.CONVERTED)  # closed: no load
    lead_id = seed_lead(engine)

    outcome = _route(engine, lead_id, "least_loaded")

    assigned = result(outcome)
    assert (assigned["owner"], assigned["previous_owner"], assigned["how"]) == (
        "bob",
        None,
        "least_loaded",
    )
    assert get(engine, Lead, lead_id).owner == "bob"
    entry = assert_recorded(engine, outcome, Lead, lead_id, "update")
    assert entry.changes == {"owner": {"old": None, "new": "bob"}}


def test_assign_owner_round_robin_takes_turns(engine: Engine) -> None:
    seed_team(engine)
    leads = [seed_lead(engine) for _ in range(3)]

    owners = [result(_route(engine, lead, "round_robin"))["owner"] for lead in leads]

    assert owners == ["alice", "bob", "alice"]


def test_assign_owner_sets_a_named_owner_on_a_deal(engine: Engine) -> None:
    seed_team(engine)
    deal_id = seed_deal(engine, owner="alice")

    outcome = run(
        engine, "assign_named_owner", {"entity": "deal", "record_id": deal_id, "owner": "dave"}
    )

    assert result(outcome)["previous_owner"] == "alice"
    assert get(engine, Deal, deal_id).owner == "dave"
    assert_recorded(engine, outcome, Deal, deal_id, "update")


def test_assign_owner_refuses_an_inactive_employee(engine: Engine) -> None:
    seed_team(engine)
    lead_id = seed_lead(engine, owner="alice")

    outcome = run(
        engine, "assign_named_owner", {"entity": "lead", "record_id": lead_id, "owner": "carol"}
    )

    assert "field 'owner': employee 'carol' is not active" in incident(engine, outcome)
    assert get(engine, Lead, lead_id).owner == "alice"
    assert written_by(engine, Lead, lead_id) == []


def test_assign_owner_refuses_an_unknown_entity(engine: Engine) -> None:
    outcome = _route(engine, 1, "least_loaded", entity="invoice")

    assert "field 'entity': Must be one of: case, customer, deal, lead" in incident(engine, outcome)


def test_assign_owner_says_when_nobody_can_take_it(engine: Engine) -> None:
    lead_id = seed_lead(engine)

    outcome = _route(engine, lead_id, "least_loaded")

    assert "no active employee in team 'sales-nw'" in incident(engine, outcome)
    assert get(engine, Lead, lead_id).owner is None
