"""A parallel join whose branches arrive in separate steps fires once the last one arrives.

Each branch reaching a join adds a join task and cancels the one that waited;
the gateway counts arrived branches from those cancelled twins. The engine's
pruning must keep them while the join waits (a third branch used to wait for
ever) and drop them once it fired, so that a loop around the join stays flat.
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from engine import Engine
from engine.models import Instance

from ..conftest import bundle

TURNS = 40


def _state_size(engine: Engine, instance_id: str) -> int:
    with engine.session() as s:
        state = s.scalar(sa.select(Instance.state).where(Instance.id == uuid.UUID(instance_id)))
    return len(json.loads(state)["tasks"])


def test_a_three_way_join_fires_when_the_last_branch_arrives_turn_after_turn(
    engine: Engine,
) -> None:
    engine.deploy(bundle("three_way.bpmn"))
    instance = engine.start("three_way_test")["id"]
    sizes = []
    for turn in range(TURNS):
        tasks = engine.instance(instance)["active_tasks"]
        assert sorted(t["task"] for t in tasks) == ["task_a", "task_b", "task_c"], turn
        for task in tasks:  # one step per branch
            result = engine.complete_task(task["id"], {"again": turn < TURNS - 1})
        if turn in (5, TURNS - 5):
            sizes.append(_state_size(engine, instance))
    assert result["status"] == "completed"
    assert sizes[0] == sizes[1], f"task tree grew with history: {sizes}"
