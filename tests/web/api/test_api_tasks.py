"""The inbox over the API: listing with keyset pages, reading, claiming, assigning, completing."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from engine import add_user, issue_token

from .world import World, start_call


def test_scopes_list_my_tasks_my_groups_queue_and_for_admins_all(
    client: FlaskClient, world: World
) -> None:
    mine = client.get("/api/tasks", headers=world.auth("anna")).json["items"]
    assert [t["id"] for t in mine] == [world.enter_task]
    group = client.get("/api/tasks?scope=group", headers=world.auth("anna")).json["items"]
    assert {t["id"] for t in group} == {world.enter_task, world.call_task}
    assert client.get("/api/tasks?scope=group", headers=world.auth("gleb")).json["items"] == []
    everything = client.get("/api/tasks?scope=all", headers=world.auth("olga")).json["items"]
    assert {world.enter_task, world.call_task} <= {t["id"] for t in everything}


def test_work_items_have_exactly_the_fields_api_md_names(client: FlaskClient, world: World) -> None:
    [item] = client.get("/api/tasks", headers=world.auth("anna")).json["items"]
    assert set(item) == {
        "id", "instance_id", "process", "task", "title", "group", "assignee", "customer_id",
        "priority", "due_at", "status", "created_at", "completed_at", "completed_by",
    }  # fmt: skip
    assert (item["title"], item["group"], item["status"]) == (
        "Enter amount for Orion",
        "sales",
        "open",
    )


def test_scope_all_is_for_admins(client: FlaskClient, world: World) -> None:
    response = client.get("/api/tasks?scope=all", headers=world.auth("anna"))
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


def test_filters_by_customer_and_overdue(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks?scope=group&customer_id={world.customer_id}"
    assert [t["id"] for t in client.get(url, headers=world.auth("anna")).json["items"]] == [
        world.call_task
    ]
    overdue = client.get("/api/tasks?scope=group&overdue=1", headers=world.auth("anna"))
    assert overdue.status_code == 200
    assert overdue.json["items"] == []  # due dates are hours ahead on the office calendar


def test_keyset_pages_walk_every_task_once(client: FlaskClient, world: World) -> None:
    for n in range(5):
        start_call(world.engine, company=f"Company {n}", phone=f"+7921555{n:04d}")
    seen: list[str] = []
    url = "/api/tasks?scope=group&limit=2"
    pages = 0
    while url:
        body = client.get(url, headers=world.auth("anna")).json
        assert len(body["items"]) <= 2
        seen += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        url = f"/api/tasks?scope=group&limit=2&cursor={cursor}" if cursor else ""
    everything = client.get("/api/tasks?scope=group&limit=200", headers=world.auth("anna"))
    assert seen == [t["id"] for t in everything.json["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert pages == 4


def test_a_cursor_not_from_the_api_is_422(client: FlaskClient, world: World) -> None:
    response = client.get("/api/tasks?cursor=garbage!!", headers=world.auth("anna"))
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]["query"]


def test_bad_query_values_are_422_naming_the_parameter(client: FlaskClient, world: World) -> None:
    response = client.get("/api/tasks?scope=everyone&limit=0", headers=world.auth("anna"))
    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"scope", "limit"}


def test_task_detail_has_form_schema_and_current_data(client: FlaskClient, world: World) -> None:
    response = client.get(f"/api/tasks/{world.call_task}", headers=world.auth("anna"))
    assert response.status_code == 200
    body = response.json
    assert body["form"]["required"] == ["outcome"]
    assert body["data"]["company"] == "Vega LLC"
    assert body["customer_id"] == str(world.customer_id)


def test_task_of_another_group_is_403_and_unknown_is_404(client: FlaskClient, world: World) -> None:
    assert (
        client.get(f"/api/tasks/{world.call_task}", headers=world.auth("gleb")).status_code == 403
    )
    missing = client.get(f"/api/tasks/{uuid.uuid4()}", headers=world.auth("anna"))
    assert missing.status_code == 404
    assert missing.json["error"] == "not_found"
    assert client.get("/api/tasks/not-a-uuid", headers=world.auth("anna")).status_code == 404


def test_managers_and_admins_see_their_teams_tasks(client: FlaskClient, world: World) -> None:
    for user in ("boris", "olga"):
        response = client.get(f"/api/tasks/{world.call_task}", headers=world.auth(user))
        assert response.status_code == 200, user


def test_claim_then_unclaim(client: FlaskClient, world: World) -> None:
    claimed = client.post(f"/api/tasks/{world.call_task}/claim", headers=world.auth("anna"))
    assert claimed.status_code == 200
    assert claimed.json["assignee"] == "anna"
    released = client.post(f"/api/tasks/{world.call_task}/unclaim", headers=world.auth("anna"))
    assert released.status_code == 200
    assert released.json["assignee"] is None


def test_claim_outside_my_groups_is_403(client: FlaskClient, world: World) -> None:
    response = client.post(f"/api/tasks/{world.call_task}/claim", headers=world.auth("vera"))
    assert response.status_code == 403


def test_claim_of_a_task_someone_holds_is_409(client: FlaskClient, world: World) -> None:
    client.post(f"/api/tasks/{world.call_task}/claim", headers=world.auth("anna"))
    add_user(world.engine, "ivan", groups=["sales"])
    ivan = {"Authorization": f"Bearer {issue_token(world.engine, 'ivan')}"}
    response = client.post(f"/api/tasks/{world.call_task}/claim", headers=ivan)
    assert response.status_code == 409
    assert "anna" in response.json["message"]


def test_managers_assign_others_may_not(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.call_task}/assign"
    assert client.post(url, json={"user": "anna"}, headers=world.auth("gleb")).status_code == 403
    assert client.post(url, json={"user": "anna"}, headers=world.auth("anna")).status_code == 403
    assigned = client.post(url, json={"user": "anna"}, headers=world.auth("boris"))
    assert assigned.status_code == 200
    assert assigned.json["assignee"] == "anna"
    nobody = client.post(url, json={"user": "nobody"}, headers=world.auth("boris"))
    assert nobody.status_code == 404
    assert client.post(url, json={}, headers=world.auth("boris")).status_code == 422


def test_complete_validates_the_form_then_advances(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    wrong = client.post(url, json={"data": {"amount": -5}}, headers=world.auth("anna"))
    assert wrong.status_code == 422
    assert wrong.json["error"] == "invalid_form"
    assert wrong.json["errors"] == {"amount": ["-5 is less than the minimum of 0"]}
    missing = client.post(url, json={"data": {}}, headers=world.auth("anna"))
    assert missing.status_code == 422
    assert missing.json["errors"] == {"amount": ["this field is required"]}
    done = client.post(url, json={"data": {"amount": 2000}}, headers=world.auth("anna"))
    assert done.status_code == 200
    assert done.json["instance"]["id"] == world.enter_instance
    assert done.json["instance"]["data"]["total"] == 4000
    # the approval went to the sales managers' queue, round robin: boris
    [approval] = client.get("/api/tasks", headers=world.auth("boris")).json["items"]
    assert approval["task"] == "approve"


def test_completing_twice_is_409(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    assert (
        client.post(url, json={"data": {"amount": 1}}, headers=world.auth("anna")).status_code
        == 200
    )
    again = client.post(url, json={"data": {"amount": 1}}, headers=world.auth("anna"))
    assert again.status_code == 409
    assert again.json["error"] == "conflict"


def test_completing_someone_elses_task_is_403(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    for user in ("gleb", "boris"):
        response = client.post(url, json={"data": {"amount": 1}}, headers=world.auth(user))
        assert response.status_code == 403, user


def test_complete_body_must_be_an_object_of_data(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}/complete"
    response = client.post(url, json={"data": [1, 2]}, headers=world.auth("anna"))
    assert response.status_code == 422
    assert "data" in response.json["errors"]["json"]


@pytest.mark.parametrize("action", ["claim", "unclaim", "assign", "complete"])
def test_actions_on_an_unknown_task_are_404(client: FlaskClient, world: World, action: str) -> None:
    response = client.post(
        f"/api/tasks/{uuid.uuid4()}/{action}",
        json={"user": "anna"} if action == "assign" else {},
        headers=world.auth("olga"),
    )
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_releasing_a_task_someone_else_holds_is_403(client: FlaskClient, world: World) -> None:
    response = client.post(f"/api/tasks/{world.enter_task}/unclaim", headers=world.auth("vera"))
    assert response.status_code == 403
    # the manager of the sales queue may release it
    released = client.post(f"/api/tasks/{world.enter_task}/unclaim", headers=world.auth("boris"))
    assert released.status_code == 200
    assert released.json["assignee"] is None


def test_assigning_a_completed_task_is_409(client: FlaskClient, world: World) -> None:
    url = f"/api/tasks/{world.enter_task}"
    done = client.post(f"{url}/complete", json={"data": {"amount": 1}}, headers=world.auth("anna"))
    assert done.status_code == 200
    response = client.post(f"{url}/assign", json={"user": "anna"}, headers=world.auth("boris"))
    assert response.status_code == 409
