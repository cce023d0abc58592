"""A user task whose ``assignee`` or ``priority`` fails on the data: the API answers the step
(the instance in ``incident``), never a 500; an admin's retry with the data fixed assigns it."""

from __future__ import annotations

from flask.testing import FlaskClient

from .world import ENGINE_BPMN, World, files


def test_a_start_whose_assignee_is_missing_answers_201_with_an_incident(
    client: FlaskClient, world: World
) -> None:
    started = client.post(
        "/api/processes/simple/instances",
        json={"data": {"company": "Acme"}},  # no "owner", which the task's assignee names
        headers=world.auth("anna"),
    )
    assert started.status_code == 201
    assert started.json["status"] == "incident"
    assert "assignee expression 'owner' failed: NameError" in started.json["incident"]
    url = f"/api/instances/{started.json['id']}"
    detail = client.get(url, headers=world.auth("olga")).json
    assert detail["status"] == "incident"
    [incident] = detail["incidents"]
    assert (incident["task"], incident["message"]) == ("enter", started.json["incident"])

    retried = client.post(
        f"{url}/retry", json={"data": {"owner": "anna"}}, headers=world.auth("olga")
    )
    assert retried.status_code == 200
    assert retried.json["status"] == "running"
    mine = client.get("/api/tasks?scope=mine", headers=world.auth("anna")).json["items"]
    assert started.json["id"] in {t["instance_id"] for t in mine}


def test_a_completion_whose_next_task_has_no_number_for_priority_answers_200(
    client: FlaskClient, world: World
) -> None:
    world.engine.deploy(files(ENGINE_BPMN, "reviews.bpmn"), user="olga")
    instance = world.engine.start("reviews_test", user="anna")["id"]
    [prepare] = world.engine.instance(instance)["active_tasks"]
    data = {"lawyer": "anna", "urgency": "high", "controller": "anna"}
    done = client.post(
        f"/api/tasks/{prepare['id']}/complete", json={"data": data}, headers=world.auth("anna")
    )
    assert done.status_code == 200
    assert done.json["instance"]["status"] == "incident"
    assert done.json["instance"]["incident"] == (
        "user task 'Legal review' (review_legal): priority expression 'urgency' gave 'high',"
        " not a number from 0 to 100"
    )
