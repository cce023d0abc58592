"""One click, one call: a second call to the customer while the first is under way is
refused (page and API), an ``Idempotency-Key`` makes an API retry place nothing, and a
call the customer did not answer says so on the timeline and on the task it came from."""

from __future__ import annotations

import json

import sqlalchemy as sa

from crm.models import Interaction
from tests.integrations.servers import http_stand_in

from .api.world import World
from .pages import parse, signed_in, texts
from .test_click_to_call import (
    PHONE,
    api_call,
    call_form,
    outbound_calls,
    pbx_app,
    post_pbx_event,
    post_twilio,
    submit,
    twilio_app,
)


def test_a_double_click_on_the_card_places_one_call(world: World) -> None:
    with http_stand_in({"call_id": "pbx-1"}) as pbx:
        client = signed_in(pbx_app(world, pbx).test_client(), "anna")
        form = call_form(parse(client.get(f"/customers/{world.customer_id}")))
        first, second = submit(client, form), submit(client, form)  # the same form twice
        page = parse(client.get(second.headers["Location"]))
        assert len(pbx.requests) == 1
    assert (first.status_code, second.status_code) == (303, 303)
    assert texts(page, "//p[contains(@class, 'flash')][contains(@class, 'error')]") == [
        f"You are already calling {PHONE}: wait for that call to end before calling again."
    ]
    [row] = outbound_calls(world)
    assert (row.status, row.employee) == ("placed", "anna")


def test_the_api_refuses_a_second_call_while_the_first_is_under_way(world: World) -> None:
    with http_stand_in({"call_id": "pbx-2"}) as pbx:
        app = pbx_app(world, pbx)
        client = app.test_client()
        first = api_call(client, world)
        again = api_call(client, world)
        pbx.answer = {"call_id": "pbx-boris"}
        other = api_call(client, world, user="boris", agent="102")  # another employee may
        events = [
            {"event_id": "g1", "type": "ringing", "call_id": "pbx-2"},
            {"event_id": "g2", "type": "answered", "call_id": "pbx-2"},
        ]
        for event in events:
            assert post_pbx_event(client, **event).status_code == 202
        pbx.answer = {"call_id": "pbx-3"}
        while_talking = api_call(client, world)
        assert post_pbx_event(client, event_id="g3", type="ended", call_id="pbx-2",
                              duration=20).status_code == 202  # fmt: skip
        after = api_call(client, world)
        assert len(pbx.requests) == 3  # anna's first, boris's, anna's after the end
    assert (first.status_code, other.status_code, after.status_code) == (202, 202, 202)
    assert (again.status_code, while_talking.status_code) == (409, 409)
    assert again.json is not None and again.json["error"] == "conflict"
    assert again.json["message"] == (
        f"anna is already calling customer {world.customer_id} ({PHONE}, call"
        f" {first.json['id']} is placed): wait for it to end before calling again"  # type: ignore[index]
    )
    assert [(r.employee, r.status) for r in outbound_calls(world)] == [
        ("anna", "ended"), ("boris", "placed"), ("anna", "placed")
    ]  # fmt: skip


def test_an_idempotency_key_makes_a_retried_call_place_nothing(world: World) -> None:
    key = {"Idempotency-Key": "call-ivan-1"}
    with http_stand_in({"call_id": "pbx-9"}) as pbx:
        client = pbx_app(world, pbx).test_client()
        path = f"/api/customers/{world.customer_id}/calls"
        headers = {**world.auth("anna"), **key}
        first = client.post(path, json={"phone": PHONE}, headers=headers)
        retry = client.post(path, json={"phone": PHONE}, headers=headers)
        assert post_pbx_event(client, event_id="k1", type="ended", call_id="pbx-9",
                              duration=5).status_code == 202  # fmt: skip
        late = client.post(path, json={"phone": PHONE}, headers=headers)
        bad = client.post(path, json={"phone": PHONE}, headers={**world.auth("anna"),
                                                                "Idempotency-Key": ""})  # fmt: skip
        pbx.answer = {"call_id": "pbx-10"}
        boris = client.post(path, json={"phone": PHONE, "agent": "102"},
                            headers={**world.auth("boris"), **key})  # fmt: skip
        assert len(pbx.requests) == 2  # anna's once, and boris's: keys are per user
    assert (first.status_code, retry.status_code, late.status_code) == (202, 202, 202)
    assert first.json is not None and retry.json is not None and late.json is not None
    assert retry.json["id"] == late.json["id"] == first.json["id"]
    assert retry.json["call_id"] == "pbx-9" and late.json["status"] == "ended"
    assert (bad.status_code, boris.status_code) == (400, 202)
    assert boris.json is not None and boris.json["id"] != first.json["id"]
    first_request = json.loads(pbx.requests[0]["body"])
    assert len(first_request["request_id"]) == 64  # the key's digest: the PBX may dedupe too


def test_an_unanswered_call_from_the_task_page_says_so_there_and_on_the_timeline(
    world: World,
) -> None:
    with http_stand_in({"sid": "CA90", "status": "queued"}, status=201) as api:
        app = twilio_app(world, api)
        client = signed_in(app.test_client(), "anna")
        task_page = f"/tasks/{world.call_task}"
        form = call_form(parse(client.get(task_page)))
        form.xpath(".//input[@name='agent']")[0].value = "+79990000001"
        assert submit(client, form).status_code == 303
    parent = {"CallSid": "CA90", "AccountSid": "AC1", "From": "+74950000000",
              "To": "+79990000001", "Direction": "outbound-api"}  # fmt: skip
    leg = {**parent, "CallSid": "CA91", "ParentCallSid": "CA90", "To": PHONE,
           "Direction": "outbound-dial"}  # fmt: skip
    for callback in (
        {**parent, "CallStatus": "in-progress"},
        {**leg, "CallStatus": "ringing"},
        {**leg, "CallStatus": "busy"},
        {**parent, "CallStatus": "completed", "CallDuration": "21"},
    ):
        assert post_twilio(client, callback).status_code == 202
    summary = parse(client.get(task_page))
    shown = texts(summary, "//section[@id='customer-summary']//ul[@class='timeline']/li")
    assert any(line.endswith(f"Call to {PHONE}: busy") for line in shown), shown
    with world.engine.session() as session:
        attempt = session.scalars(sa.select(Interaction).where(Interaction.kind == "call")).one()
        assert (attempt.task_id, attempt.instance_id) == (world.call_task, world.call_instance)
        assert (attempt.duration_s, attempt.employee) == (0, "anna")
    callbacks = [t for t in world.engine.tasks(None, scope="all")
                 if t["process"] == "integration_callback"]  # fmt: skip
    assert callbacks == []
    [row] = outbound_calls(world)
    assert row.status == "missed"
