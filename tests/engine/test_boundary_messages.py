"""A non-interrupting message boundary event catches every message while its task is open.

SpiffWorkflow 3 fires such an event once; BPMN (and Camunda) let it fire any
number of times. The engine re-arms it; the task's end still cancels it.
"""

from __future__ import annotations

import sqlalchemy as sa

from engine import Engine
from engine.models import MessageSubscription

from ..conftest import bundle

KEY = "note_boundary_test"


def _note(engine: Engine, text: str) -> str:
    sent = engine.send_message("customer_note", {"case_number": "CASE-9"}, {"text": text})
    return str(sent["outcome"])


def _open(engine: Engine) -> list[str]:
    return sorted(t["title"] for t in engine.tasks(None, scope="all"))


def _subscriptions(engine: Engine) -> int:
    with engine.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(MessageSubscription)) or 0)


def test_each_message_runs_the_boundary_path_and_the_task_stays_open(engine: Engine) -> None:
    engine.deploy(bundle("note_boundary.bpmn"))
    instance = engine.start(KEY)
    [work] = engine.tasks(None, scope="all")

    outcomes = [_note(engine, f"note {n}") for n in range(3)]

    assert outcomes == ["delivered"] * 3
    assert _open(engine) == ["Read note 0", "Read note 1", "Read note 2", "Work the case"]
    assert work["id"] in {t["id"] for t in engine.tasks(None, scope="all")}  # not interrupted
    assert _subscriptions(engine) == 1  # one waiting event, re-armed, not one per message
    history = [h["action"] for h in engine.instance(instance["id"])["history"]]
    assert history.count("message") == 3


def test_the_end_of_the_task_cancels_the_rearmed_event(engine: Engine) -> None:
    engine.deploy(bundle("note_boundary.bpmn"))
    instance = engine.start(KEY)
    _note(engine, "early")
    work = next(t for t in engine.tasks(None, scope="all") if t["title"] == "Work the case")

    engine.complete_task(work["id"], {})

    assert _note(engine, "late") == "unmatched"
    assert _subscriptions(engine) == 0
    [read] = engine.tasks(None, scope="all")
    assert read["title"] == "Read early"
    engine.complete_task(read["id"], {})
    assert engine.instance(instance["id"])["status"] == "completed"
