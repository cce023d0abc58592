"""The journal: failures retried then shown, replay after a fix, racing workers act once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from engine import Engine
from integrations import Integrations, parse_generic
from integrations.models import EventStatus
from integrations.rules import override

from .conftest import claims, events, instances_of


def unknown_caller(call_id: str = "c1") -> bytes:
    return json.dumps(
        {"event_id": f"ev-{call_id}", "type": "ringing", "call_id": call_id, "from": "+79001112233"}
    ).encode()


def test_a_failing_event_is_retried_then_failed_visibly_and_replays_after_the_fix(
    service: Integrations, engine: Engine
) -> None:
    service.rules = override(service.rules, {"unknown_caller": {"process": "no_such_process"}})
    event_id, created = service.ingest(parse_generic(unknown_caller()))
    assert created
    [failed] = service.failed()
    assert failed["id"] == event_id and failed["status"] == EventStatus.FAILED
    assert failed["attempts"] == 3
    assert "no_such_process" in failed["error"]
    assert claims(engine) == {}  # a failed action leaves no claim behind

    service.rules = override(service.rules, {"unknown_caller": {"process": "lead_qualification"}})
    service.replay(event_id)
    [event] = events(engine)
    assert event.status == EventStatus.PROCESSED
    assert instances_of(engine, "lead_qualification") == 1
    assert service.failed() == []
    service.replay(event_id)  # replaying a processed event does no action twice
    assert instances_of(engine, "lead_qualification") == 1


def test_workers_racing_on_one_event_start_one_process(
    service: Integrations, engine: Engine
) -> None:
    service.dispatch = lambda _event_id: True  # journal only; the "workers" below process
    event_id, _ = service.ingest(parse_generic(unknown_caller()))
    service.ensure_processes()
    with ThreadPoolExecutor(5) as pool:
        list(pool.map(lambda _: service.process(event_id), range(5)))
    assert instances_of(engine, "lead_qualification") == 1
    assert events(engine)[0].status == EventStatus.PROCESSED


def test_the_sweeper_processes_what_was_journaled_but_never_handed_on(
    service: Integrations, engine: Engine
) -> None:
    service.dispatch = lambda _event_id: False  # the broker refused every hand-over
    for n in range(3):
        service.ingest(parse_generic(unknown_caller(f"c{n}")))
    assert [e.status for e in events(engine)] == [EventStatus.RECEIVED] * 3
    service.dispatch = None  # processing in-process again
    assert service.sweep(older_than=3600) == 0  # too young: their own tasks may still come
    assert service.sweep(older_than=0) == 3
    assert [e.status for e in events(engine)] == [EventStatus.PROCESSED] * 3
    assert instances_of(engine, "lead_qualification") == 3
