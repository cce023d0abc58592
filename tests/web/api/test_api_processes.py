"""Process definitions over the API: list, deploy (process owners), start instances."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .world import ENGINE_BPMN, HERE, World


def upload(client: FlaskClient, world: World, user: str, *files: tuple[str, bytes]) -> TestResponse:
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        "/api/processes", data=data, headers=world.auth(user), content_type="multipart/form-data"
    )


def test_lists_deployed_processes_with_their_current_version(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/api/processes", headers=world.auth("vera"))
    assert response.status_code == 200
    keys = {p["key"]: p["version"] for p in response.json["items"]}
    assert keys == {"customer_call": 1, "fragile": 1, "reply_test": 1, "simple": 1}


def test_process_owner_deploys_a_new_version(client: FlaskClient, world: World) -> None:
    bpmn = (ENGINE_BPMN / "simple.bpmn").read_text().replace("Approve", "Approve the amount")
    response = upload(
        client,
        world,
        "olga",
        ("simple.bpmn", bpmn.encode()),
        ("enter.json", (ENGINE_BPMN / "enter.json").read_bytes()),
        ("approve.json", (ENGINE_BPMN / "approve.json").read_bytes()),
    )
    assert response.status_code == 201, response.json
    assert (response.json["key"], response.json["version"]) == ("simple", 2)
    listed = client.get("/api/processes", headers=world.auth("olga")).json["items"]
    assert {p["key"]: p["version"] for p in listed}["simple"] == 2
    assert {p["key"]: p["deployed_by"] for p in listed}["simple"] == "olga"


def test_only_process_owners_deploy(client: FlaskClient, world: World) -> None:
    bpmn = (HERE / "fragile.bpmn").read_bytes()
    for user in ("anna", "boris", "egor"):
        assert upload(client, world, user, ("fragile.bpmn", bpmn)).status_code == 403, user


def test_broken_bpmn_is_422_naming_the_element(client: FlaskClient, world: World) -> None:
    response = upload(
        client,
        world,
        "olga",
        ("broken.bpmn", (HERE / "broken.bpmn").read_bytes()),
        ("call.json", (HERE / "call.json").read_bytes()),
    )
    assert response.status_code == 422
    assert response.json["error"] == "invalid_definition"
    [problem] = response.json["problems"]
    assert problem["element"] == "convert"
    assert "crm.no_such_operator" in problem["message"]
    assert set(problem) == {"element", "file", "line", "message"}
    # nothing was deployed
    keys = {
        p["key"] for p in client.get("/api/processes", headers=world.auth("olga")).json["items"]
    }
    assert "broken_call" not in keys


def test_not_xml_is_422_not_500(client: FlaskClient, world: World) -> None:
    response = upload(client, world, "olga", ("junk.bpmn", b"<definitions"))
    assert response.status_code == 422
    assert response.json["problems"]


def test_binary_file_is_422_naming_it(client: FlaskClient, world: World) -> None:
    response = upload(client, world, "olga", ("x.bpmn", b"\xff\xfe\x00"))
    assert response.status_code == 422
    assert "x.bpmn" in response.json["message"]


def test_deploy_without_files_is_422(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/processes", data={}, headers=world.auth("olga"), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "files" in response.json["errors"]["files"]


def test_file_names_cannot_leave_the_bundle(client: FlaskClient, world: World) -> None:
    response = upload(client, world, "olga", ("../x.bpmn", (HERE / "fragile.bpmn").read_bytes()))
    assert response.status_code == 422


def test_start_an_instance(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/processes/simple/instances",
        json={"data": {"company": "Lyra", "owner": "anna"}},
        headers=world.auth("anna"),
    )
    assert response.status_code == 201
    assert (response.json["process"], response.json["status"]) == ("simple", "running")
    titles = [
        t["title"] for t in client.get("/api/tasks", headers=world.auth("anna")).json["items"]
    ]
    assert "Enter amount for Lyra" in titles


def test_start_of_an_unknown_process_is_404(client: FlaskClient, world: World) -> None:
    response = client.post("/api/processes/nope/instances", json={}, headers=world.auth("anna"))
    assert response.status_code == 404
    assert "nope" in response.json["message"]


def test_start_data_must_be_an_object(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/processes/simple/instances", json={"data": "Lyra"}, headers=world.auth("anna")
    )
    assert response.status_code == 422
    assert "data" in response.json["errors"]["json"]


def test_numbers_the_store_cannot_keep_are_422(client: FlaskClient, world: World) -> None:
    """Found by schemathesis: a 65-bit integer in start data used to be a 500."""
    response = client.post(
        "/api/processes/customer_call/instances",
        json={"data": {"n": -(2**63) - 1}},
        headers=world.auth("anna"),
    )
    assert response.status_code == 422
    assert "64-bit" in str(response.json["errors"])
