"""Long loops stay flat; messages correlate to the waiting instance or start one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from engine import Engine, ManualClock, using_clock
from engine.models import Instance, Job

from ..conftest import bundle


def _state_size(engine: Engine, instance_id: str) -> int:
    with engine.session() as s:
        state = s.scalar(sa.select(Instance.state).where(Instance.id == uuid.UUID(instance_id)))
    return len(json.loads(state)["tasks"])


def test_loop_of_2000_turns_keeps_working_and_flat(engine: Engine) -> None:
    engine.deploy(bundle("loop.bpmn"))
    inst = engine.start("loop_test")
    sizes = []
    for turn in range(2000):
        [item] = engine.tasks(None, scope="all")
        result = engine.complete_task(item["id"], {"again": turn < 1999})
        if turn in (10, 1000, 1990):
            sizes.append(_state_size(engine, inst["id"]))
    assert result["status"] == "completed"
    assert result["data"]["count"] == 2000
    assert max(sizes) == min(sizes), f"task tree grew with history: {sizes}"


def test_reminder_timer_fires_inside_a_loop(engine: Engine) -> None:
    engine.deploy(bundle("loop.bpmn"))
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    with using_clock(clock):
        inst = engine.start("loop_test")
        for _ in range(3):
            [item] = engine.tasks(None, scope="all")
            engine.complete_task(item["id"], {"again": True})
        assert engine.fire_due_timers() == 0
        clock.advance(hours=2)
        assert engine.fire_due_timers() == 1
        assert engine.fire_due_timers() == 0
        detail = engine.instance(inst["id"])
    assert [h["action"] for h in detail["history"]].count("timer_fired") == 1
    assert [t["task"] for t in detail["active_tasks"]] == ["review"]
    assert _jobs(engine) == 0  # a fired duration timer does not re-arm
    [item] = engine.tasks(None, scope="all")
    engine.complete_task(item["id"], {"again": True})
    assert _jobs(engine) == 1  # the next turn's reminder


def _jobs(engine: Engine) -> int:
    with engine.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Job)) or 0)


def test_message_starts_then_correlates_by_case_number(engine: Engine) -> None:
    engine.deploy(bundle("reply.bpmn"))
    first = engine.send_message("new_request", {}, {"seq": 1})
    second = engine.send_message("new_request", {}, {"seq": 2})
    assert first["outcome"] == second["outcome"] == "started"
    reply = engine.send_message(
        "customer_reply", {"case_number": "CASE-2"}, {"text": "still broken"}
    )
    assert reply["outcome"] == "delivered"
    assert reply["instance"]["id"] == second["instance"]["id"]
    [item] = engine.tasks(None, scope="all")
    assert item["instance_id"] == second["instance"]["id"]
    detail = engine.instance(second["instance"]["id"])
    assert detail["data"]["text"] == "still broken"


def test_message_for_nobody_is_reported_unmatched(engine: Engine) -> None:
    engine.deploy(bundle("reply.bpmn"))
    engine.send_message("new_request", {}, {"seq": 1})
    late = engine.send_message("customer_reply", {"case_number": "CASE-404"}, {})
    assert late == {"outcome": "unmatched", "instance": None}


def test_message_payload_reaches_the_task_on_every_turn_of_a_loop(engine: Engine) -> None:
    """Each turn's payload wins over the previous turn's, which the loop still carries."""
    engine.deploy(bundle("reply_loop.bpmn"))
    inst = engine.start("reply_loop_test")
    for turn in range(5):
        sent = engine.send_message(
            "customer_note", {"case_number": "CASE-7"}, {"text": f"note {turn}", "turn": turn}
        )
        assert sent["outcome"] == "delivered"
        [item] = engine.tasks(None, scope="all")
        task = engine.task(item["id"])
        assert task["data"]["text"] == f"note {turn}"
        assert task["data"]["turn"] == turn
        engine.complete_task(item["id"], {"again": turn < 4})
    detail = engine.instance(inst["id"])
    assert detail["status"] == "completed"
    assert detail["data"]["text"] == "note 4"
