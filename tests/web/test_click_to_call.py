"""Click-to-call through the real app: the call button on the customer card and the task page,
``POST /api/customers/<id>/calls``, the provider (a local PBX or Twilio stand-in), then the
provider's status hooks back through the app, and the call once on the customer's timeline."""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from integrations import sign, verify
from integrations.models import OutboundCall
from tests.integrations.servers import StandIn, free_port, http_stand_in
from web import create_app

from .api.world import DEMO_USERS, World
from .pages import parse, post_form, signed_in, texts

SECRET = "web-hook-secret"
TWILIO_TOKEN = "web-twilio-token"
PHONE = "+79215550102"  # the world's customer's contact
CALLER_ID = "+74950000000"


def pbx_app(world: World, pbx: StandIn, **config: Any) -> Flask:
    settings = {"TESTING": True, "SECRET_KEY": "test", "HOOK_SECRET": SECRET,
                "CALL_PROVIDER": "pbx", "PBX_ORIGINATE_URL": pbx.url + "/originate",
                "CALL_AGENTS": {"anna": "101"}, **config}  # fmt: skip
    return create_app(world.engine, settings)


def twilio_app(world: World, api: StandIn) -> Flask:
    settings = {"TESTING": True, "SECRET_KEY": "test", "CALL_PROVIDER": "twilio",
                "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "TWILIO_CALLER_ID": CALLER_ID, "TWILIO_API_URL": api.url}  # fmt: skip
    return create_app(world.engine, settings)


def submit(client: FlaskClient, form: Any) -> TestResponse:
    """Post a form of a parsed page as the browser would: its own action and fields."""
    return client.post(form.action, data=dict(form.form_values()))


def call_form(page: Any, phone: str = PHONE) -> Any:
    [form] = page.xpath(f"//form[contains(@class, 'call')][@data-phone='{phone}']")
    return form


def post_pbx_event(client: FlaskClient, **fields: Any) -> TestResponse:
    body = json.dumps({"from": "101", "to": PHONE, "direction": "outbound", **fields}).encode()
    headers = {"X-Clientflow-Signature": sign(SECRET, body)}
    return client.post("/hooks/telephony", data=body, headers=headers,
                       content_type="application/json")  # fmt: skip


def post_twilio(client: FlaskClient, form: dict[str, str]) -> TestResponse:
    url = "http://localhost/hooks/twilio/voice"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


def timeline_calls(client: FlaskClient, world: World) -> list[dict[str, Any]]:
    card = client.get(f"/api/customers/{world.customer_id}", headers=world.auth("anna")).json
    assert card is not None
    return [i for i in card["timeline"]["items"] if i["kind"] == "call"]


def outbound_calls(world: World) -> list[OutboundCall]:
    with world.engine.session() as session:
        return list(session.scalars(sa.select(OutboundCall).order_by(OutboundCall.id)))


def test_a_call_from_the_card_goes_to_the_pbx_and_lands_once_on_the_timeline(
    world: World,
) -> None:
    with http_stand_in({"call_id": "pbx-1", "status": "queued"}) as pbx:
        client = signed_in(pbx_app(world, pbx).test_client(), "anna")
        form = call_form(parse(client.get(f"/customers/{world.customer_id}")))
        assert not form.xpath(".//input[@name='agent']")  # anna's line is configured
        placed = submit(client, form)
        assert placed.status_code == 303
        assert placed.headers["Location"] == f"/customers/{world.customer_id}"
        page = parse(client.get(placed.headers["Location"]))
    assert texts(page, "//p[contains(@class, 'flash')]") == [
        f"Calling {PHONE}: your line 101 rings first, then the customer."
    ]
    [request] = pbx.requests
    verify(SECRET, request["body"], request["headers"]["X-Clientflow-Signature"])
    sent = json.loads(request["body"])
    assert (sent["to"], sent["agent"], sent["employee"]) == (PHONE, "101", "anna")
    assert sent["callback_url"] == "http://localhost/hooks/telephony"

    events = [
        {"event_id": "p1", "type": "ringing", "call_id": "pbx-1"},
        {"event_id": "p2", "type": "answered", "call_id": "pbx-1"},
        {"event_id": "p3", "type": "answered", "call_id": "leg-1", "parent_call_id": "pbx-1"},
        {
            "event_id": "p4",
            "type": "ended",
            "call_id": "leg-1",
            "parent_call_id": "pbx-1",
            "duration": 61,
        },
        {
            "event_id": "p5",
            "type": "ended",
            "call_id": "pbx-1",
            "duration": 65,
            "recording_url": "https://pbx.test/rec/1.mp3",
        },
    ]
    answers = [post_pbx_event(client, **event).status_code for event in events]
    assert answers == [202] * 5
    assert post_pbx_event(client, **events[-1]).status_code == 200  # a repeat delivery

    [call] = timeline_calls(client, world)
    assert (call["direction"], call["duration_s"], call["employee"]) == ("out", 65, "anna")
    assert call["recording_url"] == "https://pbx.test/rec/1.mp3"
    card = parse(client.get(f"/customers/{world.customer_id}"))
    [row] = card.xpath("//section[@id='timeline']//tr[@data-kind='call']")
    assert texts(row, ".//span[@class='duration']") == ["1:05"]
    assert row.xpath(".//a/@href") == ["https://pbx.test/rec/1.mp3"]
    [row_of_call] = outbound_calls(world)
    assert (row_of_call.call_id, row_of_call.status) == ("pbx-1", "ended")


def test_the_task_page_calls_with_the_task_and_remembers_a_typed_line(world: World) -> None:
    with http_stand_in({"call_id": "pbx-2"}) as pbx:
        app = pbx_app(world, pbx, CALL_AGENTS={})  # no line configured for anyone
        client = signed_in(app.test_client(), "anna")
        task_page = f"/tasks/{world.call_task}"
        form = call_form(parse(client.get(task_page)))
        assert form.xpath(".//input[@name='task_id']/@value") == [world.call_task]
        [line] = form.xpath(".//input[@name='agent']")
        assert line.get("required") is not None and line.get("value") == ""
        line.value = "102"
        placed = submit(client, form)
        assert (placed.status_code, placed.headers["Location"]) == (303, task_page)
        again = call_form(parse(client.get(task_page)))
    assert again.xpath(".//input[@name='agent']/@value") == ["102"]
    assert json.loads(pbx.requests[0]["body"])["agent"] == "102"
    [row] = outbound_calls(world)
    assert (row.task_id, row.employee, row.agent) == (world.call_task, "anna", "102")


def test_twilio_through_the_api_then_its_signed_status_callbacks(world: World) -> None:
    with http_stand_in({"sid": "CA77", "status": "queued"}, status=201) as api:
        client = twilio_app(world, api).test_client()
        response = client.post(
            f"/api/customers/{world.customer_id}/calls",
            json={
                "phone": "8 (921) 555-01-02",
                "agent": "+7 999 000-00-01",
                "task_id": world.call_task,
            },
            headers=world.auth("anna"),
        )
    assert response.status_code == 202, response.json
    answer = response.json
    assert answer is not None
    assert (answer["provider"], answer["call_id"], answer["phone"]) == ("twilio", "CA77", PHONE)
    assert (answer["agent"], answer["task_id"]) == ("+79990000001", world.call_task)
    assert PHONE in answer["message"]
    [request] = api.requests
    assert request["path"] == "/2010-04-01/Accounts/AC1/Calls.json"
    auth = base64.b64encode(f"AC1:{TWILIO_TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {auth}"
    form = urllib.parse.parse_qs(request["body"].decode())
    assert (form["To"], form["From"]) == (["+79990000001"], [CALLER_ID])
    assert form["StatusCallback"] == ["http://localhost/hooks/twilio/voice"]
    assert f">{PHONE}</Number>" in form["Twiml"][0]

    parent = {"CallSid": "CA77", "AccountSid": "AC1", "From": CALLER_ID, "To": "+79990000001",
              "Direction": "outbound-api"}  # fmt: skip
    leg = {**parent, "CallSid": "CA78", "ParentCallSid": "CA77", "To": PHONE,
           "Direction": "outbound-dial"}  # fmt: skip
    callbacks = [
        {**parent, "CallStatus": "initiated"},
        {**parent, "CallStatus": "in-progress"},
        {**leg, "CallStatus": "in-progress"},
        {**leg, "CallStatus": "completed", "CallDuration": "50"},
        {**parent, "CallStatus": "completed", "CallDuration": "58"},
        {**parent, "CallStatus": "completed", "CallDuration": "58"},  # Twilio retried
    ]
    statuses = [post_twilio(client, form).status_code for form in callbacks]
    assert statuses == [202, 202, 202, 202, 202, 200]
    [call] = timeline_calls(client, world)
    assert (call["direction"], call["duration_s"], call["employee"]) == ("out", 58, "anna")
    assert call["subject"] == f"Call to {PHONE}" and call["channel"] == "twilio"


def api_call(client: FlaskClient, world: World, user: str = "anna", **body: Any) -> TestResponse:
    """Call the customer as ``user`` (anonymously for "")."""
    path = f"/api/customers/{world.customer_id}/calls"
    headers = world.auth(user) if user else {}
    return client.post(path, json={"phone": PHONE, **body}, headers=headers)


def test_api_refusals_are_clear_and_never_500(world: World) -> None:
    unconfigured = world.app().test_client()
    answer = api_call(unconfigured, world)
    assert answer.status_code == 409 and answer.json is not None
    assert answer.json["error"] == "not_configured"
    assert "CLIENTFLOW_CALL_PROVIDER" in answer.json["message"]

    with http_stand_in({"call_id": "never"}) as pbx:
        client = pbx_app(world, pbx).test_client()
        bad = {
            "not_theirs": api_call(client, world, phone="+79161234567"),
            "not_a_phone": api_call(client, world, phone="call me"),
            "bad_task": api_call(client, world, task_id="not-a-task"),
            "other_task": api_call(client, world, task_id=world.enter_task),
            "no_line": api_call(client, world, user="boris"),  # a manager, no line configured
            "bad_line": api_call(client, world, user="boris", agent="dial 0 first"),
            "no_phone": client.post(
                f"/api/customers/{world.customer_id}/calls", json={}, headers=world.auth("anna")
            ),
        }
        outsider = api_call(client, world, user="vera", phone="")  # 403 before the body
        nobody = client.post(f"/api/customers/{world.customer_id}/calls", json={"phone": PHONE})
        missing = client.post("/api/customers/987654/calls", json={"phone": PHONE},
                              headers=world.auth("olga"))  # fmt: skip
        assert pbx.requests == []  # nothing reached the PBX
    fields = {name: (r.status_code, sorted((r.json or {}).get("errors", {}).get("json", {})))
              for name, r in bad.items()}  # fmt: skip
    assert fields == {
        "not_theirs": (422, ["phone"]),
        "not_a_phone": (422, ["phone"]),
        "bad_task": (422, ["task_id"]),
        "other_task": (422, ["task_id"]),
        "no_line": (422, ["agent"]),
        "bad_line": (422, ["agent"]),
        "no_phone": (422, ["phone"]),
    }
    assert (outsider.status_code, nobody.status_code, missing.status_code) == (403, 401, 404)


def test_provider_failures_are_502_on_the_api_and_a_message_on_the_page(world: World) -> None:
    with http_stand_in({"error": "trunk down"}, status=503) as pbx:
        app = pbx_app(world, pbx)
        refused = api_call(app.test_client(), world)
        client = signed_in(app.test_client(), "anna")
        page = submit(client, call_form(parse(client.get(f"/customers/{world.customer_id}"))))
        shown = parse(client.get(page.headers["Location"]))
    assert refused.status_code == 502 and refused.json is not None
    assert refused.json["error"] == "bad_gateway"
    assert refused.json["message"] == "the PBX refused the call: HTTP 503 Service Unavailable"
    assert page.status_code == 303
    [flash] = texts(shown, "//p[contains(@class, 'flash')][contains(@class, 'error')]")
    assert (
        flash
        == "The call could not be placed: the PBX refused the call: HTTP 503 Service Unavailable"
    )
    unreachable = pbx_app(world, StandIn(f"http://127.0.0.1:{free_port()}", None))
    assert api_call(unreachable.test_client(), world).status_code == 502
    assert [row.status for row in outbound_calls(world)] == ["refused"] * 3


def test_buttons_only_where_calls_can_be_placed(world: World) -> None:
    plain = signed_in(world.app().test_client(), "anna")
    card = parse(plain.get(f"/customers/{world.customer_id}"))
    assert card.xpath("//span[@class='phone']") and not card.xpath(
        "//form[contains(@class, 'call')]"
    )
    with http_stand_in({"call_id": "x"}) as pbx:
        boris = signed_in(pbx_app(world, pbx).test_client(), "boris")
        page = parse(boris.get(f"/customers/{world.customer_id}"))
        assert [f.get("data-phone") for f in page.xpath("//form[contains(@class, 'call')]")] == [
            PHONE
        ]
        vera = signed_in(pbx_app(world, pbx).test_client(), "vera")
        refused = post_form(vera, f"/customers/{world.customer_id}/call", {"phone": PHONE})
        assert refused.status_code == 403
        assert pbx.requests == []
    answer = plain.post(f"/customers/{world.customer_id}/call", data={"phone": PHONE})
    assert answer.status_code == 400  # no CSRF token: refused before anything else


def test_every_user_and_anonymous_with_a_provider_configured(world: World) -> None:
    """The permission matrix runs unconfigured (409); here every call gets to the PBX
    or is refused by the card's rule, as the API and as the page."""
    outsiders = {"vera", "gleb", "egor"}  # no task about the customer, not managers
    agents = {"*": "sip:{username}@pbx.test"}
    with http_stand_in({"call_id": "c"}) as pbx:
        app = pbx_app(world, pbx, CALL_AGENTS=agents)
        api, answers = app.test_client(), {}
        for n, user in enumerate(DEMO_USERS):
            pbx.answer = {"call_id": f"api-{n}"}
            answers[user] = api_call(api, world, user=user).status_code
            ended = {"event_id": f"end-{n}", "type": "ended", "call_id": f"api-{n}"}
            post_pbx_event(api, **ended)  # else the next call would be refused as a repeat
            pbx.answer = {"call_id": f"page-{n}"}
            page = signed_in(app.test_client(), user)
            path = f"/customers/{world.customer_id}/call"
            answers[f"{user} (page)"] = post_form(page, path, {"phone": PHONE}).status_code
        answers["anonymous"] = api_call(api, world, user="").status_code
        anonymous_page = app.test_client().post(f"/customers/{world.customer_id}/call")
    expected = {user: 403 if user in outsiders else 202 for user in DEMO_USERS}
    expected |= {f"{u} (page)": 403 if u in outsiders else 303 for u in DEMO_USERS}
    assert answers == {**expected, "anonymous": 401}
    assert anonymous_page.status_code in (302, 400)  # to the login page, or no CSRF token
    placed = [json.loads(r["body"])["agent"] for r in pbx.requests]
    insiders = [u for u in DEMO_USERS if u not in outsiders]
    assert placed == [f"sip:{u}@pbx.test" for u in insiders for _ in ("api", "page")]
