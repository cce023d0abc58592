"""Event-based gateways: every message behind one subscribes, and the winner unsubscribes the rest.

``race.bpmn`` waits for a reply (correlated by ``case_number``), a withdrawal
(by ``case_number`` and ``region``) or two hours of silence, whichever comes
first. Spiff moves those events onto the gateway; the engine must still
subscribe to both messages and arm the timer, and drop all three when one wins.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from engine import DefinitionError, Engine, ManualClock, using_clock
from engine.models import Job

from ..conftest import BPMN, bundle
from .waits import subscriptions

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
REPLY = ("race_reply", "case_number=C-1")
WITHDRAW = ("race_withdraw", "case_number=C-1&region=north")


def _jobs(engine: Engine, instance_id: str) -> list[tuple[str, datetime]]:
    with engine.session() as s:
        rows = s.execute(
            sa.select(Job.task_name, Job.due_at).where(Job.instance_id == uuid.UUID(instance_id))
        ).all()
    return [(name, due) for name, due in rows]


def _open_tasks(engine: Engine, instance_id: str) -> list[str]:
    return [t["task"] for t in engine.instance(instance_id)["active_tasks"]]


def _start_two(engine: Engine) -> tuple[str, str]:
    engine.deploy(bundle("race.bpmn"))
    first = engine.start("race_test", {"case_number": "C-1", "region": "north"})
    second = engine.start("race_test", {"case_number": "C-2", "region": "south"})
    return first["id"], second["id"]


def test_messages_behind_the_gateway_subscribe_and_the_winner_unsubscribes_the_rest(
    engine: Engine,
) -> None:
    with using_clock(ManualClock(T0)):
        first, second = _start_two(engine)
        assert subscriptions(engine, first) == {REPLY, WITHDRAW}
        assert _jobs(engine, first) == [("wait_silence", T0 + timedelta(hours=2))]

        reply = engine.send_message("race_reply", {"case_number": "C-1"}, {"text": "fixed, thanks"})
    assert reply["outcome"] == "delivered"
    assert reply["instance"]["id"] == first
    assert subscriptions(engine, first) == set()  # the withdrawal lost the race
    assert _jobs(engine, first) == []  # and so did the silence timer
    assert _open_tasks(engine, first) == ["read_reply"]
    assert engine.instance(first)["data"]["text"] == "fixed, thanks"
    withdraw = engine.send_message("race_withdraw", {"case_number": "C-1", "region": "north"})
    assert withdraw["outcome"] == "unmatched"
    # the other instance still waits for all three
    assert subscriptions(engine, second) == {
        ("race_reply", "case_number=C-2"),
        ("race_withdraw", "case_number=C-2&region=south"),
    }
    assert len(_jobs(engine, second)) == 1


def test_correlation_keys_of_each_branch_are_honoured(engine: Engine) -> None:
    first, second = _start_two(engine)
    wrong_region = engine.send_message("race_withdraw", {"case_number": "C-2", "region": "north"})
    assert wrong_region["outcome"] == "unmatched"
    no_region = engine.send_message("race_withdraw", {"case_number": "C-2"})
    assert no_region["outcome"] == "unmatched"  # the branch correlates on both keys
    withdrawn = engine.send_message("race_withdraw", {"case_number": "C-2", "region": "south"})
    assert withdrawn["outcome"] == "delivered"
    assert withdrawn["instance"]["id"] == second
    assert withdrawn["instance"]["status"] == "completed"
    assert subscriptions(engine, second) == set()
    assert _jobs(engine, second) == []
    assert subscriptions(engine, first) == {REPLY, WITHDRAW}
    assert engine.instance(first)["status"] == "running"


def test_the_timer_winning_removes_bothsubscriptions(engine: Engine) -> None:
    clock = ManualClock(T0)
    with using_clock(clock):
        first, second = _start_two(engine)
        clock.advance(hours=2)  # exactly the due time
        assert engine.fire_due_timers() == 2
        assert engine.fire_due_timers() == 0
    for instance_id in (first, second):
        assert subscriptions(engine, instance_id) == set()
        assert _jobs(engine, instance_id) == []
        assert _open_tasks(engine, instance_id) == ["chase"]
        history = [h["action"] for h in engine.instance(instance_id)["history"]]
        assert history.count("timer_fired") == 1
    late = engine.send_message("race_reply", {"case_number": "C-1"}, {"text": "too late"})
    assert late["outcome"] == "unmatched"


_WITHDRAW_EVENT = '<bpmn:messageEventDefinition messageRef="msg_withdraw" />'
_SILENCE_TIMER = '<bpmn:timeDuration>"PT2H"</bpmn:timeDuration>'


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (  # Spiff keeps one due time per waiting task: two timers would share it
            _WITHDRAW_EVENT,
            '<bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition>",
            "one timer only",
        ),
        (  # Spiff never arms a cycle behind a gateway: it would wait for ever
            _SILENCE_TIMER,
            '<bpmn:timeCycle>"R3/PT1H"</bpmn:timeCycle>',
            "cycle timer never fires",
        ),
    ],
    ids=["two-timers", "cycle-timer"],
)
def test_a_gateway_that_cannot_run_is_refused_at_deploy(
    engine: Engine, old: str, new: str, problem: str
) -> None:
    text = (BPMN / "race.bpmn").read_text()
    assert old in text
    with pytest.raises(DefinitionError, match=problem) as caught:
        engine.deploy({"race.bpmn": text.replace(old, new)})
    assert "element 'race'" in str(caught.value)
    assert engine.processes() == []
