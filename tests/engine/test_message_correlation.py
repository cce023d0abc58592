"""Several catches of one message in one instance: each waits on its own correlation keys.

Correlation keys belong to the catch, not to the message: parallel branches,
or a boundary event and a receive task, may wait for the same message on
different keys (or the same key with different values). A message reaches the
one catch it correlates with, and no other.
"""

from __future__ import annotations

from engine import Engine

from ..conftest import bundle
from .waits import subscriptions

NOTE = "customer_note"


def _titles(engine: Engine, instance_id: str) -> list[str]:
    return sorted(t["title"] for t in engine.instance(instance_id)["active_tasks"])


def _note(engine: Engine, correlation: dict[str, str], text: str) -> dict[str, object]:
    return engine.send_message(NOTE, correlation, {"text": text})


def test_parallel_catches_of_one_message_are_correlated_independently(engine: Engine) -> None:
    engine.deploy(bundle("two_catches.bpmn"))
    first = engine.start("two_catches_test", {"case_number": "C-1", "order_id": "O-1"})["id"]
    second = engine.start("two_catches_test", {"case_number": "C-2", "order_id": "O-2"})["id"]
    waits = {(NOTE, "ref=C-1/A"), (NOTE, "ref=C-1/B"), (NOTE, "order_id=O-1")}
    assert subscriptions(engine, first) == waits

    to_b = _note(engine, {"ref": "C-1/B"}, "for B")
    assert to_b["outcome"] == "delivered"
    assert to_b["instance"]["id"] == first  # type: ignore[index]
    assert _titles(engine, first) == ["B: for B"]  # A and the order still wait
    assert subscriptions(engine, first) == waits - {(NOTE, "ref=C-1/B")}
    assert _note(engine, {"ref": "C-1/B"}, "again")["outcome"] == "unmatched"

    assert _note(engine, {"order_id": "O-1"}, "for the order")["outcome"] == "delivered"
    assert _titles(engine, first) == ["B: for B", "Order: for the order"]
    assert _note(engine, {"ref": "C-1/A"}, "for A")["outcome"] == "delivered"
    assert _titles(engine, first) == ["A: for A", "B: for B", "Order: for the order"]
    assert subscriptions(engine, first) == set()

    # the other instance saw none of it
    assert _titles(engine, second) == []
    assert subscriptions(engine, second) == {
        (NOTE, "ref=C-2/A"),
        (NOTE, "ref=C-2/B"),
        (NOTE, "order_id=O-2"),
    }
    for task in engine.instance(first)["active_tasks"]:
        engine.complete_task(task["id"], {})
    assert engine.instance(first)["status"] == "completed"


def test_a_boundary_event_and_a_receive_task_each_take_their_own_messages(
    engine: Engine,
) -> None:
    engine.deploy(bundle("note_or_contact.bpmn"))
    data = {"case_number": "CASE-9", "contact_id": "P-5"}
    instance = engine.start("note_or_contact_test", data)["id"]
    assert subscriptions(engine, instance) == {
        (NOTE, "case_number=CASE-9"),
        (NOTE, "contact_id=P-5"),
    }
    both = _note(engine, data, "matches neither catch")  # keys of no single catch
    assert both["outcome"] == "unmatched"

    assert _note(engine, {"contact_id": "P-5"}, "hi")["outcome"] == "delivered"
    assert _titles(engine, instance) == ["Call back: hi", "Work the case"]  # the boundary waits
    assert subscriptions(engine, instance) == {(NOTE, "case_number=CASE-9")}

    assert _note(engine, {"case_number": "CASE-9"}, "note 1")["outcome"] == "delivered"
    assert _titles(engine, instance) == ["Call back: hi", "Read note 1", "Work the case"]
    assert _note(engine, {"contact_id": "P-5"}, "late")["outcome"] == "unmatched"
    assert _note(engine, {"case_number": "CASE-9"}, "note 2")["outcome"] == "delivered"
    assert _titles(engine, instance) == [
        "Call back: hi",
        "Read note 1",
        "Read note 2",
        "Work the case",
    ]
