"""Integers beyond 64 bits in task data persist and come back exactly.

orjson refuses to write them and reads them back as floats; the engine must
neither fail a step nor round an account number on its way through the
instance state, the audit trail and the stored result of a request id.
"""

from __future__ import annotations

from typing import Any

from engine import Engine

from ..conftest import bundle, make_engine

WIDE = {
    "owner": "anna",
    "company": "Acme",
    "account": 2**70,
    "debt": -(2**80),
    "ids": [2**64, -(2**63) - 1, 7],
    "nested": {"limit": 2**100},
}


def _assert_exact(data: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert data[key] == value
        assert repr(data[key]) == repr(value)  # ints, not floats that compare close


def test_wide_integers_survive_start_complete_and_reload(engine: Engine) -> None:
    engine.deploy(bundle("simple.bpmn", "enter.json", "approve.json"))
    started = engine.start("simple", WIDE, request_id="wide-1")
    _assert_exact(started["data"], WIDE)
    [item] = engine.tasks(None, scope="all")
    done = engine.complete_task(item["id"], {"amount": 2**70, "note": "big"})
    _assert_exact(done["data"], {**WIDE, "amount": 2**70, "total": 2**71})

    reloaded = make_engine(engine.db.url)  # no cache of any kind: the database only
    try:
        detail = reloaded.instance(started["id"])
        _assert_exact(detail["data"], {**WIDE, "amount": 2**70, "total": 2**71})
        [start_entry] = [h for h in detail["history"] if h["action"] == "started"]
        _assert_exact(start_entry["after"], WIDE)
        [completed] = [h for h in detail["history"] if h["action"] == "task_completed"]
        _assert_exact(completed["after"], {"amount": 2**70})
        again = reloaded.start("simple", WIDE, request_id="wide-1")  # the stored result
        assert again["id"] == started["id"]
        _assert_exact(again["data"], WIDE)
        [approve] = reloaded.tasks(None, scope="all", status="open")
        assert approve["task"] == "approve"  # total > 1000 took the big branch
        final = reloaded.complete_task(approve["id"], {"approved": True})
        assert final["status"] == "completed"
        _assert_exact(final["data"], {**WIDE, "total": 2**71, "approved": True})
    finally:
        reloaded.db.dispose()
