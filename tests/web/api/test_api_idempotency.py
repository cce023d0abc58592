"""The ``Idempotency-Key`` header: a retried start, completion or message acts once and answers
what the first answered; keys are per user; a malformed key is a 400, a key reused for another
kind of request or another body a 409."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from engine.models import Instance
from web.api.idempotency import request_id

from .world import World

START = "/api/processes/simple/instances"


def keyed(world: World, user: str, key: str) -> dict[str, str]:
    return {**world.auth(user), "Idempotency-Key": key}


def instances(world: World, process: str) -> int:
    with world.engine.session() as session:
        query = sa.select(sa.func.count()).select_from(Instance)
        return int(session.scalar(query.where(Instance.process_key == process)) or 0)


def history(client: FlaskClient, world: World, instance_id: str, action: str) -> int:
    detail = client.get(f"/api/instances/{instance_id}", headers=world.auth("olga")).json
    return sum(1 for entry in detail["history"] if entry["action"] == action)


def start(client: FlaskClient, world: World, user: str, key: str, company: str) -> TestResponse:
    body = {"data": {"company": company, "owner": "anna"}}
    return client.post(START, json=body, headers=keyed(world, user, key))


def test_a_repeated_start_starts_one_instance_and_answers_the_same(
    client: FlaskClient, world: World
) -> None:
    before = instances(world, "simple")
    first = start(client, world, "anna", "start-1", "Orion")
    again = start(client, world, "anna", "start-1", "Orion")  # a retry
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data
    assert first.json["data"]["company"] == "Orion"
    assert instances(world, "simple") == before + 1
    other = start(client, world, "anna", "start-2", "Sirius")
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    assert instances(world, "simple") == before + 2


def test_a_repeated_completion_is_200_twice_and_completes_once(
    client: FlaskClient, world: World
) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    headers = keyed(world, "anna", "done-1")
    first = client.post(url, json={"data": {"amount": 2000}}, headers=headers)
    again = client.post(url, json={"data": {"amount": 2000}}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.data == first.data
    assert first.json["instance"]["data"]["total"] == 4000
    assert history(client, world, world.enter_instance, "task_completed") == 1
    unkeyed = client.post(url, json={"data": {"amount": 2000}}, headers=world.auth("anna"))
    assert unkeyed.status_code == 409  # without the key a repeat is the usual conflict


def test_a_rejected_request_stores_nothing_so_the_fixed_retry_with_its_key_runs(
    client: FlaskClient, world: World
) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    headers = keyed(world, "anna", "fix-1")
    wrong = client.post(url, json={"data": {"amount": -5}}, headers=headers)
    assert wrong.status_code == 422
    fixed = client.post(url, json={"data": {"amount": 5}}, headers=headers)
    assert fixed.status_code == 200
    assert fixed.json["instance"]["data"]["total"] == 10


def test_a_repeated_message_is_delivered_once(client: FlaskClient, world: World) -> None:
    headers = keyed(world, "olga", "msg-start")
    body = {"payload": {"seq": 7}}
    started = client.post("/api/messages/new_request", json=body, headers=headers)
    again = client.post("/api/messages/new_request", json=body, headers=headers)
    assert started.status_code == again.status_code == 200
    assert started.json["outcome"] == "started" and again.data == started.data
    assert instances(world, "reply_test") == 1
    reply = {"correlation": {"case_number": "CASE-7"}, "payload": {"text": "still broken"}}
    headers = keyed(world, "olga", "msg-reply")
    delivered = client.post("/api/messages/customer_reply", json=reply, headers=headers)
    repeat = client.post("/api/messages/customer_reply", json=reply, headers=headers)
    assert delivered.status_code == repeat.status_code == 200
    assert delivered.json["outcome"] == "delivered" and repeat.data == delivered.data
    instance_id = started.json["instance"]["id"]
    assert history(client, world, instance_id, "message") == 1
    # without a key the instance, no longer waiting, does not take the message again
    unkeyed = client.post("/api/messages/customer_reply", json=reply, headers=world.auth("olga"))
    assert unkeyed.status_code == 404


def test_a_repeated_message_nobody_waits_for_is_404_both_times(
    client: FlaskClient, world: World
) -> None:
    reply = {"correlation": {"case_number": "CASE-404"}}
    headers = keyed(world, "olga", "msg-nobody")
    first = client.post("/api/messages/customer_reply", json=reply, headers=headers)
    again = client.post("/api/messages/customer_reply", json=reply, headers=headers)
    assert first.status_code == again.status_code == 404
    assert again.data == first.data


def test_two_users_with_the_same_key_do_not_collide(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    done = client.post(url, json={"data": {"amount": 1}}, headers=keyed(world, "anna", "shared"))
    assert done.status_code == 200
    olga = start(client, world, "olga", "shared", "Vega")  # anna's key named a completion
    boris = start(client, world, "boris", "shared", "Lyra")
    assert (olga.status_code, boris.status_code) == (201, 201)
    assert len({olga.json["id"], boris.json["id"], world.enter_instance}) == 3
    assert (olga.json["data"]["company"], boris.json["data"]["company"]) == ("Vega", "Lyra")
    assert start(client, world, "olga", "shared", "Vega").data == olga.data


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("", "must be 1 to 200 characters long"),
        ("k" * 201, "must be 1 to 200 characters long"),
        ("clé", "must hold only printable ASCII characters (space to ~)"),
        ("tab\there", "must hold only printable ASCII characters (space to ~)"),
    ],
)
def test_a_malformed_key_is_400_naming_the_header(
    client: FlaskClient, world: World, key: str, error: str
) -> None:
    before = instances(world, "simple")
    response = start(client, world, "anna", key, "Orion")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert response.json["errors"] == {"headers": {"Idempotency-Key": [error]}}
    assert response.json["message"] == f"invalid request: Idempotency-Key (headers): {error}"
    assert instances(world, "simple") == before


def test_the_longest_key_is_accepted_and_acts_once(client: FlaskClient, world: World) -> None:
    key = "~" * 200  # with the user's name it exceeds the engine's 200, so it is hashed
    first = start(client, world, "olga", key, "Orion")
    again = start(client, world, "olga", key, "Orion")
    assert first.status_code == 201 and again.data == first.data


def test_a_key_reused_for_another_kind_of_request_is_409(client: FlaskClient, world: World) -> None:
    assert start(client, world, "anna", "reused", "Orion").status_code == 201
    url = f"/api/tasks/{world.enter_task}/complete"
    response = client.post(
        url, json={"data": {"amount": 1}}, headers=keyed(world, "anna", "reused")
    )
    assert response.status_code == 409
    assert response.json["error"] == "conflict"
    assert response.json["message"].startswith(
        "Idempotency-Key 'reused' was already used for a different kind of request"
    )
    assert response.json["errors"] == {
        "headers": {"Idempotency-Key": ["already used for a different kind of request"]}
    }
    task = client.get(f"/api/tasks/{world.enter_task}", headers=world.auth("anna")).json
    assert task["status"] == "open"  # the completion did not happen
    body = {"payload": {"seq": 9}}
    message = client.post("/api/messages/new_request", json=body, headers=keyed(world, "olga", "m"))
    assert message.status_code == 200
    assert start(client, world, "olga", "m", "Orion").status_code == 409  # a message, not a start


def test_a_key_reused_with_another_body_is_409_and_does_nothing(
    client: FlaskClient, world: World
) -> None:
    before = instances(world, "simple")
    first = start(client, world, "anna", "body-1", "Orion")
    other = start(client, world, "anna", "body-1", "Sirius")  # not a retry: another request
    assert (first.status_code, other.status_code) == (201, 409)
    assert other.json["error"] == "conflict"
    assert other.json["message"] == (
        "Idempotency-Key 'body-1' was already used for a request with another body;"
        " send a new key with each new request"
    )
    assert other.json["errors"] == {
        "headers": {"Idempotency-Key": ["already used for a request with another body"]}
    }
    assert instances(world, "simple") == before + 1
    assert start(client, world, "anna", "body-1", "Orion").data == first.data  # a true retry


def test_a_conflict_that_is_not_about_the_key_keeps_its_own_message(
    client: FlaskClient, world: World
) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    body = {"data": {"amount": 1}}
    assert client.post(url, json=body, headers=keyed(world, "anna", "k-a")).status_code == 200
    again = client.post(url, json=body, headers=keyed(world, "anna", "k-b"))  # a new key
    assert again.status_code == 409
    assert again.json["message"].startswith("task ")  # the task was done, not a key reused
    assert "errors" not in again.json


def test_request_ids_are_per_user_unambiguous_and_fit_the_engine() -> None:
    assert request_id("anna", "k-1") == "api:anna:k-1"
    assert request_id("anna", None) is None
    assert request_id("a:b", "c") != request_id("a", "b:c")  # a colon in a name is hashed
    long = request_id("olga", "x" * 200)
    assert long is not None and len(long) <= 200 and long.count(":") == 1
    assert long != request_id("boris", "x" * 200)


def test_the_header_is_documented_on_the_three_routes(client: FlaskClient) -> None:
    spec: dict[str, Any] = client.get("/api/openapi.json").json
    for path in (
        "/api/processes/{key}/instances",
        "/api/tasks/{task_id}/complete",
        "/api/messages/{name}",
    ):
        operation = spec["paths"][path]["post"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is False
        assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 200)
        assert "scoped to the caller" in header["description"]
        assert {"400", "409"} <= set(operation["responses"])
