"""One event delivered five times, one after another and all at once: one of everything."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from crm.models import Interaction
from engine import Engine
from integrations.models import IntegrationAction, IntegrationEvent
from tests.integrations.conftest import count, instances_of

from .conftest import post_call

MISSED = {"event_id": "ev-missed", "type": "missed", "call_id": "call-9"}


def deliver_five(app: Flask, concurrently: bool) -> list[int]:
    def once(_: int) -> int:
        return int(post_call(app.test_client(), **MISSED).status_code)

    if not concurrently:
        return [once(i) for i in range(5)]
    with ThreadPoolExecutor(5) as pool:
        return list(pool.map(once, range(5)))


@pytest.mark.parametrize("concurrently", [False, True], ids=["sequential", "concurrent"])
def test_five_deliveries_make_one_event_one_interaction_one_action(
    app: Flask, engine: Engine, concurrently: bool
) -> None:
    statuses = deliver_five(app, concurrently)
    assert sorted(statuses) == [200, 200, 200, 200, 202]
    assert count(engine, IntegrationEvent) == 1
    assert count(engine, Interaction) == 1
    # an unknown number that was missed: one lead, one callback task, nothing twice
    assert instances_of(engine, "lead_qualification") == 1
    assert instances_of(engine, "integration_callback") == 1
    assert count(engine, IntegrationAction) == 3


def test_status_changes_of_one_call_act_once(app: Flask, engine: Engine) -> None:
    client = app.test_client()
    updates: list[dict[str, Any]] = [
        {"event_id": "a", "type": "ringing"},
        {"event_id": "b", "type": "answered"},
        {"event_id": "c", "type": "ended", "duration": 30},
    ]
    for update in updates:
        assert post_call(client, call_id="call-7", **update).status_code == 202
    assert count(engine, IntegrationEvent) == 3
    assert count(engine, Interaction) == 1
    assert instances_of(engine, "lead_qualification") == 1
