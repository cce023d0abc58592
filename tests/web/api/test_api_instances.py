"""Instances over the API: read by participants, operated by admins."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from .world import World


def test_participants_read_an_instance(client: FlaskClient, world: World) -> None:
    response = client.get(f"/api/instances/{world.call_instance}", headers=world.auth("anna"))
    assert response.status_code == 200
    body = response.json
    assert (body["process"], body["status"], body["started_by"]) == (
        "customer_call",
        "running",
        "anna",
    )
    assert [t["id"] for t in body["active_tasks"]] == [world.call_task]
    assert next(h["action"] for h in body["history"]) == "started"
    assert body["incidents"] == []
    assert body["version"]


def test_outsiders_get_403_unknown_404(client: FlaskClient, world: World) -> None:
    url = f"/api/instances/{world.call_instance}"
    assert client.get(url, headers=world.auth("gleb")).status_code == 403
    assert client.get(url, headers=world.auth("olga")).status_code == 200
    missing = client.get(f"/api/instances/{uuid.uuid4()}", headers=world.auth("olga"))
    assert missing.status_code == 404


def test_admin_suspends_and_resumes(client: FlaskClient, world: World) -> None:
    base = f"/api/instances/{world.call_instance}"
    suspended = client.post(f"{base}/suspend", headers=world.auth("olga"))
    assert suspended.status_code == 200
    assert suspended.json["status"] == "suspended"
    # a suspended instance's task cannot be completed
    complete = client.post(
        f"/api/tasks/{world.call_task}/complete",
        json={"data": {"outcome": "reached"}},
        headers=world.auth("anna"),
    )
    assert complete.status_code == 409
    resumed = client.post(f"{base}/resume", headers=world.auth("olga"))
    assert resumed.json["status"] == "running"
    again = client.post(f"{base}/resume", headers=world.auth("olga"))
    assert again.status_code == 409


def test_admin_cancels(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/api/instances/{world.call_instance}/cancel", headers=world.auth("olga")
    )
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    tasks = client.get("/api/tasks?scope=group", headers=world.auth("anna")).json["items"]
    assert world.call_task not in {t["id"] for t in tasks}


def test_retry_with_corrected_data_clears_the_incident(client: FlaskClient, world: World) -> None:
    base = f"/api/instances/{world.incident_instance}"
    before = client.get(base, headers=world.auth("olga")).json
    assert before["status"] == "incident"
    assert before["incidents"][0]["line_number"] == 1
    retried = client.post(
        f"{base}/retry", json={"data": {"divisor": 2}}, headers=world.auth("olga")
    )
    assert retried.status_code == 200
    assert retried.json["status"] == "running"
    assert retried.json["data"]["ratio"] == 5
    [task] = client.get("/api/tasks?scope=group", headers=world.auth("gleb")).json["items"]
    assert task["task"] == "check"


def test_retry_without_an_incident_is_409(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/api/instances/{world.call_instance}/retry", json={}, headers=world.auth("olga")
    )
    assert response.status_code == 409


def test_only_admins_operate(client: FlaskClient, world: World) -> None:
    for action in ("suspend", "resume", "cancel", "retry"):
        for user in ("anna", "boris", "dina"):
            response = client.post(
                f"/api/instances/{world.incident_instance}/{action}",
                json={},
                headers=world.auth(user),
            )
            assert response.status_code == 403, (action, user)


def test_cancelling_twice_is_409(client: FlaskClient, world: World) -> None:
    url = f"/api/instances/{world.call_instance}/cancel"
    assert client.post(url, headers=world.auth("olga")).status_code == 200
    again = client.post(url, headers=world.auth("olga"))
    assert again.status_code == 409
    assert again.json["error"] == "conflict"


@pytest.mark.parametrize("action", ["suspend", "resume", "cancel", "retry"])
def test_operating_an_unknown_instance_is_404(
    client: FlaskClient, world: World, action: str
) -> None:
    response = client.post(
        f"/api/instances/{uuid.uuid4()}/{action}", json={}, headers=world.auth("olga")
    )
    assert response.status_code == 404
