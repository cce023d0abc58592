"""Operations: the instance list with filters, the instance page, and the actions on it."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient

from ..api.world import World
from ..pages import parse, post_form, signed_in, texts


def _act(client: FlaskClient, instance: str, action: str, **data: str) -> int:
    return post_form(client, f"/operations/instances/{instance}/{action}", data).status_code


@pytest.mark.parametrize("user", ["anna", "boris", "dina"])
def test_operations_are_for_admins_only(client: FlaskClient, world: World, user: str) -> None:
    signed_in(client, user)
    assert client.get("/operations/instances").status_code == 403
    assert client.get(f"/operations/instances/{world.incident_instance}").status_code == 403
    assert _act(client, world.incident_instance, "skip") == 403
    assert world.engine.instance(world.incident_instance)["status"] == "incident"


def test_instance_list_filters_by_status_and_process(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    everything = parse(client.get("/operations/instances"))
    ids = everything.xpath("//table[@id='instances']//tr/@data-instance")
    assert {world.incident_instance, world.enter_instance, world.call_instance} <= set(ids)
    failing = parse(client.get("/operations/instances?status=incident"))
    assert failing.xpath("//table[@id='instances']//tr/@data-instance") == [world.incident_instance]
    assert "divis" in texts(failing, "//table[@id='instances']//tr/td[6]")[0]
    simple = parse(client.get("/operations/instances?process=simple&version=1"))
    assert simple.xpath("//table[@id='instances']//tr/@data-instance") == [world.enter_instance]
    by_id = parse(client.get(f"/operations/instances?instance={world.call_instance}"))
    assert by_id.xpath("//table[@id='instances']//tr/@data-instance") == [world.call_instance]
    none = parse(client.get("/operations/instances?started_to=2000-01-01"))
    assert none.xpath("//p[@id='no-instances']")


def test_bad_filters_answer_400_with_the_field_named(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = client.get("/operations/instances?status=lost&version=x&started_from=yesterday")
    assert response.status_code == 400
    page = parse(response)
    assert page.xpath("//span[@id='error-status']")
    assert page.xpath("//span[@id='error-version']")
    assert page.xpath("//span[@id='error-started_from']")


def test_instance_page_shows_the_incident_with_its_failing_line(
    client: FlaskClient, world: World
) -> None:
    page = parse(signed_in(client, "olga").get(f"/operations/instances/{world.incident_instance}"))
    assert texts(page, "//span[@id='instance-status']") == ["incident"]
    [incident] = page.xpath("//section[@class='incident']")
    assert incident.get("data-resolved") == "no"
    assert "divis" in texts(incident, ".//p[contains(@class, 'incident-message')]")[0]
    failing = texts(incident, ".//span[contains(@class, 'failing-line')]")
    assert failing == ["1 ratio = 10 / divisor"]
    [diagram] = page.xpath("//div[@id='instance-diagram']")
    assert '"divide": ["errored"]' in diagram.get("data-highlight")
    assert page.xpath("//button[@id='retry']") and page.xpath("//button[@id='skip']")


def test_instance_page_marks_done_and_active_tasks(client: FlaskClient, world: World) -> None:
    engine = world.engine
    [task] = [t for t in engine.tasks("anna") if t["instance_id"] == world.enter_instance]
    engine.complete_task(task["id"], {"amount": 900}, user="anna")  # small: goes to the end
    started = engine.start("simple", {"company": "Big", "owner": "anna"}, user="anna")
    [open_task] = [t for t in engine.tasks("anna") if t["instance_id"] == started["id"]]
    engine.complete_task(open_task["id"], {"amount": 5000}, user="anna")  # big: approval
    signed_in(client, "olga")
    page = parse(client.get(f"/operations/instances/{started['id']}"))
    marks = page.xpath("//div[@id='instance-diagram']/@data-highlight")[0]
    assert '"enter": ["completed"]' in marks
    assert '"calc": ["completed"]' in marks  # a script task: known from the stored state
    assert '"approve": ["active"]' in marks
    rows = page.xpath("//table[@id='tasks']//tr[@data-status='done']")
    assert "5000" in rows[0].text_content()  # the data the task was completed with
    actions = page.xpath("//table[@id='history']//tr/@data-action")
    assert actions[:2] == ["started", "task_completed"]


def test_retry_with_corrected_data_moves_the_instance_on(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    assert _act(client, world.incident_instance, "retry", data='{"divisor": 0') == 400
    assert _act(client, world.incident_instance, "retry", data="[1, 2]") == 400
    assert world.engine.instance(world.incident_instance)["status"] == "incident"
    assert _act(client, world.incident_instance, "retry", data='{"divisor": 5}') == 302
    detail = world.engine.instance(world.incident_instance)
    assert detail["status"] == "running"
    assert detail["data"]["ratio"] == 2
    assert detail["incidents"][0]["resolution"] == "retried"
    assert [t["task"] for t in detail["active_tasks"]] == ["check"]
    history = detail["history"]
    assert any(h["action"] == "retried" and h["user"] == "olga" for h in history)


def test_retry_without_a_fix_fails_again_and_skip_goes_past(
    client: FlaskClient, world: World
) -> None:
    signed_in(client, "olga")
    assert _act(client, world.incident_instance, "retry") == 302
    assert world.engine.instance(world.incident_instance)["status"] == "incident"
    assert _act(client, world.incident_instance, "skip") == 302
    detail = world.engine.instance(world.incident_instance)
    assert detail["status"] == "running"
    assert [t["task"] for t in detail["active_tasks"]] == ["check"]


def test_suspend_resume_cancel_and_what_the_state_forbids(
    client: FlaskClient, world: World
) -> None:
    signed_in(client, "olga")
    target = world.enter_instance
    assert _act(client, target, "resume") == 409  # it is running
    assert _act(client, target, "retry") == 409  # no incident
    assert _act(client, target, "suspend") == 302
    assert world.engine.instance(target)["status"] == "suspended"
    page = parse(client.get(f"/operations/instances/{target}"))
    assert page.xpath("//button[@id='resume']") and not page.xpath("//button[@id='suspend']")
    assert _act(client, target, "resume") == 302
    assert _act(client, target, "cancel") == 302
    assert world.engine.instance(target)["status"] == "cancelled"
    assert _act(client, target, "cancel") == 409


def test_unknown_instances_and_actions_are_404(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    assert client.get("/operations/instances/not-a-uuid").status_code == 404
    assert client.get(f"/operations/instances/{uuid.uuid4()}").status_code == 404
    assert _act(client, world.enter_instance, "explode") == 404
    assert _act(client, str(uuid.uuid4()), "suspend") == 404
