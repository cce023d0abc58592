"""Validate and deploy, as the modeler page calls them: JSON in, JSON problems out."""

from __future__ import annotations

from flask.testing import FlaskClient

from web.processes import store

from ..api.world import World
from ..pages import signed_in
from .helpers import post_json, renamed

VALIDATE = "/processes/simple/versions/1/validate"
DEPLOY = "/processes/simple/versions/1/deploy"


def _bpmn(world: World) -> str:
    return store.version(world.engine, "simple", 1).files["simple.bpmn"]


def test_validate_accepts_a_good_bundle(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    response = post_json(client, VALIDATE, {"files": {"simple.bpmn": _bpmn(world)}})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "processes": ["simple"]}


def test_validate_names_the_element_that_is_wrong(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    broken = _bpmn(world).replace("total = amount * 2", "total = amount *")
    response = post_json(client, VALIDATE, {"files": {"simple.bpmn": broken}})
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False
    [problem] = body["problems"]
    assert problem["element_id"] == "calc"
    assert "syntax error" in problem["message"]


def test_validate_reports_broken_xml_with_its_line(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = post_json(client, VALIDATE, {"files": {"simple.bpmn": "<bpmn:definitions"}})
    assert response.status_code == 422
    [problem] = response.get_json()["problems"]
    assert problem["file"] == "simple.bpmn" and "XML" in problem["message"]


def test_bad_requests_are_4xx_with_a_reason(client: FlaskClient) -> None:
    signed_in(client, "olga")
    for body in (
        None,
        [],
        {"files": {}},
        {"files": {"../x.bpmn": "x"}},
        {"files": {"a.txt": "x"}},
        {"files": {"a.bpmn": 3}},
    ):
        response = post_json(client, VALIDATE, body)
        assert response.status_code == 422, body
        assert response.get_json()["problems"][0]["message"]
    assert post_json(client, "/processes/nosuch/versions/1/validate", {}).status_code == 404


def test_posts_without_csrf_token_are_refused(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    response = post_json(client, DEPLOY, {"files": {"simple.bpmn": _bpmn(world)}}, csrf=False)
    assert response.status_code == 400
    assert [p["version"] for p in world.engine.processes() if p["key"] == "simple"] == [1]


def test_only_process_owners_validate_and_deploy(client: FlaskClient, world: World) -> None:
    signed_in(client, "anna")
    files = {"files": {"simple.bpmn": renamed(_bpmn(world), "Approve", "Rubber stamp")}}
    assert post_json(client, VALIDATE, files).status_code == 403
    assert post_json(client, DEPLOY, files).status_code == 403
    assert [p["version"] for p in world.engine.processes() if p["key"] == "simple"] == [1]


def test_deploy_makes_a_new_version_that_new_instances_take(
    client: FlaskClient, world: World
) -> None:
    engine = world.engine
    old = engine.instance(world.enter_instance)
    signed_in(client, "olga")
    edited = renamed(_bpmn(world), "Enter amount for {company}", "Type the amount for {company}")
    response = post_json(client, DEPLOY, {"files": {"simple.bpmn": edited}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["key"], body["version"], body["created"]) == ("simple", 2, True)
    assert body["url"] == "/processes/simple/versions/2"
    v2 = store.version(engine, "simple", 2)
    assert v2.deployed_by == "olga"
    assert sorted(v2.files) == ["approve.json", "enter.json", "simple.bpmn"]  # forms kept
    fresh = engine.start("simple", {"company": "Nova", "owner": "anna"}, user="anna")
    assert fresh["version_id"] == v2.id
    assert engine.instance(world.enter_instance)["version_id"] == old["version_id"] != v2.id
    titles = {t["instance_id"]: t["title"] for t in engine.tasks("anna")}
    assert titles[fresh["id"]] == "Type the amount for Nova"
    assert titles[world.enter_instance] == "Enter amount for Orion"
    again = post_json(client, DEPLOY, {"files": {"simple.bpmn": edited}})
    assert again.status_code == 200
    assert (again.get_json()["version"], again.get_json()["created"]) == (2, False)


def test_deploy_refuses_an_invalid_bundle_and_keeps_the_version(
    client: FlaskClient, world: World
) -> None:
    signed_in(client, "olga")
    broken = _bpmn(world).replace('value="enter.json"', 'value="missing.json"')
    response = post_json(client, DEPLOY, {"files": {"simple.bpmn": broken}})
    assert response.status_code == 422
    [problem] = response.get_json()["problems"]
    assert problem["element_id"] == "enter" and "missing.json" in problem["message"]
    assert [p["version"] for p in world.engine.processes() if p["key"] == "simple"] == [1]
