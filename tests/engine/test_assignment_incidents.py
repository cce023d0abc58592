"""A user task's ``assignee``/``priority`` failing on the data is an incident, not an error.

The expressions run when the task becomes ready, over its data: a missing
variable or a priority that is no number stops that task (in ERROR, out of the
inbox) with an incident naming the task and the expression. The rest of the
step commits; a retry with corrected data assigns the task, a skip passes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, InstanceNotActive

from ..conftest import bundle

REVIEWS = "reviews_test"


def _simple(engine: Engine, assignee: str = "owner") -> None:
    files = bundle("simple.bpmn", "enter.json", "approve.json")
    text = files["simple.bpmn"]
    assert 'name="assignee" value="owner"' in text
    assignee = assignee.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    files["simple.bpmn"] = text.replace('value="owner"', f'value="{assignee}"')
    engine.deploy(files)


def _open(engine: Engine) -> dict[str, dict[str, Any]]:
    return {t["task"]: t for t in engine.tasks(None, scope="all")}


def _incidents(engine: Engine, instance_id: str) -> list[dict[str, Any]]:
    return list(engine.instance(instance_id)["incidents"])


@pytest.mark.parametrize(
    ("assignee", "error"),
    [
        ("owner", "NameError: name 'owner' is not defined"),
        ("company.missing", "AttributeError"),
        ("__import__('os')", "import"),
    ],
    ids=["missing-variable", "bad-attribute", "sandbox"],
)
def test_an_assignee_failing_at_start_is_an_incident_on_the_task(
    engine: Engine, assignee: str, error: str
) -> None:
    _simple(engine, assignee)
    started = engine.start("simple", {"company": "Acme"})
    assert started["status"] == "incident"
    assert started["incident"].startswith(
        f"user task 'Enter amount for Acme' (enter): assignee expression {assignee!r} failed: "
    )
    assert error in started["incident"]
    detail = engine.instance(started["id"])
    assert detail["status"] == "incident"
    [incident] = detail["incidents"]
    assert (incident["task"], incident["error_type"]) == ("enter", _error_type(assignee))
    assert incident["message"] == started["incident"]
    assert detail["tasks"] == []  # nobody got a task that could not be assigned
    assert [h["action"] for h in detail["history"]] == ["started", "incident"]


def _error_type(assignee: str) -> str:
    return "SandboxViolation" if "import" in assignee else "ScriptError"


def test_a_retry_with_the_missing_data_assigns_the_task(engine: Engine) -> None:
    _simple(engine)
    started = engine.start("simple", {"company": "Acme"})
    fixed = engine.retry(started["id"], user="olga", data={"owner": "anna"})
    assert fixed["status"] == "running"
    [item] = engine.tasks("anna")
    assert (item["task"], item["assignee"], item["priority"]) == ("enter", "anna", 70)
    assert item["due_at"] is not None  # dueIn ran too
    [incident] = _incidents(engine, started["id"])
    assert incident["resolution"] == "retried"
    done = engine.complete_task(item["id"], {"amount": 10}, user="anna")
    assert done["status"] == "completed"


def test_a_failing_assignee_on_completion_keeps_the_rest_of_the_step(engine: Engine) -> None:
    engine.deploy(bundle("reviews.bpmn"))
    instance = engine.start(REVIEWS)["id"]
    prepare = _open(engine)["prepare"]
    done = engine.complete_task(prepare["id"], {"lawyer": "lena", "urgency": 80}, user="boris")
    assert done["status"] == "incident"
    assert done["incident"] == (
        "user task 'Finance review' (review_finance): assignee expression 'controller' failed: "
        "NameError: name 'controller' is not defined (line 1: controller)"
    )
    detail = engine.instance(instance)
    by_task = {t["task"]: t for t in detail["tasks"]}
    assert (by_task["prepare"]["status"], by_task["prepare"]["completed_by"]) == ("done", "boris")
    legal = by_task["review_legal"]  # the other branch's task was assigned as usual
    assert (legal["status"], legal["assignee"], legal["priority"]) == ("open", "lena", 80)
    assert "review_finance" not in by_task
    [incident] = detail["incidents"]
    assert incident["task"] == "review_finance"
    assert [h["action"] for h in detail["history"]][-2:] == ["task_completed", "incident"]
    with pytest.raises(InstanceNotActive, match="incident"):
        engine.complete_task(legal["id"], {}, user="lena")

    fixed = engine.retry(instance, user="olga", data={"controller": "carl"})
    assert fixed["status"] == "running"
    finance = _open(engine)["review_finance"]
    assert (finance["assignee"], finance["priority"]) == ("carl", 50)
    engine.complete_task(legal["id"], {}, user="lena")
    assert engine.complete_task(finance["id"], {}, user="carl")["status"] == "completed"


def test_a_priority_that_is_no_number_is_an_incident(engine: Engine) -> None:
    engine.deploy(bundle("reviews.bpmn"))
    instance = engine.start(REVIEWS)["id"]
    data = {"lawyer": "lena", "urgency": "high", "controller": "carl"}
    done = engine.complete_task(_open(engine)["prepare"]["id"], data)
    assert done["incident"] == (
        "user task 'Legal review' (review_legal): priority expression 'urgency' gave 'high',"
        " not a number from 0 to 100"
    )
    assert set(_open(engine)) == {"review_finance"}
    engine.retry(instance, user="olga", data={"urgency": 90})
    assert _open(engine)["review_legal"]["priority"] == 90


def test_two_tasks_failing_in_one_step_are_two_incidents_retried_one_by_one(
    engine: Engine,
) -> None:
    engine.deploy(bundle("reviews.bpmn"))
    instance = engine.start(REVIEWS)["id"]
    done = engine.complete_task(_open(engine)["prepare"]["id"], {})
    assert done["status"] == "incident"
    assert sorted(i["task"] for i in _incidents(engine, instance)) == [
        "review_finance",
        "review_legal",
    ]
    assert _open(engine) == {}
    fix = {"lawyer": "lena", "urgency": 5, "controller": "carl"}
    first = engine.retry(instance, user="olga", data=fix)
    assert first["status"] == "incident"  # the other task still waits for an operator
    assert len(_open(engine)) == 1
    second = engine.retry(instance, user="olga", data=fix)
    assert second["status"] == "running"
    assert {t: i["assignee"] for t, i in _open(engine).items()} == {
        "review_legal": "lena",
        "review_finance": "carl",
    }
    assert [i["resolution"] for i in _incidents(engine, instance)] == ["retried", "retried"]


def test_skipping_the_task_moves_on_without_it(engine: Engine) -> None:
    engine.deploy(bundle("reviews.bpmn"))
    instance = engine.start(REVIEWS)["id"]
    engine.complete_task(_open(engine)["prepare"]["id"], {"lawyer": "lena", "urgency": 1})
    skipped = engine.skip(instance, user="olga")
    assert skipped["status"] == "running"
    assert set(_open(engine)) == {"review_legal"}
    assert engine.complete_task(_open(engine)["review_legal"]["id"], {})["status"] == "completed"
    history = [h["action"] for h in engine.instance(instance)["history"]]
    assert "skipped" in history
